// ChatObject: one chat. Only user objects call it, over RPC.
//
//   ChatObject
//   ├── members   (members.ts)   who is in, from which ev to which, roles, read positions
//   ├── messages  (messages.ts)  the gapless seq, idempotent sends, edits, deletes, pages
//   ├── outbox    (outbox.ts)    every change is an event with the next ev, fanned out to
//   │                            each member's user object, retried until acknowledged
//   └── uploads   (uploads.ts)   the chat's files in R2: recorded after upload, attached by
//                                a send, removed with their message or after a day unattached
//
// Its RPC surface is the public methods below; each answers a Result (errors cross RPC as
// data). The events it delivers are described in events.ts.
import { DurableObject } from "cloudflare:workers";
import { ApiError, catching, chatNotFound, fileNotFound, forbidden, type Result } from "../contract/errors";
import { MAX_GROUP_MEMBERS, type Attachment, type Message, type PayloadOf, type RequestOf } from "../contract/protocol";
import { errorSummary, log } from "../platform/log";
import { hasSchema, migrate } from "../platform/object-sql";
import type { ChatEvent, ChatInfo, Member, Origin } from "./events";
import { Members, type MemberState } from "./members";
import { Messages, toMessage, type MessageRow } from "./messages";
import { Outbox } from "./outbox";
import { CHAT_SCHEMA } from "./schema";
import { Uploads, type NewUpload } from "./uploads";

/** A member's typing goes out at most this often; a client repeating it sooner is answered but not fanned out. */
const TYPING_EVERY_MS = 2_000;

export interface MessageResult {
  message: Message;
  event: ChatEvent;
}

