// The user's update log: every push gets the next `pts` and is stored before it is sent;
// `sync` replays it, so a device that was away catches up on everything with one request.
// Each row is keyed by the chat event it came from (chat_id:ev), so an event is logged at
// most once however often a chat object retries a delivery. What goes in the log, and
// when, is the inbox's (inbox.ts); this module only stores and reads.
import type { Message, Push } from "../contract/protocol";

export interface LogRow {
  pts: number;
  /** The chat event's key: at most one row an event. */
  key: string;
  frame: string;
  /** "chat_id:seq" of the message whose text the frame carries (its own, or a chat's last message), if any. */
  msg: string | null;
}

export class UpdateLog {
  private pts: number;

  constructor(private readonly sql: SqlStorage) {
    this.pts = sql.exec<{ p: number | null }>("SELECT MAX(pts) AS p FROM log").one().p ?? 0;
  }

  /** The pts the next row gets. Taken and stored in one synchronous step (the inbox's apply). */
  next(): number {
    return ++this.pts;
  }

  /** The pts of those event keys that are in the log already. */
  known(keys: string[]): Map<string, number> {
    const rows =
      keys.length === 1
        ? this.sql.exec<{ ekey: string; pts: number }>("SELECT ekey, pts FROM log WHERE ekey = ?", keys[0]!)
        : this.sql.exec<{ ekey: string; pts: number }>("SELECT ekey, pts FROM log WHERE ekey IN (SELECT value FROM json_each(?))", JSON.stringify(keys));
    return new Map(rows.toArray().map((r) => [r.ekey, r.pts]));
  }

  /** Stores rows, in one statement however many. */
  append(rows: LogRow[]): void {
    if (rows.length === 1) this.sql.exec("INSERT INTO log (pts, ekey, frame, msg) VALUES (?, ?, ?, ?)", rows[0]!.pts, rows[0]!.key, rows[0]!.frame, rows[0]!.msg);
    else if (rows.length)
      this.sql.exec(
        "INSERT INTO log (pts, ekey, frame, msg) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)",
        JSON.stringify(rows.map((r) => [r.pts, r.key, r.frame, r.msg])),
      );
  }

  /**
   * A message was edited or deleted: every frame logged before that carries its text (its
   * newMessage, earlier edits, chat frames whose last message it was), stored or still to be
   * stored in this batch, now carries the current `message`, so sync never replays a text
   * that is gone.
   */
  rewriteMessage(msg: string, seq: number, message: string, pending: Array<{ frame: string; msg: string | null }>): void {
    const current = JSON.parse(message) as Message;
    const rewrite = (frame: string) => {
      const f = JSON.parse(frame) as { message?: Message; chat?: { last_message: Message | null } };
      if (f.message?.seq === seq) f.message = current;
      if (f.chat?.last_message?.seq === seq) f.chat.last_message = current;
      return JSON.stringify(f);
    };
    for (const row of this.sql.exec<{ pts: number; frame: string }>("SELECT pts, frame FROM log WHERE msg = ?", msg).toArray())
      this.sql.exec("UPDATE log SET frame = ? WHERE pts = ?", rewrite(row.frame), row.pts);
    for (const row of pending) if (row.msg === msg) row.frame = rewrite(row.frame);
  }

  /** A page of the log after `since`, for sync. */
  page(since: number, limit: number): { updates: Push[]; pts: number; has_more: boolean } {
    const rows = this.sql.exec<{ pts: number; frame: string }>("SELECT pts, frame FROM log WHERE pts > ? ORDER BY pts LIMIT ?", since, limit + 1).toArray();
    const page = rows.slice(0, limit);
    return { updates: page.map((r) => JSON.parse(r.frame) as Push), pts: page.at(-1)?.pts ?? this.pts, has_more: rows.length > limit };
  }
}
