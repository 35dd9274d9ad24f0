// searchMessages for the user: one request searches every chat they can read. The user
// object's own index holds the messages of its direct chats and small groups (the texts of
// the `texts` table, update-log.ts, indexed in batches and before each search); a large group indexes its
// messages once, in its chat object, which this asks, a few at a time. So does a small
// group the user joined late, for its messages up to their joining (`joined_seq`), which
// never reached their log but are theirs to read. Results are merged newest first, each
// once, and paged by an opaque cursor. Only chats in the chat list are searched, so a chat
// the user left or was removed from is not.
import { ApiError, unwrap } from "../contract/errors";
import { fitting } from "../contract/pages";
import type { Message, PayloadOf, RequestOf, SearchResult } from "../contract/protocol";
import type { JobAlarm } from "../platform/alarms";
import type { Clock } from "../platform/clock";
import { decodeCursor, encodeCursor, matchExpression, newerFirst, SearchIndex, snippet, type Indexable, type SearchKey } from "../search";
import type { ChatCalls } from "./chat-calls";

/** The user's own index, keyed by `texts` rowid (rows are never deleted, so keys only grow). */
export function searchIndex(sql: SqlStorage, alarm: JobAlarm, clock: Clock): SearchIndex {
  const rowsAfter = (after: number, limit: number) =>
    sql
      .exec<Indexable>(
        `SELECT rowid AS id, message ->> '$.chat_id' AS chat_id, message ->> '$.seq' AS seq, message ->> '$.timestamp' AS ts,
           iif(message ->> '$.deleted' IS NULL, message ->> '$.content') AS content
         FROM texts WHERE rowid > ? ORDER BY rowid LIMIT ?`,
        after,
        limit,
      )
      .toArray();
  const newest = () => sql.exec<{ n: number | null }>("SELECT MAX(rowid) AS n FROM texts").one().n ?? 0;
  return new SearchIndex(sql, rowsAfter, newest, alarm, () => clock.now());
}

/** Large groups asked at once. */
const FAN_OUT = 6;

export class UserSearch {
  constructor(
    private readonly sql: SqlStorage,
    private readonly index: SearchIndex,
    private readonly calls: ChatCalls,
  ) {}

  async find(userId: string, r: RequestOf<"searchMessages">): Promise<PayloadOf<"searchMessages">> {
    const limit = r.limit ?? 20;
    const before = r.before === undefined ? undefined : decodeCursor(r.before);
    // A chat named must be one of the user's, whatever the query.
    if (r.chat_id !== undefined) this.calls.member(r.chat_id);
    const match = matchExpression(r.query);
    if (!match) return { results: [], has_more: false };
    const chats = this.sql
      .exec<{ chat_id: string; large: number; joined_seq: number }>("SELECT chat_id, large, joined_seq FROM chats")
      .toArray()
      .filter((c) => r.chat_id === undefined || c.chat_id === r.chat_id);
    const small = chats.filter((c) => !c.large).map((c) => c.chat_id);
    // Large groups whole; small groups joined late up to the joining.
    const asks = chats.flatMap(
      (c): Array<{ chatId: string; upTo?: number }> =>
        c.large ? [{ chatId: c.chat_id }] : c.joined_seq > 0 ? [{ chatId: c.chat_id, upTo: c.joined_seq }] : [],
    );
    // One more than a page from each source says whether there is a next page.
    const found = small.length ? this.own(match, r.query, limit + 1, before, small) : [];
    for (let i = 0; i < asks.length; i += FAN_OUT) {
      const asked = asks.slice(i, i + FAN_OUT).map((a) => this.remote(userId, a.chatId, r.query, limit + 1, before, a.upTo));
      for (const part of await Promise.all(asked)) found.push(...part);
    }
    found.sort((a, b) => newerFirst(keyOf(a.message), keyOf(b.message)));
    // The message at the joining came in the chat's chatCreated too: each once.
    const merged = found.filter((f, i) => i === 0 || newerFirst(keyOf(found[i - 1]!.message), keyOf(f.message)) !== 0);
    const page = merged.slice(0, limit);
    const results = page.slice(0, fitting(page));
    const has_more = merged.length > results.length;
    const last = results.at(-1);
    return { results, has_more, ...(has_more && last && { cursor: encodeCursor(keyOf(last.message)) }) };
  }

  private own(match: string, query: string, limit: number, before: SearchKey | undefined, chats: string[]): SearchResult[] {
    const hits = this.index.find(match, limit, { before, chats: JSON.stringify(chats) });
    if (!hits.length) return [];
    const texts = new Map(
      this.sql
        .exec<{ id: number; message: string }>(
          "SELECT rowid AS id, message FROM texts WHERE rowid IN (SELECT value FROM json_each(?))",
          JSON.stringify(hits.map((h) => h.id)),
        )
        .toArray()
        .map((t) => [t.id, JSON.parse(t.message) as Message]),
    );
    return hits.flatMap((h) => {
      const message = texts.get(h.id);
      return message && !message.deleted ? [{ chat_id: message.chat_id, message, snippet: snippet(message.content, query) }] : [];
    });
  }

  private async remote(
    userId: string,
    chatId: string,
    query: string,
    limit: number,
    before?: SearchKey,
    upToSeq?: number,
  ): Promise<SearchResult[]> {
    try {
      return unwrap(await this.calls.any(chatId).call((c) => c.search(userId, query, limit, before, upToSeq)));
    } catch (err) {
      // Removed from the group a moment ago: its removal is on its way, and it has nothing for them.
      if (err instanceof ApiError && err.status === 404) return [];
      throw err;
    }
  }
}

function keyOf(m: Message): SearchKey {
  return { ts: m.timestamp, chat_id: m.chat_id, seq: m.seq };
}
