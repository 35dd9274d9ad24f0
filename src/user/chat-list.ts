// The user's chat list: one row per chat they are in, with its title, members, last
// message and read position, kept from the chat events the update log applies. It is a
// cache the chat objects could rebuild: each chat object owns its chat.
import { isChatId, type ChatInfo, type LargeSummary } from "../chat";
import { ApiError, chatNotFound } from "../contract/errors";
import type { Chat, PayloadOf, User } from "../contract/protocol";
import { renderChat as render, roleOf, withChange, type ChatRow } from "./chat-view";
import type { MessageRun } from "./fold";
import { Mentions } from "./mentions";
import { PAGE_BYTES, itemBytes } from "../contract/pages";

export type { ChatRow };

/** A row, with how many messages after the read position mention the user (mentions.ts). */
const SELECT =
  "SELECT *, (SELECT COUNT(*) FROM mentions m WHERE m.chat_id = chats.chat_id AND m.seq > chats.last_read_seq) AS unread_mentions FROM chats";

export class ChatList {
  readonly mentions: Mentions;
  /** Each chat's last_seq as the last addMessages left it: a cache (isPast), rebuilt as messages come. */
  private readonly lastSeqs = new Map<string, number>();

  constructor(private readonly sql: SqlStorage) {
    this.mentions = new Mentions(sql);
  }

  row(chatId: string): ChatRow | undefined {
    return this.sql.exec<ChatRow>(`${SELECT} WHERE chat_id = ?`, chatId).toArray()[0];
  }

  /** Whether a chat is listed, and if it is a large group: what every request about a chat asks first. */
  kind(chatId: string): { large: boolean } | undefined {
    const r = this.sql.exec<{ large: number }>("SELECT large FROM chats WHERE chat_id = ?", chatId).toArray()[0];
    return r && { large: r.large === 1 };
  }

  /**
   * A page of the list, latest activity first. However many chats someone has been added
   * to, an answer holds at most `limit` (the contract's most: 500) and at most
   * PAGE_BYTES of chats: 500 chats with 4,000-character last messages would be megabytes,
   * so a page may end sooner, with `has_more` and a cursor. The cursor names the last chat
   * of the page by its place in that order; a chat whose activity moves it up while a
   * client pages arrives as a push anyway.
   */
  page(me: User, limit: number, before: string | undefined): PayloadOf<"getChats"> {
    const after = before === undefined ? null : readCursor(before);
    const rows = (
      after === null
        ? this.sql.exec<ChatRow>(`${SELECT} ORDER BY updated_at DESC, chat_id LIMIT ?`, limit + 1)
        : this.sql.exec<ChatRow>(
            `${SELECT} WHERE updated_at < ?1 OR (updated_at = ?1 AND chat_id > ?2) ORDER BY updated_at DESC, chat_id LIMIT ?3`,
            after.updatedAt,
            after.chatId,
            limit + 1,
          )
    ).toArray();
    const chats: Chat[] = [];
    let bytes = 0;
    for (const row of rows.slice(0, limit)) {
      const chat = render(me, row);
      bytes += itemBytes(chat);
      // At least one chat a page, so paging always moves on.
      if (chats.length && bytes > PAGE_BYTES) break;
      chats.push(chat);
    }
    const has_more = rows.length > chats.length;
    const last = rows[chats.length - 1];
    return { chats, has_more, ...(has_more && last && { cursor: cursorOf(last) }) };
  }

  view(me: User, chatId: string): Chat {
    const row = this.row(chatId);
    if (!row) throw chatNotFound(chatId);
    return render(me, row);
  }

  /** The notification level this user chose for a chat of theirs (push/). */
  setNotify(chatId: string, level: string): void {
    this.sql.exec("UPDATE chats SET notify = ? WHERE chat_id = ?", level, chatId);
  }

  /** Renders a row that is known to exist. */
  render(me: User, chatId: string): Chat {
    return render(me, this.row(chatId)!);
  }

