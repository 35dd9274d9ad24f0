// The chat's messages, numbered by the gapless `seq`. An edit or delete rewrites the row
// (a deleted message keeps its place with empty content). The chat's search index
// (search/) is told of each insert and rewrite: it indexes new messages in batches, and
// takes a rewrite at once if it has indexed that message already.
import { ApiError } from "../contract/errors";
import { PAGE_BYTES, fitting, itemBytes } from "../contract/pages";
import type { ContentType, Message, PayloadOf, RequestOf } from "../contract/protocol";
import type { JobAlarm } from "../platform/alarms";
import type { Clock } from "../platform/clock";
import { SearchIndex, type Indexable } from "../search";

export interface MessageRow extends Record<string, SqlStorageValue> {
  seq: number;
  message_id: string;
  sender_id: string;
  sender: string;
  content: string;
  ts: number;
  client_msg_id: string | null;
  edited_at: number | null;
  deleted: number;
  ev: number;
  content_type: string;
  /** The Attachment as JSON text, for image and file messages. */
  attachment: string | null;
  /** The original this replies to, and what it shows of it (ReplyTo as JSON, kept current). */
  reply_seq: number | null;
  reply: string | null;
  /** Usernames it mentions (JSON), and its reaction counts in first-appearance order (JSON). */
  mentions: string | null;
  reactions: string | null;
  /** How many times it was edited. */
  edits: number;
}

/** A message is edited at most this many times (each edit is an event every member gets). */
export const MAX_EDITS = 100;

export class Messages {
  lastSeq: number;
  readonly search: SearchIndex;

  constructor(
    private readonly sql: SqlStorage,
    private readonly chatId: () => string,
    searchAlarm: JobAlarm,
    clock: Clock,
  ) {
    this.lastSeq = sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
    this.search = new SearchIndex(
      sql,
      (after, limit) => this.indexable(after, limit),
      () => this.lastSeq,
      searchAlarm,
      () => clock.now(),
    );
  }

  /** Messages after `after` as the search index takes them. */
  private indexable(after: number, limit: number): Indexable[] {
    return this.sql
      .exec<{ seq: number; ts: number; content: string; deleted: number }>(
        "SELECT seq, ts, content, deleted FROM messages WHERE seq > ? ORDER BY seq LIMIT ?",
        after,
        limit,
      )
      .toArray()
      .map((r) => ({ id: r.seq, chat_id: this.chatId(), seq: r.seq, ts: r.ts, content: r.deleted ? null : r.content }));
  }

  /** The message as it is now, as JSON text (what events carry). */
  json(chatId: string, seq: number): string | undefined {
    const row = this.get(seq);
    return row && JSON.stringify(toMessage(chatId, row));
  }

  get(seq: number): MessageRow | undefined {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
  }

  /** The current rows of these messages (those that exist). */
  bySeqs(seqs: number[]): MessageRow[] {
    return this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE seq IN (SELECT value FROM json_each(?))", JSON.stringify(seqs))
      .toArray();
  }

  /** The message a sender already sent with this client_msg_id, if any (idempotent sends). */
  bySenderAndClientId(senderId: string, clientMsgId: string): MessageRow | undefined {
    return this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?", senderId, clientMsgId)
      .toArray()[0];
  }

  insert(m: Message, senderId: string, ev: number): void {
    this.sql.exec(
      "INSERT INTO messages (seq, message_id, sender_id, sender, content, ts, client_msg_id, ev, content_type, attachment, reply_seq, reply, mentions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      m.seq,
      m.message_id,
      senderId,
      m.sender,
      m.content,
      m.timestamp,
      m.client_msg_id ?? null,
      ev,
      m.content_type,
      m.attachment ? JSON.stringify(m.attachment) : null,
      m.reply_to?.seq ?? null,
      m.reply_to ? JSON.stringify(m.reply_to) : null,
      m.mentions ? JSON.stringify(m.mentions) : null,
    );
    this.search.put(m.seq, m.chat_id, m.seq, m.timestamp, m.content);
    this.lastSeq = m.seq;
  }

  update(row: MessageRow): void {
    this.sql.exec(
      "UPDATE messages SET content = ?, edited_at = ?, deleted = ?, ev = ?, edits = ?, mentions = ? WHERE seq = ?",
      row.content,
      row.edited_at,
      row.deleted,
      row.ev,
      row.edits,
      row.mentions,
      row.seq,
    );
    this.search.put(row.seq, this.chatId(), row.seq, row.ts, row.deleted ? null : row.content);
  }

