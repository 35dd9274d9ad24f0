// A full-text index of messages in a Durable Object's own SQLite (FTS5), the same in a user
// object (the messages of its direct chats and small groups, keyed by their `texts` row)
// and in a chat object (its own messages, keyed by seq). The owner calls `put` in the same
// synchronous block that stores or rewrites the text, so the index never holds a text the
// object no longer does: a deleted message is dropped, an edited one replaced.
import { ApiError } from "../contract/errors";
import type { SearchKey } from "../contract/objects";
import { indexText } from "./text";

export type { SearchKey };
export { matchExpression, snippet, SNIPPET_MAX } from "./text";

/** The schema step both objects add: body is the indexed text, the rest is only carried. */
export const SEARCH_SCHEMA = `CREATE VIRTUAL TABLE search USING fts5(body, chat_id UNINDEXED, seq UNINDEXED, ts UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2');`;

/** Which matches a search takes: older than `before`, in `chats` (a JSON array of chat ids), up to message `upToSeq`. */
export interface Scope {
  before?: SearchKey;
  chats?: string;
  upToSeq?: number;
}

export interface Hit extends SearchKey {
  /** The owner's key of the row (a texts rowid, or a seq). */
  id: number;
}

export class SearchIndex {
  constructor(private readonly sql: SqlStorage) {}

  /** The text of message `seq` of `chatId` is now `content`; null: it is deleted (or has none), and is not found. */
  put(id: number, chatId: string, seq: number, ts: number, content: string | null): void {
    this.sql.exec("DELETE FROM search WHERE rowid = ?", id);
    if (content)
      this.sql.exec("INSERT INTO search (rowid, body, chat_id, seq, ts) VALUES (?, ?, ?, ?, ?)", id, indexText(content), chatId, seq, ts);
  }

  /** The newest `limit` matches of an FTS5 expression (from matchExpression) within `scope`. */
  find(match: string, limit: number, { before, chats, upToSeq }: Scope = {}): Hit[] {
    const where = ["search MATCH ?"];
    const args: SqlStorageValue[] = [match];
    if (upToSeq !== undefined) {
      where.push("seq <= ?");
      args.push(upToSeq);
    }
    if (before) {
      where.push("(ts, chat_id, seq) < (?, ?, ?)");
      args.push(before.ts, before.chat_id, before.seq);
    }
    if (chats !== undefined) {
      where.push("chat_id IN (SELECT value FROM json_each(?))");
      args.push(chats);
    }
    return this.sql
      .exec<{ id: number; ts: number; chat_id: string; seq: number }>(
        `SELECT rowid AS id, ts, chat_id, seq FROM search WHERE ${where.join(" AND ")} ORDER BY ts DESC, chat_id DESC, seq DESC LIMIT ?`,
        ...args,
        limit,
      )
      .toArray();
  }
}

/** The opaque cursor of a page's last result. */
export function encodeCursor(k: SearchKey): string {
  return btoa(JSON.stringify([k.ts, k.chat_id, k.seq])).replace(/=+$/, "");
}

/** A cursor this service gave out, or 400 naming `before`. */
export function decodeCursor(cursor: string): SearchKey {
  try {
    const v: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(v) && v.length === 3 && Number.isSafeInteger(v[0]) && typeof v[1] === "string" && Number.isSafeInteger(v[2]))
      return { ts: v[0], chat_id: v[1], seq: v[2] };
  } catch {
    // Falls through to the one answer for any cursor that is not ours.
  }
  throw new ApiError(400, "invalid_request", "before is not a cursor this server gave out", {
    before: "not a cursor this server gave out",
  });
}

/** Newest first: the order of results and of cursors. */
export function newerFirst(a: SearchKey, b: SearchKey): number {
  return b.ts - a.ts || (a.chat_id < b.chat_id ? 1 : a.chat_id > b.chat_id ? -1 : 0) || b.seq - a.seq;
}
