// A full-text index of messages in a Durable Object's own SQLite (FTS5), the same in a user
// object (the messages of its direct chats and small groups, keyed by their `texts` row)
// and in a chat object (its own messages, keyed by seq).
//
// Indexed lazily, off the path that stores a message: an FTS5 insert per message, each in
// its own turn, costs a segment flush each (about a fifth of a small group's CPU per
// delivery, measured), while one statement for a batch of rows costs one. So the index
// keeps a mark, `search_mark.upto`: every row at or below it is indexed as it now is, none
// above it. A new row is only counted. An edit or delete of a row at or below the mark
// updates the index at once; above it nothing is done, since the batch reads each row as it
// is then (a deleted one is skipped). Before a query the owner catches the index up (every
// row above the mark, in the same synchronous block as the query), so a search never misses
// a message stored before it or finds text edited away; the alarm job (`onAlarm`) keeps the
// backlog small, so that a search seldom has more than a few hundred rows to index first.
import { ApiError } from "../contract/errors";
import type { SearchKey } from "../contract/objects";
import type { JobAlarm } from "../platform/alarms";
import { LazyTables, type LazySchema } from "../platform/object-sql";
import { indexText } from "./text";

export type { SearchKey };
export { matchExpression, snippet, SNIPPET_MAX } from "./text";

/**
 * The index's table (body is the indexed text, the rest is only carried): made by a schema
 * step of both objects, except a new user object's, which makes it with the first text it
 * indexes (USER_LAZY_TABLES, user/schema.ts).
 */
export const SEARCH_TABLES: LazySchema = {
  tables: ["search"],
  ddl: `CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(body, chat_id UNINDEXED, seq UNINDEXED, ts UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2');`,
};

/**
 * The step that adds the mark, `newest` being the owner's SQL for its highest key now: an
 * object made before indexed every row as it stored it, so its mark starts there.
 */
export const searchMarkSchema = (newest: string) => `CREATE TABLE search_mark (upto INTEGER NOT NULL);
   INSERT INTO search_mark (upto) SELECT COALESCE((${newest}), 0);`;

/** Unindexed rows past which the alarm job runs at once: a search then has at most about this many to index before it answers. */
export const BACKLOG_NOW = 256;
/**
 * The alarm job runs this long after the first unindexed row, whatever came since: a quiet
 * chat's rows wait at most this long (a search indexes them anyway), and a busy one's are
 * indexed a few hundred at a time, one statement each batch.
 */
export const BACKLOG_WAIT_MS = 30_000;
/** Rows one alarm turn indexes at most (more remaining: it runs again at once), so no turn is long. */
export const BATCH_ROWS = 2_000;

/** A stored row as the index takes it: `content` null if it is deleted or has no text. */
export interface Indexable extends Record<string, SqlStorageValue> {
  id: number;
  chat_id: string;
  seq: number;
  ts: number;
  content: string | null;
}