  upsert(me: User, chatId: string, c: ChatInfo, at: number): void {
    const row = this.row(chatId);
    const large = c.large ? 1 : 0;
    const peer = c.type === "direct" ? c.members?.find((m) => m !== me.username) : undefined;
    // A chat we list already comes with what changed, not the whole member list.
    const members = !row
      ? JSON.stringify(c.members ?? [])
      : large
        ? "[]"
        : JSON.stringify(c.members ?? withChange(JSON.parse(row.members) as string[], c));
    // What every event says of the chat, written as it says it...
    const info: Record<string, SqlStorageValue> = {
      title: c.title,
      members,
      owner: c.owner ?? null,
      large,
      member_count: c.member_count,
      description: c.description ?? "",
      slow_mode_s: c.slow_mode_s ?? 0,
      role: roleOf(me, c),
    };
    // ...and what only grows: an older event's info (a repeated createChat answers with the first one) moves nothing back.
    const grows: Record<string, SqlStorageValue> = {
      ev: c.ev ?? 0,
      peer_read_seq: peer === undefined ? 0 : (c.reads?.[peer] ?? 0),
      peer_deleted: peer !== undefined && c.deleted?.includes(peer) ? 1 : 0,
    };
    if (row) {
      const sets = [...Object.keys(info).map((k) => `${k} = ?`), ...Object.keys(grows).map((k) => `${k} = MAX(${k}, ?)`)];
      this.sql.exec(`UPDATE chats SET ${sets.join(", ")} WHERE chat_id = ?`, ...Object.values(info), ...Object.values(grows), chatId);
      return;
    }
    // A member who joins starts with everything before read.
    const fresh: Record<string, SqlStorageValue> = {
      chat_id: chatId,
      type: c.type,
      last_message: c.last_message ?? null,
      last_seq: c.last_seq,
      last_read_seq: c.last_seq,
      joined_seq: c.last_seq,
      updated_at: at,
      ...info,
      ...grows,
    };
    const columns = Object.keys(fresh);
    this.sql.exec(`INSERT INTO chats (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, ...Object.values(fresh));
  }

  /**
   * A large group's state as the group answered it. Returns whether the row changed: a
   * group that has not moved since it was last asked costs no write (a user in 500 large
   * groups asks all 500 on each first getChats).
   */
  refresh(chatId: string, s: LargeSummary): boolean {
    const c = this.sql.exec(
      `UPDATE chats SET title = ?1, owner = ?2, member_count = ?3, ev = MAX(ev, ?4), last_message = CASE WHEN ?5 >= last_seq THEN ?6 ELSE last_message END,
         last_seq = MAX(last_seq, ?5), last_read_seq = MAX(last_read_seq, ?7), updated_at = MAX(updated_at, ?8),
         description = ?10, slow_mode_s = ?11, role = ?12
       WHERE chat_id = ?9 AND large = 1 AND (title IS NOT ?1 OR owner IS NOT ?2 OR member_count IS NOT ?3 OR ev < ?4
         OR (?5 >= last_seq AND last_message IS NOT ?6) OR last_seq < ?5 OR last_read_seq < ?7 OR updated_at < ?8
         OR description IS NOT ?10 OR slow_mode_s IS NOT ?11 OR role IS NOT ?12)`,
      s.title,
      s.owner ?? null,
      s.member_count,
      s.ev,
      s.last_seq,
      s.last_message,
      s.last_read_seq,
      s.updated_at,
      chatId,
      s.description ?? "",
      s.slow_mode_s ?? 0,
      s.role ?? "member",
    );
    c.toArray();
    return c.rowsWritten > 0;
  }

  /** A large group's latest ev as this user's own request saw it. */
  seenEv(chatId: string, ev: number): void {
    this.sql.exec("UPDATE chats SET ev = MAX(ev, ?) WHERE chat_id = ?", ev, chatId);
  }

  groupCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM chats WHERE type = 'group'").one().n;
  }

  largeIds(): string[] {
    return this.sql
      .exec<{ chat_id: string }>("SELECT chat_id FROM chats WHERE large = 1")
      .toArray()
      .map((r) => r.chat_id);
  }

  addMessages(chatId: string, run: MessageRun): void {
    // SET expressions see the old row: a message delivered after a later one (your own
    // send is applied from the answer) does not become the last message.
    const row = this.sql
      .exec<{ last_seq: number }>(
        `UPDATE chats SET last_message = CASE WHEN ?1 >= last_seq THEN ?2 ELSE last_message END,
           last_seq = MAX(last_seq, ?1), updated_at = MAX(updated_at, ?3), last_read_seq = MAX(last_read_seq, ?4),
           peer_read_seq = CASE WHEN type = 'direct' THEN MAX(peer_read_seq, ?6) ELSE peer_read_seq END WHERE chat_id = ?5
         RETURNING last_seq`,
        run.seq,
        run.message,
        run.at,
        run.own,
        chatId,
        run.others,
      )
      .toArray()[0];
    if (row) this.lastSeqs.set(chatId, row.last_seq);
    else this.lastSeqs.delete(chatId);
  }

  /**
   * Whether message `seq` of `chatId` is past the last one the list has taken in, as far as
   * this object has seen since it started (a chat it has not seen is not). The inbox stores
   * such a message without looking up whether the log has it (inbox.ts).
   */
  isPast(chatId: string, seq: number): boolean {
    const last = this.lastSeqs.get(chatId);
    return last !== undefined && seq > last;
  }

  /** An edit or delete of the chat's last message shows in the list. */
  changeMessage(chatId: string, seq: number, message: string): void {
    // A deleted message stays deleted, whatever comes late.
    this.sql.exec(
      "UPDATE chats SET last_message = ? WHERE chat_id = ? AND last_seq = ? AND (last_message IS NULL OR last_message ->> '$.deleted' IS NULL)",
      message,
      chatId,
      seq,
    );
  }

  /** Message `seq` changed: a last message that replies to it shows `preview` (a ReplyTo as JSON). */
  rewriteReplies(chatId: string, seq: number, preview: string): void {
    this.sql.exec(
      "UPDATE chats SET last_message = json_set(last_message, '$.reply_to', json(?)) WHERE chat_id = ? AND last_message ->> '$.reply_to.seq' = ?",
      preview,
      chatId,
      seq,
    );
  }

  markRead(chatId: string, seq: number): void {
    this.sql.exec("UPDATE chats SET last_read_seq = MAX(last_read_seq, ?) WHERE chat_id = ?", seq, chatId);
  }

  /** Another member read up to `seq`: in a direct chat, that is the peer. */
  peerRead(chatId: string, seq: number): void {
    this.sql.exec("UPDATE chats SET peer_read_seq = MAX(peer_read_seq, ?) WHERE chat_id = ? AND type = 'direct'", seq, chatId);
  }

  /** The other member of a direct chat, by username; undefined for a group or a chat not listed. */
  peerOf(me: User, chatId: string): string | undefined {
    const row = this.row(chatId);
    if (row?.type !== "direct") return undefined;
    return (JSON.parse(row.members) as string[]).find((m) => m !== me.username);
  }

  chatIds(): Array<{ chatId: string; type: string }> {
    return this.sql
      .exec<{ chat_id: string; type: string }>("SELECT chat_id, type FROM chats")
      .toArray()
      .map((r) => ({ chatId: r.chat_id, type: r.type }));
  }

  remove(chatId: string): void {
    this.lastSeqs.delete(chatId);
    this.sql.exec("DELETE FROM chats WHERE chat_id = ?", chatId);
    this.sql.exec("DELETE FROM mentions WHERE chat_id = ?", chatId);
  }
}

/** A getChats cursor: the last chat of a page, "updated_at.chat_id" (clients treat it as opaque). */
function cursorOf(row: ChatRow): string {
  return `${row.updated_at}.${row.chat_id}`;
}

function readCursor(cursor: string): { updatedAt: number; chatId: string } {
  const m = cursor.match(/^(\d{1,16})\.(.+)$/);
  if (!m || !isChatId(m[2]!))
    throw new ApiError(400, "invalid_request", "check these fields: before", {
      before: "is not a cursor from getChats",
    });
  return { updatedAt: Number(m[1]), chatId: m[2]! };
}
