// ChatObject: one chat. Only user objects (and the Worker, for files) call it, over RPC:
// its surface is `ChatRpc` (contract/objects.ts), each method answering a Result (errors
// cross RPC as data). Each request method checks, stores and hands the change to the fan-out.
//
//   ChatObject
//   ├── meta      (meta.ts)       id, type, title, and the event that made a group large
//   ├── members   (members.ts)    who is in, from which ev to which, roles, read positions
//   ├── messages  (messages.ts)   the gapless seq, idempotent sends, edits, deletes, pages
//   │   └── message-ops.ts        the requests: send, edit, delete, pages, react, mark read
//   ├── events    (event-log.ts)  every change is an event with the next ev (the outbox)
//   ├── fanout    (fanout/)       how events reach members, picked once:
//   │   ├── member-logs.ts        direct chats, small groups: into each member's log (pts)
//   │   ├── live-push.ts          large groups: pushed to those online, read back by ev
//   │   ├── relays.ts             …through relay objects per shard, with many online
//   │   └── courier.ts            the calls on user objects, one in flight, retried
//   ├── moderation (moderation.ts) roles (roles.ts), group info, bans (bans.ts), invites
//   │                             (invites.ts), slow mode (slow-mode.ts)
//   ├── uploads   (uploads.ts)    the chat's files in R2: recorded after upload, attached by
//   │                             a send, removed with their message or after a day unattached
//   │   └── files.ts              the Worker's requests: may upload, add, may read, links
//   ├── views.ts                  the chat as its events carry it, a large group's summary
//   └── alarms    (platform/alarms.ts)  the one alarm, shared by deliveries, pushes, uploads, search
import { DurableObject } from "cloudflare:workers";
import { ApiError, catching, chatNotFound, type Result } from "../contract/errors";
import type {
  ChatRpc,
  LargeSummary,
  MessageResult,
  ModerationOp,
  ModerationOutcome,
  NewUpload,
  PushItem,
  SendExtra,
} from "../contract/objects";
import { MAX_GROUP_MEMBERS, type PayloadOf, type RequestOf, type SearchResult } from "../contract/protocol";
import { Alarms } from "../platform/alarms";
import { Clock } from "../platform/clock";
import { config } from "../platform/config";
import { hasSchema, migrate } from "../platform/object-sql";
import type { SearchKey } from "../search";
import { Bans } from "./bans";
import { EventLog } from "./event-log";
import type { ChatEvent, ChatInfo, Member, Origin } from "./events";
import { Courier, fanoutFor, setNotifyAll, type ChatJob, type Fanout } from "./fanout";
import { Members, type MemberState } from "./members";
import { addUpload, mayRead, mayUpload, readableFiles } from "./files";
import { deleteMessage, editMessage, markRead, messagePage, react, reactionPage, sendMessage, type MessageHost } from "./message-ops";
import { Messages } from "./messages";
import { ChatMeta } from "./meta";
import { chatProbe } from "./probe";
import { Invites, inviteNotFound } from "./invites";
import { Moderation } from "./moderation";
import { requireModerator, requireOutranks } from "./roles";
import { SlowMode } from "./slow-mode";
import { Reactions } from "./reactions";
import { CHAT_SCHEMA } from "./schema";
import { searchChat } from "./search";
import { Uploads } from "./uploads";
import { chatInfo, largeSummary } from "./views";

/** A member's typing goes out at most this often; a client repeating it sooner is answered but not fanned out. */
const TYPING_EVERY_MS = 2_000;

export type { LargeSummary, MessageResult, PushItem };