/** The owner's rows with keys above `after`, in key order, at most `limit`. */
export type RowsAfter = (after: number, limit: number) => Indexable[];

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
  /**
   * `mark`: every row up to this key is indexed, none after it. `newest`: the owner's highest
   * key, so the rows after the mark up to it are the backlog. Read when first needed: an
   * object that stores and searches nothing in its life (a user who only connects) reads
   * neither.
   */
  private state: { mark: number; newest: number } | null = null;
  /** When the alarm job is asked to run (null: not asked since it last ran). */
  private wish: number | null = null;
  /** Made with the first text indexed; before it, rows at or below the mark had no text. */
  private readonly table: LazyTables;

  constructor(
    private readonly sql: SqlStorage,
    private readonly rowsAfter: RowsAfter,
    /** The owner's highest key now. */
    private readonly newestKey: () => number,
    private readonly alarm: JobAlarm,
    private readonly now: () => number,
  ) {
    this.table = new LazyTables(sql, SEARCH_TABLES);
  }

  /** Test-only: whether the marks have been read yet. */
  get loaded(): boolean {
    return this.state !== null;
  }

  private get marks(): { mark: number; newest: number } {
    if (!this.state) {
      const mark = this.sql.exec<{ upto: number }>("SELECT upto FROM search_mark").one().upto;
      this.state = { mark, newest: Math.max(this.newestKey(), mark) };
    }
    return this.state;
  }

  /** Rows stored and not indexed yet (test-only, through the objects' probes). */
  get backlog(): number {
    const m = this.marks;
    return m.newest - m.mark;
  }

  /**
   * Row `id` (message `seq` of `chatId`) was stored or rewritten; its text is now `content`
   * (null: deleted, or none). At or below the mark the index follows now; above, the
   * catch-up takes the row as it will be then.
   */
  put(id: number, chatId: string, seq: number, ts: number, content: string | null): void {
    if (id > this.marks.mark) this.stored(id);
    else {
      if (this.table.exist) this.sql.exec("DELETE FROM search WHERE rowid = ?", id);
      if (content) {
        this.table.make();
        this.sql.exec("INSERT INTO search (rowid, body, chat_id, seq, ts) VALUES (?, ?, ?, ?, ?)", id, indexText(content), chatId, seq, ts);
      }
    }
  }

  /** Indexes the rows after the mark, at most `limit` (all by default); true if more remain. */
  catchUp(limit = Number.MAX_SAFE_INTEGER): boolean {
    const m = this.marks;
    if (m.newest <= m.mark) return false;
    const rows = this.rowsAfter(m.mark, limit);
    const texts = rows.flatMap((r) => (r.content ? [[r.id, indexText(r.content), r.chat_id, r.seq, r.ts]] : []));
    // One statement for the batch: FTS5 writes one segment for it, not one per row.
    if (texts.length) {
      this.table.make();
      this.sql.exec(
        "INSERT INTO search (rowid, body, chat_id, seq, ts) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?)",
        JSON.stringify(texts),
      );
    }
    // Fewer rows than asked: none is left, whatever the owner's count said.
    const last = rows.at(-1)?.id ?? m.mark;
    m.mark = rows.length < limit ? Math.max(m.newest, last) : last;
    m.newest = Math.max(m.newest, m.mark);
    this.sql.exec("UPDATE search_mark SET upto = ?", m.mark);
    return m.newest > m.mark;
  }

  /**
   * The alarm job: a bounded batch of the backlog, and again at once if more is left. The
   * object's alarm runs every job whenever it rings (a chat object's deliveries ring it
   * every few seconds while messages flow), so before its own time this does nothing: the
   * batch stays as large as the wait made it. With no time of its own (the object restarted
   * since it asked) it runs whenever it is called.
   */
  onAlarm(now: number): void {
    if (this.wish !== null && this.wish > now) return;
    this.wish = null;
    if (this.catchUp(BATCH_ROWS)) this.ask(this.now());
  }

  /** Whether row `id` is indexed as it is now (at or below the mark): a rewrite of it must reach the index. */
  covers(id: number): boolean {
    return id <= this.marks.mark;
  }

  /** A row past the mark was stored or rewritten: counted (the batch reads it as it is then), and the alarm job asked for by the backlog's age or size. */
  stored(id: number): void {
    const m = this.marks;
    if (id > m.newest) m.newest = id;
    const now = this.now();
    if (this.backlog >= BACKLOG_NOW) this.ask(now);
    else if (this.wish === null) this.ask(now + BACKLOG_WAIT_MS);
  }

  private ask(at: number): void {
    if (this.wish !== null && this.wish <= at) return;
    this.wish = at;
    this.alarm.wakeAt(at);
  }

  /** The newest `limit` matches of an FTS5 expression (from matchExpression) within `scope`, the backlog indexed first. */
  find(match: string, limit: number, { before, chats, upToSeq }: Scope = {}): Hit[] {
    this.catchUp();
    // No text was ever indexed: nothing can match, and nothing is made by asking.
    if (!this.table.exist) return [];
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