  /** The replies to message `seq` (their previews show it). */
  repliesTo(seq: number): MessageRow[] {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE reply_seq = ?", seq).toArray();
  }

  /** A reply's preview is now `reply` (ReplyTo as JSON). */
  setReply(seq: number, reply: string): void {
    this.sql.exec("UPDATE messages SET reply = ? WHERE seq = ?", reply, seq);
  }

  page(chatId: string, q: RequestOf<"getMessages">): PayloadOf<"getMessages"> {
    const limit = q.limit ?? 50;
    if (q.around_seq !== undefined) return this.around(chatId, q.around_seq, limit);
    const { before_seq: before, after_seq: after } = q;
    const where: string[] = [];
    const args: number[] = [];
    if (before !== undefined) {
      where.push("seq < ?");
      args.push(before);
    }
    if (after !== undefined) {
      where.push("seq > ?");
      args.push(after);
    }
    // With only an upper bound (or none) the page is the newest below it; else the oldest above.
    const newest = after === undefined;
    const rows = this.sql
      .exec<MessageRow>(
        `SELECT * FROM messages ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${newest ? "DESC" : "ASC"} LIMIT ?`,
        ...args,
        limit + 1,
      )
      .toArray();
    // From the end the client pages from, as many as fit in a page's bytes (contract/pages.ts).
    const messages = rows.slice(0, limit).map((r) => toMessage(chatId, r));
    const fit = fitting(messages);
    const page = messages.slice(0, fit);
    if (newest) page.reverse();
    return { chat_id: chatId, messages: page, has_more: rows.length > fit };
  }

  /** The page around message `seq`: it and the `limit` − 1 nearest it, as evenly split as the chat allows. */
  private around(chatId: string, seq: number, limit: number): PayloadOf<"getMessages"> {
    const row = this.get(seq);
    if (!row) throw new ApiError(404, "message_not_found", `no message ${seq} in this chat`);
    const q = (sql: string) => this.sql.exec<MessageRow>(sql, seq, limit).toArray();
    const before = q("SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?");
    const after = q("SELECT * FROM messages WHERE seq > ? ORDER BY seq ASC LIMIT ?");
    const [b, a] = aroundSplit(limit, before.length, after.length);
    const all = [...before.slice(0, b).reverse(), row, ...after.slice(0, a)];
    const sizes = all.map((r) => itemBytes(toMessage(chatId, r)));
    // Within a page's bytes (contract/pages.ts): the longer side gives way first, from its far end.
    let [lo, hi] = [0, all.length];
    let bytes = sizes.reduce((sum, n) => sum + n, 0);
    while (bytes > PAGE_BYTES && hi - lo > 1) bytes -= b - lo > hi - 1 - b ? sizes[lo++]! : sizes[--hi]!;
    const rows = all.slice(lo, hi);
    const [kept, keptAfter] = [b - lo, hi - 1 - b];
    const more = { has_more_before: before.length > kept, has_more_after: after.length > keptAfter };
    return { chat_id: chatId, messages: rows.map((r) => toMessage(chatId, r)), has_more: more.has_more_before, ...more };
  }
}

/** How many of `before` and `after` rows (each fetched up to `limit`) an around page takes: split evenly where the chat allows. */
export function aroundSplit(limit: number, before: number, after: number): [number, number] {
  const rest = limit - 1;
  let b = Math.min(before, Math.floor(rest / 2));
  const a = Math.min(after, rest - b);
  b = Math.min(before, rest - a);
  return [b, a];
}

export function toMessage(chatId: string, r: MessageRow): Message {
  return {
    message_id: r.message_id,
    chat_id: chatId,
    seq: r.seq,
    sender: r.sender,
    content: r.content,
    content_type: r.content_type as ContentType,
    // A deleted message's file is deleted with it.
    ...(r.attachment !== null && !r.deleted && { attachment: JSON.parse(r.attachment) }),
    timestamp: r.ts,
    ...(r.client_msg_id !== null && { client_msg_id: r.client_msg_id }),
    ...(r.edited_at !== null && { edited_at: r.edited_at }),
    ...(r.deleted ? { deleted: true as const } : {}),
    ...(r.reply !== null && !r.deleted && { reply_to: JSON.parse(r.reply) }),
    ...(r.mentions !== null && { mentions: JSON.parse(r.mentions) }),
    ...(r.reactions !== null && r.reactions !== "[]" && !r.deleted && { reactions: JSON.parse(r.reactions) }),
  };
}
