// The user's update log: every push gets the next `pts` and is stored before it is sent;
// `sync` replays it, so a device that was away catches up on everything with one request.
// Each row is keyed by the chat event it came from (chat_id:ev), so an event is logged at
// most once however often a chat object retries a delivery. What goes in the log, and
// when, is the inbox's (inbox.ts); this module only stores and reads.
//
// A message's text is stored once, in `texts`, whatever number of frames carry it (its
// newMessage, each edit, its delete, chat frames whose last message it is): those frames
// are stored without it (`"message":null`, `"last_message":null`) and `sync` splices the
// current text in. An edit or delete replaces one text row and adds one small log row, so
// its cost does not grow with the number of earlier edits, and sync never replays a text
// that was edited away or deleted.
//
// Retention: the latest `keep` updates are kept (LOG_KEEP_UPDATES). Once twice that is held
// the older half goes, with the texts no kept row carries, in one step every `keep` appends:
// the cost is bounded per update, and the log never holds more than twice the bound. A sync
// from before what is kept answers too_long (the client reloads its chats and goes on).
import type { Message, Push } from "../contract/protocol";
import { PAGE_BYTES, itemBytes } from "../contract/pages";
import type { SearchIndex } from "../search";

export interface LogRow {
  pts: number;
  /** The chat event's key: at most one row an event. */
  key: string;
  /** The push as stored: a message's text left out (null) where `msg` names one. */
  frame: string;
  /** "chat_id:seq" of the message whose text the frame carries (its own, or a chat's last message), if any. */
  msg: string | null;
  /**
   * That message's text as of this event: replaces the stored one if `ev` is newer (a
   * deleted message stays deleted). A chat frame's copy (ev -1) only fills in a text the
   * log does not have yet.
   */
  text?: { ev: number; message: string };
}

/** What one append wrote: rows and bytes (tests hold an edit's cost to it). */
export interface LogWrite {
  rows: number;
  bytes: number;
}

interface Changed extends Record<string, SqlStorageValue> {
  id: number;
  message: string;
}

export class UpdateLog {
  /**
   * `pts`: the latest. `floor`: every update after it is kept; those up to it may be pruned.
   * Read when first needed (a socket that only connects needs neither).
   */
  private boundsRead: { pts: number; floor: number } | null = null;
  /** Test-only: what the last append wrote. */
  lastWrite: LogWrite = { rows: 0, bytes: 0 };
  /** Test-only: the rows the last rewrite of replies read and wrote. */
  lastReplies = { read: 0, written: 0 };

  constructor(
    private readonly sql: SqlStorage,
    private readonly search: SearchIndex,
    private readonly keep: number,
  ) {}

  /** Test-only: whether the bounds have been read yet. */
  get loaded(): boolean {
    return this.boundsRead !== null;
  }

  private get bounds(): { pts: number; floor: number } {
    if (!this.boundsRead) {
      const r = this.sql.exec<{ hi: number | null; lo: number | null }>("SELECT MAX(pts) AS hi, MIN(pts) AS lo FROM log").one();
      const pts = r.hi ?? 0;
      this.boundsRead = { pts, floor: r.lo === null ? pts : r.lo - 1 };
    }
    return this.boundsRead;
  }

  /** The pts the next row gets. Taken and stored in one synchronous step (the inbox's apply). */
  next(): number {
    return ++this.bounds.pts;
  }

  /** The pts of those event keys that are in the log already. */
  known(keys: string[]): Map<string, number> {
    const rows =
      keys.length === 1
        ? this.sql.exec<{ ekey: string; pts: number }>("SELECT ekey, pts FROM log WHERE ekey = ?", keys[0]!)
        : this.sql.exec<{ ekey: string; pts: number }>(
            "SELECT ekey, pts FROM log WHERE ekey IN (SELECT value FROM json_each(?))",
            JSON.stringify(keys),
          );
    return new Map(rows.toArray().map((r) => [r.ekey, r.pts]));
  }

  /**
   * Stores rows and their texts, one statement each however many. `unchecked`: their keys
   * were not looked up with `known` (new messages the inbox takes to be new): if one is in
   * the log after all, nothing is stored, the pts they took (the latest) are given back, and
   * the answer is false, for the caller to look them up and go again.
   */
  append(rows: LogRow[], unchecked = false): boolean {
    if (!rows.length) return true;
    const skip = unchecked ? " ON CONFLICT (ekey) DO NOTHING RETURNING pts" : "";
    const stored =
      rows.length === 1
        ? this.sql.exec(
            `INSERT INTO log (pts, ekey, frame, msg) VALUES (?, ?, ?, ?)${skip}`,
            rows[0]!.pts,
            rows[0]!.key,
            rows[0]!.frame,
            rows[0]!.msg,
          )
        : this.sql.exec(
            `INSERT INTO log (pts, ekey, frame, msg) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true${skip}`,
            JSON.stringify(rows.map((r) => [r.pts, r.key, r.frame, r.msg])),
          );
    if (unchecked && stored.toArray().length < rows.length) {
      const first = rows[0]!.pts;
      if (this.bounds.pts !== first + rows.length - 1) throw new Error("unchecked rows must hold the latest pts");
      this.sql.exec("DELETE FROM log WHERE pts >= ?", first);
      this.bounds.pts = first - 1;
      return false;
    }
    const texts = rows.flatMap((r) => (r.msg && r.text ? [[r.msg, r.text.ev, r.text.message] as const] : []));
    // In order: of two texts of one message in a batch, the later event's stays.
    // The rows that changed come back and the search index is told of them (search/index.ts).
    if (texts.length)
      this.index(
        this.sql.exec<Changed>(
          `INSERT INTO texts (msg, ev, message, reply_msg)
             SELECT value ->> 0, value ->> 1, value ->> 2, (value ->> 2 ->> '$.chat_id') || ':' || (value ->> 2 ->> '$.reply_to.seq')
             FROM json_each(?1) WHERE true
           ON CONFLICT (msg) DO UPDATE SET ev = excluded.ev, message = excluded.message
             WHERE excluded.ev > texts.ev AND texts.message ->> '$.deleted' IS NULL
           RETURNING rowid AS id, message`,
          JSON.stringify(texts),
        ),
      );
    let bytes = 0;
    for (const r of rows) bytes += r.frame.length + r.key.length;
    for (const t of texts) bytes += t[2].length;
    this.lastWrite = { rows: rows.length + texts.length, bytes };
    this.prune();
    return true;
  }

