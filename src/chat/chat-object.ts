// ChatObject: one chat. Only user objects call it, over RPC.
//
//   ChatObject
//   ├── members   (members.ts)   who is in, from which ev to which, roles, read positions
//   ├── messages  (messages.ts)  the gapless seq, idempotent sends, edits, deletes, pages
//   ├── outbox    (outbox.ts)    every change is an event with the next ev, fanned out to
//   │                            each member's user object, retried until acknowledged
//   ├── uploads   (uploads.ts)   the chat's files in R2: recorded after upload, attached by
//   │                            a send, removed with their message or after a day unattached
//   └── large     (large.ts)     past LARGE_GROUP_MEMBERS: fan-out on read. Events stay here,
//       ├── online (online.ts)   pushed only to the members online, read back by ev;
//       └── log queue (log-queue.ts)  a member's own join, leave and reads still reach their log
//
// Its RPC surface is the public methods below; each answers a Result (errors cross RPC as
// data). The events it delivers are described in events.ts.
import { DurableObject } from "cloudflare:workers";
import { ApiError, catching, chatNotFound, fileNotFound, forbidden, type Result } from "../contract/errors";
import { MAX_GROUP_MEMBERS, type Attachment, type Message, type PayloadOf, type RequestOf } from "../contract/protocol";
import { config } from "../platform/config";
import { errorSummary, log } from "../platform/log";
import { hasSchema, migrate } from "../platform/object-sql";
import type { ChatEvent, ChatInfo, EventBody, Member, Origin } from "./events";
import { LargeGroup, type LargeSummary } from "./large";
import { LogQueue } from "./log-queue";
import { Members, type MemberState } from "./members";
import { Messages, toMessage, type MessageRow } from "./messages";
import { Online, type PushItem } from "./online";
import { Outbox } from "./outbox";
import { CHAT_SCHEMA } from "./schema";
import { Uploads, type NewUpload } from "./uploads";

/** A member's typing goes out at most this often; a client repeating it sooner is answered but not fanned out. */
const TYPING_EVERY_MS = 2_000;

export interface MessageResult {
  message: Message;
  event: ChatEvent;
}

export type { LargeSummary, PushItem };

