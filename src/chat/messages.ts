// The chat's messages, numbered by the gapless `seq`. An edit or delete rewrites the row
// (a deleted message keeps its place with empty content). The chat's search index
// (search/) follows each insert and rewrite in the same synchronous block.
import { fitting } from "../contract/pages";
import type { ContentType, Message, PayloadOf, RequestOf } from "../contract/protocol";
import { SearchIndex } from "../search";

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
  ) {
    this.search = new SearchIndex(sql);
    this.lastSeq = sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
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
      "INSERT INTO messages (seq, message_id, sender_id, sender, content, ts, client_msg_id, ev, content_type, attachment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    );
    this.search.put(m.seq, m.chat_id, m.seq, m.timestamp, m.content);
    this.lastSeq = m.seq;
  }

  update(row: MessageRow): void {
    this.sql.exec(
      "UPDATE messages SET content = ?, edited_at = ?, deleted = ?, ev = ?, edits = ? WHERE seq = ?",
      row.content,
      row.edited_at,
      row.deleted,
      row.ev,
      row.edits,
      row.seq,
    );
    this.search.put(row.seq, this.chatId(), row.seq, row.ts, row.deleted ? null : row.content);
  }

  page(chatId: string, q: RequestOf<"getMessages">): PayloadOf<"getMessages"> {
    const limit = q.limit ?? 50;
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
  };
}