  /**
   * Past twice the bound: down to the bound. Texts stay: they are the search index's copy of
   * each message (its rows are keyed by theirs), and a later edit or delete of an old message
   * must find its text to rewrite it and take it out of the index.
   */
  private prune(): void {
    const b = this.bounds;
    if (b.pts - b.floor <= 2 * this.keep) return;
    b.floor = b.pts - this.keep;
    this.sql.exec("DELETE FROM log WHERE pts <= ?", b.floor);
  }

  /**
   * A message's text changed where no log event says so (a large group's edit or delete):
   * every frame that carries it replays it so. Nothing if the log never carried it, or if it
   * is deleted already.
   */
  rewriteText(msg: string, message: string): void {
    this.index(
      this.sql.exec<Changed>(
        "UPDATE texts SET message = ? WHERE msg = ? AND message ->> '$.deleted' IS NULL RETURNING rowid AS id, message",
        message,
        msg,
      ),
    );
  }

  /** The search index is told each text as it now is (a deleted one leaves it); a new one it indexes later. */
  private index(changed: Iterable<Changed>): void {
    for (const c of changed) {
      // Most rows are new, past the index's mark: counted, with no need to read their text now.
      if (!this.search.covers(c.id)) {
        this.search.stored(c.id);
        continue;
      }
      const m = JSON.parse(c.message) as Message;
      this.search.put(c.id, m.chat_id, m.seq, m.timestamp, m.deleted ? null : m.content);
    }
  }

  /**
   * Message `seq` of `chatId` changed: the replies to it among the texts show `preview` (a
   * ReplyTo as JSON). They are found by their index, so an edit reads its replies only,
   * however many texts the chat has.
   */
  rewriteReplies(chatId: string, seq: number, preview: string): void {
    const c = this.sql.exec(
      "UPDATE texts SET message = json_set(message, '$.reply_to', json(?)) WHERE reply_msg = ? AND message ->> '$.deleted' IS NULL",
      preview,
      `${chatId}:${seq}`,
    );
    c.toArray();
    this.lastReplies = { read: c.rowsRead, written: c.rowsWritten };
  }

  /**
   * A page of the log after `since`, for sync, each message with its current text: at most
   * `limit` updates and PAGE_BYTES of them (500 updates of 4,000-character messages would be
   * megabytes), so a page may end sooner, with has_more.
   */
  page(since: number, limit: number): { updates: Push[]; pts: number; has_more: boolean; too_long?: true } {
    // Updates after `since` are gone: the client reloads and goes on from the latest.
    const b = this.bounds;
    if (since < b.floor) return { too_long: true, updates: [], pts: b.pts, has_more: false };
    const rows = this.sql
      .exec<{ pts: number; frame: string; msg: string | null }>(
        "SELECT pts, frame, msg FROM log WHERE pts > ? ORDER BY pts LIMIT ?",
        since,
        limit + 1,
      )
      .toArray();
    const texts = this.texts(rows.slice(0, limit).flatMap((r) => (r.msg ? [r.msg] : [])));
    const updates: Push[] = [];
    let bytes = 0;
    for (const r of rows.slice(0, limit)) {
      const update = splice(JSON.parse(r.frame) as Push, r.msg === null ? undefined : texts.get(r.msg));
      bytes += itemBytes(update);
      // At least one update a page, so paging always moves on.
      if (updates.length && bytes > PAGE_BYTES) break;
      updates.push(update);
    }
    return { updates, pts: updates.at(-1)?.pts ?? b.pts, has_more: rows.length > updates.length };
  }

  private texts(msgs: string[]): Map<string, Message> {
    if (!msgs.length) return new Map();
    const rows = this.sql.exec<{ msg: string; message: string }>(
      "SELECT msg, message FROM texts WHERE msg IN (SELECT value FROM json_each(?))",
      JSON.stringify([...new Set(msgs)]),
    );
    return new Map(rows.toArray().map((r) => [r.msg, JSON.parse(r.message) as Message]));
  }
}

/** A stored frame with its message's current text in place. */
function splice(f: Push, text: Message | undefined): Push {
  if (!text) return f;
  if ("message" in f) f.message = text;
  else if ("chat" in f) f.chat.last_message = text;
  return f;
}