export class ChatObject extends DurableObject<Env> {
  private sql: SqlStorage;
  private chatId = "";
  private type: "direct" | "group" | null = null;
  private title = "";
  private members!: Members;
  private messages!: Messages;
  private outbox!: Outbox;
  private large!: LargeGroup;
  private online!: Online;
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
      if (this.members.count > this.largeAt()) this.large.start(this.outbox.nextEv);
      return this.outbox.emit({ kind: "chat", chat: this.info() }, null, origin);
    });
  }

  // ---- Members ----

  async addMembers(actorId: string, users: Member[], origin: Origin): Promise<Result<ChatEvent | null>> {
    return catching("addMembers", () => {
      this.requireOwner(actorId);
      const added = users.filter((u) => !this.members.isMember(u.id));
      if (!added.length) return null;
      const count = this.members.count + added.length;
      if (count > MAX_GROUP_MEMBERS)
        throw new ApiError(400, "invalid_request", `a group has at most ${MAX_GROUP_MEMBERS} members`, {
          members: `would make ${count} members, over ${MAX_GROUP_MEMBERS}`,
        });
      for (const u of added) this.addMember(u, "member");
      const change = { added: added.map((u) => u.username).sort((a, b) => a.localeCompare(b)) };
      if (this.large.since === null) {
        // Passing the size is the event that makes the group large: it is the last one in
        // every member's log, and it tells them from which ev its updates come.
        if (count > this.largeAt()) this.large.start(this.outbox.nextEv);
        return this.outbox.emit({ kind: "chat", chat: this.info(change) }, null, origin);
      }
      // A large group: the others see the change by ev; each new member gets chatCreated in
      // their own log, with the event their view starts after.
      const event = this.emitLarge({ kind: "chat", chat: this.info(change) }, origin);
      const { large: _large, origin: _origin, ...joined } = event;
      for (const u of added) this.outbox.toLog(this.members.get(u.id)!, joined, origin);
      return event;
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
      const event = this.outbox.emit({ kind: "chat", chat: this.info({}, [userId]) }, null, origin);
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
      const event = this.emitChange({ kind: "newMessage", seq, sender: m.username, message: JSON.stringify(message) }, origin);
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
      if (this.large.since !== null) {
        // In a large group a read is the reader's own business: it goes to their log only
        // (their other devices clear the count), and it is not one of the group's events.
        const own: ChatEvent = { kind: "readReceipt", chat_id: this.chatId, ev: 0, key: `${this.chatId}:r${target}`, timestamp: Date.now(), username: m.username, seq: target };
        this.outbox.toLog(m, own, origin);
        return { last_read_seq: target, last_seq: lastSeq, event: { ...own, origin } };
      }
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
      const send = (userId: string) =>
        this.outbox.user(userId).typing(this.chatId, m.username).catch((err: unknown) =>
          log({ level: "warn", event: "typing_failed", chat_id: this.chatId, user_id: userId, exception: errorSummary(err) }),
        );
      if (this.large.since !== null) this.online.typing(actorId, send);
      else for (const other of this.members.current()) if (other.userId !== actorId) void send(other.userId);
      return null;
    });
  }

  // ---- Large groups ----

  /** getChatUpdates: a large group's pushes after `sinceEv` that the member may see. */
  async updates(actorId: string, sinceEv: number, limit: number): Promise<Result<PayloadOf<"getChatUpdates">>> {
    return catching("updates", () => {
      const m = this.requireMember(actorId);
      if (this.large.since === null)
        throw new ApiError(400, "wrong_chat_type", this.type === "direct" ? "a direct chat's updates come by sync" : "this group is not large: its updates come by sync");
      return { chat_id: this.chatId, ...this.large.replay(m, sinceEv, limit) };
    });
  }

  /** getMembers: a page of the group's members by lower-cased name. */
  async memberPage(actorId: string, after: string | undefined, limit: number): Promise<Result<PayloadOf<"getMembers">>> {
    return catching("memberPage", () => {
      this.requireMember(actorId);
      if (this.type !== "group") throw new ApiError(400, "wrong_chat_type", "a direct chat has no member list to page");
      return { chat_id: this.chatId, ...this.members.page(after, limit) };
    });
  }

  /**
   * A member's user object got its first socket (`online`), or lost its last. Online, it
   * gets the group as it is now (to list it), and pushes from then on, or from `fromEv`.
   * A user object that is not a member (any more) is told so with null.
   */
  async presence(userId: string, since: number, online: boolean, fromEv?: number): Promise<LargeSummary | null> {
    if (!this.type) return null;
    if (!online) {
      this.online.offline(userId, since);
      return null;
    }
    const m = this.members.get(userId);
    if (!m || m.leftEv !== null || this.large.since === null) return null;
    this.online.online(userId, since, fromEv);
    return this.summaryFor(m);
  }

  /** A large group as this member lists it now (getChats). */
  async summary(actorId: string): Promise<Result<LargeSummary>> {
    return catching("summary", () => this.summaryFor(this.requireMember(actorId)));
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
    this.online.retry();
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
    this.large = new LargeGroup(this.sql, { chatId: () => this.chatId, lastEv: () => this.outbox.ev, message: (seq) => this.messages.get(seq) });
    this.outbox = new Outbox(this.ctx, this.env, this.members, new LogQueue(this.sql), () => this.chatId, () => this.large.since);
    this.online = new Online(this.sql, {
      user: (userId) => this.outbox.user(userId),
      after: (ev, max) => this.outbox.after(ev, max),
      lastEv: () => this.outbox.ev,
      frame: (e, userId) => this.large.frame(e, this.members.get(userId)),
      wake: (ms) => void this.outbox.wakeIn(ms),
      chatId: () => this.chatId,
    });
    this.uploads = new Uploads(this.sql, this.env, (at) => void this.outbox.wakeAt(at));
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
    const m = this.members.get(userId)!;
    const change = { removed: [m.username] };
    if (this.large.since !== null) {
      // One event of the group for the others; the one who left has it in their log as
      // removedFromChat, and gets no more pushes.
      this.members.leave(userId, this.outbox.nextEv);
      this.online.drop(userId);
      const others = this.emitLarge({ kind: "chat", chat: this.info(change) }, origin);
      const mine: ChatEvent = { kind: "removedFromChat", chat_id: this.chatId, ev: others.ev, timestamp: others.timestamp };
      this.outbox.toLog(m, mine, origin);
      return { mine: { ...mine, origin }, others };
    }
    const mine = this.outbox.emit({ kind: "removedFromChat" }, [userId], origin);
    this.members.leave(userId, mine.ev);
    const others = this.members.count ? this.outbox.emit({ kind: "chat", chat: this.info(change) }, null, origin) : null;
    return { mine, others };
  }

  /** The largest a group may be and stay small. */
  private largeAt(): number {
    return config(this.env).largeGroupMembers;
  }

  /** Stores a change everyone in the chat sees: by cursor into each member's log, or, in a large group, pushed by ev. */
  private emitChange(body: EventBody, origin: Origin): ChatEvent {
    return this.large.since === null ? this.outbox.emit(body, null, origin) : this.emitLarge(body, origin);
  }

  private emitLarge(body: EventBody, origin: Origin): ChatEvent {
    const event = this.outbox.emitLarge(body, origin);
    this.online.push();
    return event;
  }

  private summaryFor(m: MemberState): LargeSummary {
    const owner = this.members.ownerId === null ? undefined : this.members.get(this.members.ownerId)?.username;
    return this.large.summary({ title: this.title, ...(owner !== undefined && { owner }), member_count: this.members.count }, m, this.messages.lastSeq);
  }

  /** An edit or delete: the row, and every stored copy of the message's text, become the current message. */
  private rewrite(row: MessageRow, kind: "messageEdited" | "messageDeleted", origin: Origin): MessageResult {
    const message = toMessage(this.chatId, row);
    const json = JSON.stringify(message);
    this.outbox.rewriteMessage(row.seq, json);
    const event = this.emitChange({ kind, seq: row.seq, sender: row.sender, message: json }, origin);
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

  /**
   * The chat for the next event: a small chat's whole member list (a direct chat keeps
   * listing a member who deleted their account), a large group's count and ev. `deleting`:
   * members whose deletion this is about (still current).
   */
  private info(change: { added?: string[]; removed?: string[] } = {}, deleting: string[] = []): ChatInfo {
    const members = this.large.since !== null ? [] : this.type === "direct" ? [...this.members.all()].sort((a, b) => a.joinedEv - b.joinedEv) : this.members.ordered();
    const owner = this.members.ownerId === null ? undefined : this.members.get(this.members.ownerId);
    const last = this.messages.get(this.messages.lastSeq);
    const deleted = members.filter((m) => m.leftEv !== null || deleting.includes(m.userId)).map((m) => m.username);
    return {
      type: this.type!,
      title: this.title,
      ...(this.large.since === null ? { members: members.map((m) => m.username) } : { large: true as const, ev: this.outbox.nextEv }),
      ...change,
      ...(this.type === "group" && owner && { owner: owner.username }),
      member_count: this.members.count,
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
