// The user's update log: every push gets the next `pts`, is stored, then sent to every
// socket but the one whose request caused it. `sync` replays it, so a device that was away
// catches up on everything with one request. Chat events are keyed (chat_id:ev) and
// applied at most once, however often a chat object retries a delivery.
import type { ChatEvent, Member } from "../chat";
import type { Message, Push } from "../contract/protocol";
import type { ChatList, MessageRun } from "./chat-list";

export interface LoggedFrame {
  pts: number;
  frame: string;
  /** The socket whose request caused it: it has its answer and gets no push. */
  except: string | null;
}

export class UpdateLog {
  private pts: number;

  constructor(private readonly sql: SqlStorage) {
    this.pts = sql.exec<{ p: number | null }>("SELECT MAX(pts) AS p FROM log").one().p ?? 0;
  }

  /**
   * Applies chat events: updates the chat list, logs each push with the next pts, and
   * returns the frames to push (each event's pts in `out`). An event whose key is in the
   * log already is skipped and keeps its first pts. Synchronous from lookup to insert, so
   * two deliveries of one event cannot both pass the check. A batch costs one lookup, one
   * log insert and one chat-list update per run of messages, however many events it carries.
   */
  apply(me: Member, events: ChatEvent[], chats: ChatList, onRemoved: (chatId: string) => void): { out: number[]; frames: LoggedFrame[] } {
    const keys = events.map((e) => e.key ?? `${e.chat_id}:${e.ev}`);
    const known = this.logged(keys);
    const rows: Array<LoggedFrame & { key: string; msg: string | null }> = [];
    // Messages are folded per chat and written once, before anything else touches that chat.
    const folded = new Map<string, MessageRun>();
    const flush = (chatId: string) => {
      const run = folded.get(chatId);
      if (!run) return;
      folded.delete(chatId);
      chats.addMessages(chatId, run);
    };
    const out = events.map((e, i) => {
      const key = keys[i]!;
      const seen = known.get(key);
      if (seen !== undefined) return seen;
      const pts = this.pts + 1;
      if (e.kind !== "newMessage") flush(e.chat_id);
      const head = `{"mode":"${e.kind === "chat" ? (chats.row(e.chat_id) ? "chatUpdated" : "chatCreated") : e.kind}","timestamp":${Date.now()},"pts":${pts}`;
      let frame: string;
      // "chat_id:seq" of the message whose text the frame carries, if any.
      let msg: string | null = null;
      switch (e.kind) {
        case "newMessage": {
          const run = folded.get(e.chat_id);
          const own = e.sender === me.username ? e.seq : 0;
          const others = own ? 0 : e.seq;
          if (!run) folded.set(e.chat_id, { seq: e.seq, message: e.message, at: e.timestamp, own, others });
          else {
            if (e.seq > run.seq) (run.seq = e.seq), (run.message = e.message);
            run.at = Math.max(run.at, e.timestamp);
            run.own = Math.max(run.own, own);
            run.others = Math.max(run.others, others);
          }
          frame = `${head},"message":${e.message}}`;
          msg = `${e.chat_id}:${e.seq}`;
          break;
        }
        case "messageEdited":
        case "messageDeleted":
          chats.changeMessage(e.chat_id, e.seq, e.message);
          frame = `${head},"message":${e.message}}`;
          msg = `${e.chat_id}:${e.seq}`;
          this.rewriteMessage(msg, e.seq, e.message, rows);
          break;
        case "chat": {
          chats.upsert(me, e.chat_id, e.chat, e.timestamp);
          const chat = chats.render(me, e.chat_id);
          frame = `${head},"chat":${JSON.stringify(chat)}}`;
          if (chat.last_message) msg = `${e.chat_id}:${chat.last_message.seq}`;
          break;
        }
        case "removedFromChat":
          chats.remove(e.chat_id);
          onRemoved(e.chat_id);
          frame = `${head},"chat_id":${JSON.stringify(e.chat_id)}}`;
          break;
        case "readReceipt":
          if (e.username === me.username) chats.markRead(e.chat_id, e.seq);
          else chats.peerRead(e.chat_id, e.seq);
          frame = `${head},"chat_id":${JSON.stringify(e.chat_id)},"username":${JSON.stringify(e.username)},"seq":${e.seq}}`;
          break;
        default:
          return e satisfies never;
      }
      this.pts = pts;
      known.set(key, pts);
      rows.push({ pts, key, frame, msg, except: e.origin?.userId === me.id ? e.origin.socketId : null });
      return pts;
    });
    for (const chatId of [...folded.keys()]) flush(chatId);
    if (rows.length === 1) this.sql.exec("INSERT INTO log (pts, ekey, frame, msg) VALUES (?, ?, ?, ?)", rows[0]!.pts, rows[0]!.key, rows[0]!.frame, rows[0]!.msg);
    else if (rows.length)
      this.sql.exec(
        "INSERT INTO log (pts, ekey, frame, msg) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)",
        JSON.stringify(rows.map((r) => [r.pts, r.key, r.frame, r.msg])),
      );
    return { out, frames: rows };
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

  /** The pts of those event keys that are in the log already. */
  private logged(keys: string[]): Map<string, number> {
    const rows =
      keys.length === 1
        ? this.sql.exec<{ ekey: string; pts: number }>("SELECT ekey, pts FROM log WHERE ekey = ?", keys[0]!)
        : this.sql.exec<{ ekey: string; pts: number }>("SELECT ekey, pts FROM log WHERE ekey IN (SELECT value FROM json_each(?))", JSON.stringify(keys));
    return new Map(rows.toArray().map((r) => [r.ekey, r.pts]));
  }
}