export class ChatObject extends DurableObject<Env> {
  private sql: SqlStorage;
  private chatId = "";
  private type: "direct" | "group" | null = null;
  private title = "";
  private members!: Members;
  private messages!: Messages;
  private outbox!: Outbox;
  private uploads!: Uploads;
  private typedAt = new Map<string, number>();
  /** The clock typing is throttled by. Tests stop and move it (through runInDurableObject). */
  now: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // A chat that was never created stores nothing, not even its schema: a request about an
    // id that names no chat finds no member and leaves no trace.
    void ctx.blockConcurrencyWhile(async () => {
      if (!hasSchema(this.sql)) return;
      this.load();
      await this.outbox.load();
    });
  }

  // ---- Creating chats ----

  /** The direct chat of a pair: created on first call; later calls return its first event. */
  async openDirect(chatId: string, pair: [Member, Member], origin: Origin): Promise<Result<{ created: boolean; event: ChatEvent }>> {
    return catching("openDirect", () => {
      if (this.type) return { created: false, event: { ...this.outbox.eventAt(1), origin } };
      this.load();
      this.init(chatId, "direct", "");
      for (const m of pair) this.addMember(m, "member");
      return { created: true, event: this.outbox.emit({ kind: "chat", chat: this.info() }, null, origin) };
    });
  }

  async createGroup(chatId: string, title: string, owner: Member, others: Member[], origin: Origin): Promise<Result<ChatEvent>> {
    return catching("createGroup", () => {
      if (this.type) throw new Error(`group id ${chatId} is taken`);
      this.load();
      this.init(chatId, "group", title);
      this.addMember(owner, "owner");
      for (const m of others) if (m.id !== owner.id) this.addMember(m, "member");
      return this.outbox.emit({ kind: "chat", chat: this.info() }, null, origin);
    });
  }

  // ---- Members ----

  async addMembers(actorId: string, users: Member[], origin: Origin): Promise<Result<ChatEvent | null>> {
    return catching("addMembers", () => {
      this.requireOwner(actorId);
      const added = users.filter((u) => !this.members.isMember(u.id));
      if (!added.length) return null;
      const count = this.members.current().length + added.length;
      if (count > MAX_GROUP_MEMBERS)
        throw new ApiError(400, "invalid_request", `a group has at most ${MAX_GROUP_MEMBERS} members`, {
          members: `would make ${count} members, over ${MAX_GROUP_MEMBERS}`,
        });
      for (const u of added) this.addMember(u, "member");
      return this.outbox.emit({ kind: "chat", chat: this.info() }, null, origin);
    });
  }

  /** Removes a member (owner only). Returns the event the owner sees. */
  async removeMember(actorId: string, target: Member, origin: Origin): Promise<Result<ChatEvent>> {
    return catching("removeMember", () => {
      this.requireOwner(actorId);
      if (target.id === actorId)
        throw new ApiError(400, "invalid_request", "to leave a group use leaveChat", { username: "is you; use leaveChat" });
      if (!this.members.isMember(target.id))
        throw new ApiError(404, "user_not_found", `${target.username} is not a member of this chat`, { username: "is not a member" });
      return this.depart(target.id, origin).others!;
    });
  }

  async leave(actorId: string, origin: Origin): Promise<Result<ChatEvent>> {
    return catching("leave", () => {
      this.requireMember(actorId);
      if (this.type === "direct") throw new ApiError(400, "wrong_chat_type", "a direct chat cannot be left");
      return this.depart(actorId, origin).mine;
    });
  }

  /**
   * A member deleted their account. In a direct chat (a group is left instead) they stay
   * listed for the other member, who is told (peer_deleted) and can send nothing more;
   * nothing more is delivered to them.
   */
  async memberDeleted(userId: string, origin: Origin): Promise<Result<null>> {
    return catching("memberDeleted", () => {
      this.requireMember(userId);
      if (this.type !== "direct") throw new ApiError(400, "wrong_chat_type", "a deleted member leaves a group with leave");
      const event = this.outbox.emit({ kind: "chat", chat: this.info([userId]) }, null, origin);
      this.members.leave(userId, event.ev);
      return null;
    });
  }

  // ---- Messages ----

  /** `attachment`: an image or file message, with a file the sender uploaded into this chat. */
  async send(
    actor: Member, type: "direct" | "group", content: string, clientMsgId: string | undefined, origin: Origin,
    attachment?: { content_type: "image" | "file"; file_id: string },
  ): Promise<Result<MessageResult>> {
    return catching("send", () => {
      const m = this.requireMember(actor.id);
      if (this.type !== type)
        throw new ApiError(400, "wrong_chat_type", type === "direct" ? "this is a group: use sendGroupMessage" : "this is a direct chat: use sendMessage");
      if (this.peerDeleted()) throw forbidden("the other member of this chat deleted their account");
      if (clientMsgId !== undefined) {
        const row = this.messages.bySenderAndClientId(actor.id, clientMsgId);
        if (row) return { message: toMessage(this.chatId, row), event: this.outbox.eventAt(row.ev) };
      }
      const file = attachment && this.uploads.claim(actor.id, attachment.file_id, attachment.content_type);
      const seq = this.messages.lastSeq + 1;
      const message: Message = {
        message_id: crypto.randomUUID(), chat_id: this.chatId, seq, sender: m.username, content,
        content_type: attachment?.content_type ?? "text", ...(file && { attachment: file }),
        timestamp: Date.now(), ...(clientMsgId !== undefined && { client_msg_id: clientMsgId }),
      };
      const event = this.outbox.emit({ kind: "newMessage", seq, sender: m.username, message: JSON.stringify(message) }, null, origin);
      this.messages.insert(message, actor.id, event.ev);
      if (file) this.uploads.attach(file.file_id, seq);
      // Sending reads the chat up to your own message.
      this.members.setRead(m, seq);
      return { message, event };
    });
  }

  async edit(actorId: string, seq: number, content: string, origin: Origin): Promise<Result<MessageResult>> {
    return catching("edit", () => {
      const row = this.ownMessage(actorId, seq);
      if (row.deleted) throw new ApiError(404, "message_not_found", `message ${seq} was deleted`);
      row.content = content;
      row.edited_at = Date.now();
      return this.rewrite(row, "messageEdited", origin);
    });
  }

  /** Deleting twice returns the first deletion. A message's file goes with it. */
  async remove(actorId: string, seq: number, origin: Origin): Promise<Result<MessageResult>> {
    return catching("remove", async () => {
      const row = this.ownMessage(actorId, seq);
      if (row.deleted) return { message: toMessage(this.chatId, row), event: this.outbox.eventAt(row.ev) };
      row.content = "";
      row.deleted = 1;
      const result = this.rewrite(row, "messageDeleted", origin);
      if (row.attachment !== null) {
        this.uploads.remove((JSON.parse(row.attachment) as Attachment).file_id);
        await this.uploads.purge();
      }
      return result;
    });
  }

  async getMessages(actorId: string, q: RequestOf<"getMessages">): Promise<Result<PayloadOf<"getMessages">>> {
    return catching("getMessages", () => {
      this.requireMember(actorId);
      return this.messages.page(this.chatId, q);
    });
  }

  // ---- Reading and typing ----

  async markRead(actorId: string, seq: number, origin: Origin): Promise<Result<{ last_read_seq: number; last_seq: number; event: ChatEvent | null }>> {
    return catching("markRead", () => {
      const m = this.requireMember(actorId);
      const lastSeq = this.messages.lastSeq;
      const target = Math.min(seq, lastSeq);
      if (target <= m.lastReadSeq) return { last_read_seq: m.lastReadSeq, last_seq: lastSeq, event: null };
      this.members.setRead(m, target);
      const event = this.outbox.emit({ kind: "readReceipt", username: m.username, seq: target }, null, origin);
      return { last_read_seq: target, last_seq: lastSeq, event };
    });
  }

  /** Typing is not stored: it goes straight to the other members' sockets, best effort. */
  async typing(actorId: string): Promise<Result<null>> {
    return catching("typing", () => {
      const m = this.requireMember(actorId);
      const now = this.now();
      if (now - (this.typedAt.get(actorId) ?? 0) < TYPING_EVERY_MS) return null;
      this.typedAt.set(actorId, now);
      for (const other of this.members.current())
        if (other.userId !== actorId)
          this.outbox.user(other.userId).typing(this.chatId, m.username).catch((err: unknown) =>
            log({ level: "warn", event: "typing_failed", chat_id: this.chatId, user_id: other.userId, exception: errorSummary(err) }),
          );
      return null;
    });
  }

  // ---- Files (the Worker's POST /upload and GET /files; getFileUrls) ----

  /** May this user upload into this chat? Asked before the Worker reads the body. */
  async mayUpload(userId: string): Promise<Result<null>> {
    return catching("mayUpload", () => {
      this.requireMember(userId);
      return null;
    });
  }

  /** The Worker has the bytes in R2: the file is the chat's from now on, unattached. */
  async addUpload(userId: string, file: NewUpload): Promise<Result<null>> {
    return catching("addUpload", () => {
      this.requireMember(userId);
      this.uploads.add(userId, file);
      return null;
    });
  }

  /** May this user read this file? The same file_not_found for a non-member and for a file not here. */
  async mayRead(userId: string, fileId: string): Promise<Result<null>> {
    return catching("mayRead", () => {
      const m = this.type ? this.members.get(userId) : undefined;
      if (!m || m.leftEv !== null || !this.uploads.readable(fileId)) throw fileNotFound();
      return null;
    });
  }

  /** Which of these files a member may have download links for. */
  async readableFiles(userId: string, fileIds: string[]): Promise<Result<string[]>> {
    return catching("readableFiles", () => {
      this.requireMember(userId);
      return this.uploads.live(fileIds);
    });
  }

  override async alarm(): Promise<void> {
    if (!this.type) return;
    await this.outbox.onAlarm();
    await this.uploads.sweep(Date.now());
  }

  // ---- Internals ----

  /** Creates the schema if this is the chat's creation, and reads the chat. */
  private load(): void {
    migrate(this.sql, CHAT_SCHEMA);
    const meta = new Map(this.sql.exec<{ k: string; v: string }>("SELECT k, v FROM meta").toArray().map((r) => [r.k, r.v]));
    this.chatId = meta.get("chat_id") ?? "";
    this.type = (meta.get("type") as "direct" | "group" | undefined) ?? null;
    this.title = meta.get("title") ?? "";
    this.members = new Members(this.sql);
    this.messages = new Messages(this.sql);
    this.outbox = new Outbox(this.ctx, this.env, this.members, () => this.chatId);
    this.uploads = new Uploads(this.sql, this.env.FILES, (at) => void this.outbox.wakeAt(at));
  }

  private init(chatId: string, type: "direct" | "group", title: string): void {
    this.chatId = chatId;
    this.type = type;
    this.title = title;
    for (const [k, v] of [["chat_id", chatId], ["type", type], ["title", title]])
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", k!, v!);
  }

  /** Adds (or re-adds) a member from the next event on. */
  private addMember(u: Member, role: "owner" | "member"): void {
    this.members.add(u, role, this.outbox.nextEv, this.messages.lastSeq);
  }

  /** A member leaves or is removed: they are told, the rest see the new member list. */
  private depart(userId: string, origin: Origin): { mine: ChatEvent; others: ChatEvent | null } {
    const mine = this.outbox.emit({ kind: "removedFromChat" }, [userId], origin);
    this.members.leave(userId, mine.ev);
    const others = this.members.current().length ? this.outbox.emit({ kind: "chat", chat: this.info() }, null, origin) : null;
    return { mine, others };
  }

  /** An edit or delete: the row, and every stored copy of the message's text, become the current message. */
  private rewrite(row: MessageRow, kind: "messageEdited" | "messageDeleted", origin: Origin): MessageResult {
    const message = toMessage(this.chatId, row);
    const json = JSON.stringify(message);
    this.outbox.rewriteMessage(row.seq, json);
    const event = this.outbox.emit({ kind, seq: row.seq, sender: row.sender, message: json }, null, origin);
    row.ev = event.ev;
    this.messages.update(row);
    return { message, event };
  }

  private ownMessage(actorId: string, seq: number): MessageRow {
    this.requireMember(actorId);
    const row = this.messages.get(seq);
    if (!row) throw new ApiError(404, "message_not_found", `no message ${seq} in this chat`);
    if (row.sender_id !== actorId) throw new ApiError(403, "forbidden", "only the sender can change a message");
    return row;
  }

  /** A direct chat is left only by deleting the account. */
  private peerDeleted(): boolean {
    return this.type === "direct" && this.members.current().length < 2;
  }

  /** What members list; `deleting`: members whose deletion this is about (still current). */
  private info(deleting: string[] = []): ChatInfo {
    // A direct chat keeps listing a member who deleted their account.
    const members = this.type === "direct" ? [...this.members.all()].sort((a, b) => a.joinedEv - b.joinedEv) : this.members.ordered();
    const owner = members.find((m) => m.role === "owner");
    const last = this.messages.get(this.messages.lastSeq);
    const deleted = members.filter((m) => m.leftEv !== null || deleting.includes(m.userId)).map((m) => m.username);
    return {
      type: this.type!,
      title: this.title,
      members: members.map((m) => m.username),
      ...(this.type === "group" && owner && { owner: owner.username }),
      ...(this.type === "direct" && { reads: Object.fromEntries(members.map((m) => [m.username, m.lastReadSeq])) }),
      ...(deleted.length > 0 && this.type === "direct" && { deleted }),
      last_seq: this.messages.lastSeq,
      last_message: last ? JSON.stringify(toMessage(this.chatId, last)) : null,
    };
  }

  private requireMember(userId: string): MemberState {
    const m = this.type ? this.members.get(userId) : undefined;
    if (!m || m.leftEv !== null) throw chatNotFound(this.chatId || "with this id");
    return m;
  }

  private requireOwner(userId: string): MemberState {
    const m = this.requireMember(userId);
    if (this.type !== "group") throw new ApiError(400, "wrong_chat_type", "a direct chat has no members to manage");
    if (m.role !== "owner") throw new ApiError(403, "forbidden", "only the group's owner can change its members");
    return m;
  }
}