export class ChatObject extends DurableObject<Env> implements ChatRpc {
  private sql: SqlStorage;
  private meta!: ChatMeta;
  private members!: Members;
  private messages!: Messages;
  private events!: EventLog;
  private fanout!: Fanout;
  private uploads!: Uploads;
  private moderation!: Moderation;
  private slowMode!: SlowMode;
  private reactions!: Reactions;
  private alarms: Alarms<ChatJob>;
  private typedAt = new Map<string, number>();
  /** The time the chat's rules read (typing). Tests stop and move it (through runInDurableObject). */
  readonly clock = new Clock();
  /** For tests (through runInDurableObject): what the chat holds, without reading its tables. */
  readonly probe = chatProbe(() => ({
    sql: this.sql,
    events: this.events,
    members: this.members,
    fanout: this.fanout,
    messages: this.messages,
  }));

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.alarms = new Alarms(ctx.storage, () => this.clock.now());
    // A chat that was never created stores nothing, not even its schema: a request about an
    // id that names no chat finds no member and leaves no trace.
    void ctx.blockConcurrencyWhile(async () => {
      if (!hasSchema(this.sql)) return;
      this.load();
      await this.alarms.load();
    });
  }

  // ---- Creating chats ----

  /** The direct chat of a pair: created on first call; later calls return its first event. */
  async openDirect(chatId: string, pair: [Member, Member], origin: Origin): Promise<Result<{ created: boolean; event: ChatEvent }>> {
    return catching("openDirect", () => {
      if (this.meta?.type) return { created: false, event: { ...this.events.at(1), origin } };
      this.load();
      this.meta.init(chatId, "direct", "");
      for (const m of pair) this.addMember(m, "member");
      return { created: true, event: this.fanout.publish({ kind: "chat", chat: this.info() }, origin) };
    });
  }

  async createGroup(chatId: string, title: string, owner: Member, others: Member[], origin: Origin): Promise<Result<ChatEvent>> {
    return catching("createGroup", () => {
      if (this.meta?.type) throw new Error(`group id ${chatId} is taken`);
      this.load();
      this.meta.init(chatId, "group", title);
      this.addMember(owner, "owner");
      this.members.addAll(
        others.filter((m) => m.id !== owner.id),
        "member",
        this.events.nextEv,
        this.messages.lastSeq,
      );
      this.promoteIfLarge();
      return this.fanout.publish({ kind: "chat", chat: this.info() }, origin);
    });
  }

  // ---- Members ----

  async addMembers(actorId: string, users: Member[], origin: Origin): Promise<Result<ChatEvent | null>> {
    return catching("addMembers", () => {
      this.requireManager(actorId, "add members");
      const inside = this.members.currentAmong(users.map((u) => u.id));
      const fresh = users.filter((u) => !inside.has(u.id));
      if (!fresh.length) return null;
      this.moderation.refuseBanned(fresh);
      const count = this.members.count + fresh.length;
      if (count > MAX_GROUP_MEMBERS)
        throw new ApiError(400, "invalid_request", `a group has at most ${MAX_GROUP_MEMBERS} members`, {
          members: `would make ${count} members, over ${MAX_GROUP_MEMBERS}`,
        });
      return this.admit(fresh, origin);
    });
  }

  /** Removes a member (owner and admins; an admin only by the owner). Returns the event the remover sees. */
  async removeMember(actorId: string, target: Member, origin: Origin): Promise<Result<ChatEvent>> {
    return catching("removeMember", async () => {
      const actor = this.requireManager(actorId, "remove members");
      if (target.id === actorId)
        throw new ApiError(400, "invalid_request", "to leave a group use leaveChat", {
          username: "is you; use leaveChat",
        });
      const m = this.members.current(target.id);
      if (!m)
        throw new ApiError(404, "user_not_found", `${target.username} is not a member of this chat`, {
          username: "is not a member",
        });
      requireOutranks(actor, m.role, "removed");
      return (await this.depart(m, origin)).others!;
    });
  }

  async leave(actorId: string, origin: Origin): Promise<Result<ChatEvent>> {
    return catching("leave", async () => {
      const m = this.requireMember(actorId);
      if (this.meta.type === "direct") throw new ApiError(400, "wrong_chat_type", "a direct chat cannot be left");
      return (await this.depart(m, origin)).mine;
    });
  }

  /**
   * A member deleted their account. In a direct chat (a group is left instead) they stay
   * listed for the other member, who is told (peer_deleted) and can send nothing more;
   * nothing more is delivered to them.
   */
  async memberDeleted(userId: string, origin: Origin): Promise<Result<null>> {
    return catching("memberDeleted", async () => {
      this.requireMember(userId);
      if (this.meta.type !== "direct") throw new ApiError(400, "wrong_chat_type", "a deleted member leaves a group with leave");
      const event = this.fanout.publish({ kind: "chat", chat: this.info({}, [userId]) }, origin);
      this.members.leave(userId, event.ev);
      await this.uploads.memberLeft(userId, this.members.count);
      return null;
    });
  }

  // ---- Messages ----

  /** sendMessage, sendGroupMessage (message-ops.ts). */
  async send(
    actor: Member,
    type: "direct" | "group",
    content: string,
    clientMsgId: string | undefined,
    origin: Origin,
    attachment?: { content_type: "image" | "file"; file_id: string },
    extra: SendExtra = {},
  ): Promise<Result<MessageResult>> {
    return catching("send", () => sendMessage(this.host, actor, type, content, clientMsgId, origin, attachment, extra));
  }

  async edit(actorId: string, seq: number, content: string, origin: Origin, mentions?: string[]): Promise<Result<MessageResult>> {
    return catching("edit", () => editMessage(this.host, actorId, seq, content, origin, mentions));
  }

  async remove(actorId: string, seq: number, origin: Origin): Promise<Result<MessageResult>> {
    return catching("remove", () => deleteMessage(this.host, actorId, seq, origin));
  }

  async getMessages(actorId: string, q: RequestOf<"getMessages">): Promise<Result<PayloadOf<"getMessages">>> {
    return catching("getMessages", () => messagePage(this.host, actorId, q));
  }

  async react(actorId: string, seq: number, emoji: string, add: boolean, origin: Origin) {
    return catching("react", () => react(this.host, actorId, seq, emoji, add, origin));
  }

  async reactionPage(actorId: string, q: RequestOf<"getReactions">): Promise<Result<PayloadOf<"getReactions">>> {
    return catching("reactionPage", () => reactionPage(this.host, actorId, q));
  }

  // ---- Reading and typing ----

  /** The member's read position (message-ops.ts). */
  async markRead(actorId: string, seq: number, origin: Origin) {
    return catching("markRead", () => markRead(this.host, actorId, seq, origin));
  }

  /** Typing is not stored: it goes straight to the other members' sockets, best effort. */
  async typing(actorId: string): Promise<Result<null>> {
    return catching("typing", () => {
      const m = this.requireMember(actorId);
      const now = this.clock.now();
      if (now - (this.typedAt.get(actorId) ?? 0) < TYPING_EVERY_MS) return null;
      this.typedAt.set(actorId, now);
      if (this.typedAt.size > 1_000) for (const [id, at] of this.typedAt) if (now - at >= TYPING_EVERY_MS) this.typedAt.delete(id);
      this.fanout.typing(actorId, m.username);
      return null;
    });
  }

  async setNotifyAll(actorId: string, all: boolean): Promise<Result<null>> {
    return catching("setNotifyAll", () => {
      this.requireMember(actorId);
      setNotifyAll(this.sql, actorId, all);
      return null;
    });
  }

  // ---- Large groups ----

  /** getChatUpdates: a large group's pushes after `sinceEv` that the member may see. */
  async updates(actorId: string, sinceEv: number, limit: number): Promise<Result<PayloadOf<"getChatUpdates">>> {
    return catching("updates", () => {
      const m = this.requireMember(actorId);
      return { chat_id: this.meta.chatId, ...this.fanout.updates(m, sinceEv, limit) };
    });
  }

  /** getMembers: a page of the group's members by lower-cased name. */
  async memberPage(actorId: string, after: string | undefined, limit: number): Promise<Result<PayloadOf<"getMembers">>> {
    return catching("memberPage", () => {
      this.requireMember(actorId);
      if (this.meta.type !== "group") throw new ApiError(400, "wrong_chat_type", "a direct chat has no member list to page");
      return { chat_id: this.meta.chatId, ...this.members.page(after, limit) };
    });
  }

  /**
   * A member's user object got its first socket (`online`), or lost its last. Online, it
   * gets the group as it is now (to list it), and pushes from then on, or from `fromEv`.
   * A user object that is not a member (any more), or a chat that pushes nothing live, gets null.
   */
  async presence(userId: string, since: number, online: boolean, fromEv?: number): Promise<LargeSummary | null> {
    if (!this.meta?.type) return null;
    if (!online) {
      this.fanout.offline(userId, since);
      return null;
    }
    const m = this.members.current(userId);
    if (!m || !this.fanout.online(userId, since, fromEv)) return null;
    return this.summaryFor(m);
  }

  /** searchMessages in this chat, for a member (search.ts). */
  async search(actorId: string, query: string, limit: number, before?: SearchKey, upToSeq?: number): Promise<Result<SearchResult[]>> {
    return catching("search", () => {
      this.requireMember(actorId);
      return searchChat(this.messages, this.meta.chatId, query, limit, { before, upToSeq });
    });
  }

  /** A large group as this member lists it now (getChats). */
  async summary(actorId: string): Promise<Result<LargeSummary>> {
    return catching("summary", () => this.summaryFor(this.requireMember(actorId)));
  }

  // ---- Moderation ----

  /** Roles, group info, bans, invites, slow mode, a message to report (moderation.ts). A join needs no membership. */
  async moderate(actor: Member, op: ModerationOp, origin: Origin): Promise<Result<ModerationOutcome>> {
    return catching(op.kind, async () => {
      if (!this.meta?.type) throw op.kind === "join" ? inviteNotFound() : chatNotFound("with this id");
      return this.moderation.run(actor, op, origin);
    });
  }

  // ---- Files (the Worker's POST /upload and GET /files; getFileUrls; files.ts) ----

  async mayUpload(userId: string): Promise<Result<null>> {
    return catching("mayUpload", () => mayUpload(this.host, userId));
  }

  async addUpload(userId: string, file: NewUpload): Promise<Result<null>> {
    return catching("addUpload", () => addUpload(this.host, userId, file));
  }

  async mayRead(userId: string, fileId: string): Promise<Result<null>> {
    return catching("mayRead", () => mayRead(this.host, userId, fileId));
  }

  async readableFiles(userId: string, fileIds: string[]): Promise<Result<string[]>> {
    return catching("readableFiles", () => readableFiles(this.host, userId, fileIds));
  }

  override async alarm(): Promise<void> {
    if (this.meta?.type) await this.alarms.run();
  }

  // ---- Internals ----

  /** Creates the schema if this is the chat's creation, and reads the chat. */
  private load(): void {
    migrate(this.sql, CHAT_SCHEMA);
    this.meta = new ChatMeta(this.sql);
    this.members = new Members(this.sql);
    this.messages = new Messages(this.sql, () => this.meta.chatId, this.alarms.of("search"), this.clock);
    this.alarms.register("search", (now) => this.messages.search.onAlarm(now));
    this.events = new EventLog(
      this.sql,
      () => this.meta.chatId,
      this.messages,
      config(this.env).eventsKeep,
      () => this.meta.largeSince,
    );
    const courier = new Courier(this.env, () => this.meta.chatId, this.alarms);
    this.fanout = fanoutFor({
      env: this.env,
      config: config(this.env),
      sql: this.sql,
      meta: this.meta,
      events: this.events,
      members: this.members,
      messages: this.messages,
      courier,
      alarms: this.alarms,
      clock: this.clock,
    });
    this.slowMode = new SlowMode(this.sql);
    this.moderation = new Moderation({
      meta: this.meta,
      members: this.members,
      messages: this.messages,
      bans: new Bans(this.sql),
      invites: new Invites(this.sql),
      clock: this.clock,
      fanout: () => this.fanout,
      info: () => this.info(),
      requireMember: (id) => this.requireMember(id),
      admit: (users, origin) => this.admit(users, origin),
      depart: (m, origin) => this.depart(m, origin),
    });
    this.reactions = new Reactions(this.sql);
    this.uploads = new Uploads(this.sql, this.env, (at) => void this.alarms.wakeAt("uploads", at), this.clock);
    this.alarms.register("uploads", (now) => this.uploads.sweep(now));
  }

  /** What message-ops.ts and files.ts use of the chat, read when asked (before a chat exists, requireMember refuses). */
  private get host(): MessageHost {
    return {
      meta: this.meta,
      members: this.members,
      messages: this.messages,
      events: this.events,
      uploads: this.uploads,
      slowMode: this.slowMode,
      reactions: this.reactions,
      clock: this.clock,
      fanout: () => this.fanout,
      requireMember: (id) => this.requireMember(id),
    };
  }

  /** Adds (or re-adds) a member from the next event on. */
  private addMember(u: Member, role: "owner" | "member"): MemberState {
    return this.members.add(u, role, this.events.nextEv, this.messages.lastSeq);
  }

  /** Adds users who are not members and publishes it (addMembers, joinByInvite). */
  private admit(fresh: Member[], origin: Origin): ChatEvent {
    const added = this.members.addAll(fresh, "member", this.events.nextEv, this.messages.lastSeq);
    // Passing the size is the event that makes the group large: it is the last one in
    // every member's log, and it tells them from which ev its updates come.
    this.promoteIfLarge();
    const change = { added: fresh.map((u) => u.username).sort((a, b) => a.localeCompare(b)) };
    return this.fanout.publish({ kind: "chat", chat: this.info(change) }, origin, added);
  }

  /** Past the size a group is large from the next event on (once; a large group stays large). */
  private promoteIfLarge(): void {
    if (this.members.count > config(this.env).largeGroupMembers) this.fanout = this.fanout.promote();
  }

  /** A member leaves or is removed: they are told, the rest see the new member list. */
  private async depart(m: MemberState, origin: Origin): Promise<{ mine: ChatEvent; others: ChatEvent | null }> {
    const out = this.fanout.depart(m, () => this.info({ removed: [m.username] }), origin);
    await this.uploads.memberLeft(m.userId, this.members.count);
    return out;
  }

  private summaryFor(m: MemberState): LargeSummary {
    return largeSummary(this.meta, this.members, this.messages, this.events.ev, m);
  }

  /** The chat for the next event (views.ts); `deleting`: members whose deletion this is about. */
  private info(change: { added?: string[]; removed?: string[] } = {}, deleting: string[] = []): ChatInfo {
    return chatInfo(this.meta, this.members, this.messages, this.fanout.roster(), change, deleting);
  }

  private requireMember(userId: string): MemberState {
    const m = this.meta?.type ? this.members.current(userId) : undefined;
    if (!m) throw chatNotFound(this.meta?.chatId || "with this id");
    return m;
  }

  private requireManager(userId: string, what: string): MemberState {
    const m = this.requireMember(userId);
    requireModerator(this.meta.type, m, what);
    return m;
  }
}
