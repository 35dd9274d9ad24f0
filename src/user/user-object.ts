// UserObject: one user. It answers the user's requests, from their sockets and POST /api,
// and is told by chat objects what happened in the user's chats.
//
//   UserObject
//   ├── sockets      (sockets.ts)     the user's sockets, hibernatable; push to all, end a session's
//   ├── sessions     (sessions.ts)    last seen, and ending a socket when its session expires (alarm.ts)
//   ├── revoked      (revoked.ts)     sessions revoked before their expiry: no socket, frame or request of theirs
//   ├── update log   (update-log.ts)  every push gets the next pts, is stored, then sent; sync replays it
//   ├── chat list    (chat-list.ts)   the chats the user is in, last message, unread
//   ├── account      (account.ts)     devices, password change, deletion (deletion.ts)
//   ├── blocks       (blocks.ts)      whom the user blocks, and who blocks them
//   ├── limits       (send-limits.ts) sends and edits, group changes
//   └── large groups (large-groups.ts) told when the user comes and goes online; pushes
//                                       passed on unstored; their state read for the list
//
// Its RPC surface: `api` (POST /api), `endSessions` (the Worker, after a reset or a login past the cap),
// `deliver`, `pushLarge` and `typing` (chat objects), `setBlockedBy` (another user's object). It reaches
// chat objects through the CHATS binding and knows them only by their RPC methods and the
// events they deliver (chat/events.ts). Its rules about time read `clock`, which a test
// can stop and move.
import { DurableObject } from "cloudflare:workers";
import {
  answerAccountMode,
  revokeSession,
  sessionOf,
  sha256Hex,
  usersByName,
  type AccountRequest,
  type Device,
  type Revocation,
  type Session,
} from "../accounts";
import { isChatId, type ChatEvent, type Member, type Origin, type PushItem } from "../chat";
import { ApiError, chatNotFound, errorFrame, logErrorAnswer, toErrorBody, unauthorized, unwrap, type Result } from "../contract/errors";
import { parseFrame, reply } from "../contract/frames";
import {
  ANONYMOUS_MODES,
  MAX_CHATS_PAGE,
  type ErrorFrame,
  type Mode,
  type RequestFrame,
  type ResponseOf,
  type SessionEndReason,
  type TypingPush,
  type User,
} from "../contract/protocol";
import { signedPaths } from "../files";
import { Clock } from "../platform/clock";
import { config } from "../platform/config";
import { migrate } from "../platform/object-sql";
import { manageAccount } from "./account";
import { Alarm } from "./alarm";
import { Blocks } from "./blocks";
import { ChatList } from "./chat-list";
import { Deletion, type Leaving } from "./deletion";
import { LargeGroups } from "./large-groups";
import { endSessionsOf } from "./end-sessions";
import type { Answer, Caller } from "./requests";
import { RevokedSessions } from "./revoked";
import { USER_SCHEMA } from "./schema";
import { SendLimits } from "./send-limits";
import { SessionWatch } from "./sessions";
import { Sockets, closeBack, send } from "./sockets";
import { UpdateLog } from "./update-log";

export class UserObject extends DurableObject<Env> {
  /** The time the object's rules go by; tests stop and move it (runInDurableObject). */
  readonly clock = new Clock();
  private sockets: Sockets;
  private alarms: Alarm;
  private sessions: SessionWatch;
  private limits: SendLimits;
  private deletion: Deletion;
  // Not there once a deleted account's storage is wiped (deletion.wiped).
  private chats!: ChatList;
  private log!: UpdateLog;
  private large!: LargeGroups;
  private revoked!: RevokedSessions;
  private blocks!: Blocks;
  private chatStubs = new Map<string, ReturnType<Env["CHATS"]["get"]>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sockets = new Sockets(ctx);
    this.alarms = new Alarm(ctx.storage);
    this.sessions = new SessionWatch(ctx, env, this.sockets, this.alarms, this.clock);
    this.limits = new SendLimits(ctx.storage, config(env), this.clock);
    this.deletion = new Deletion(ctx.storage, env, this.alarms, this.clock);
    void ctx.blockConcurrencyWhile(async () => {
      await this.alarms.load();
      // A deleted account's object keeps nothing: not even empty tables are made again.
      if (this.deletion.wiped) return;
      migrate(ctx.storage.sql, USER_SCHEMA);
      this.chats = new ChatList(ctx.storage.sql);
      this.large = new LargeGroups(this.chats, (chatId) => this.chat(chatId), (p) => ctx.waitUntil(p));
      this.log = new UpdateLog(ctx.storage.sql);
      this.revoked = new RevokedSessions(ctx.storage.sql);
      this.blocks = new Blocks(ctx.storage.sql, env, this.clock);
    });
  }

  // ---- Sockets ----

  /** The Worker hands over an upgrade it has authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const { response, socket, session } = this.sockets.accept(request, (s) => this.ended(s) !== null);
    if (socket && session) {
      this.sessions.accepted(socket, session);
      // The first socket: the large groups push from now on, before the socket is usable.
      if (this.openSockets().length === 1) await this.large.connected(session.user);
    }
    return response;
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const started = Date.now();
    const info = this.sockets.info(ws);
    const parsed = parseFrame(data);
    if (!parsed.ok) {
      const frame = errorFrame(parsed.head.mode, parsed.head.requestId, parsed.error.body());
      send(ws, frame);
      return logErrorAnswer(frame, info.user.id, started);
    }
    const session: Session = { sessionId: info.sessionId, tokenHash: info.tokenHash, expiresAt: info.expiresAt, user: info.user };
    const ended = this.ended(session);
    if (ended) return this.sockets.endSessions(info.sessionId, null, ended);
    this.sessions.seen(session, ws);
    const answer = await this.answer(parsed.request, { session, ip: info.ip, device: info.device, socketId: info.socketId });
    send(ws, answer.frame);
    if ("error" in answer.frame) logErrorAnswer(answer.frame, info.user.id, started);
    if (answer.closeAfter) this.sockets.endAsking(ws, answer.closeAfter);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    closeBack(ws, code);
    this.socketGone(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.socketGone(ws);
  }

  /** Sessions that expire, and a deletion that could not finish at once. */
  override async alarm(): Promise<void> {
    this.alarms.rang();
    this.sessions.onAlarm();
    await this.deletion.onAlarm(this.deletion.wiped ? null : this.leaving());
  }

  // ---- RPC surface ----

  /** POST /api for a logged-in request: the same answers as on a socket, without pushes back. */
  async api(request: RequestFrame, session: Session, ip: string, device: Device): Promise<ResponseOf<Mode> | ErrorFrame> {
    if (this.ended(session))
      return errorFrame(request.mode, request.request_id, unauthorized("this session has ended; log in again").body());
    this.sessions.seen(session);
    return (await this.answer(request, { session, ip, device, socketId: "" })).frame;
  }

  /**
   * Sessions of this user were revoked: remembered until they expire, so that no socket of
   * theirs is accepted later, and their sockets get sessionRevoked and close 4001.
   */
  endSessions(sessions: Revocation["sessions"], exceptSocketId: string | null): void {
    // A deleted account has no sessions left to remember.
    if (this.deletion.deleted) return;
    this.revoked.add(sessions);
    for (const s of sessions) this.sockets.endSessions(s.sessionId, exceptSocketId);
  }

  /** A chat object delivers its events: each applied at most once, in the order given. */
  deliver(me: Member, events: ChatEvent[]): void {
    // A deleted account keeps nothing; the delivery counts as done.
    if (this.deletion.deleted) return;
    this.apply(me, events);
  }

  /** A large group's pushes: passed on to the sockets, not stored. False: no socket here (the group stops pushing). */
  pushLarge(chatId: string, items: PushItem[]): boolean {
    this.large.moved(chatId);
    return this.sockets.pass(items) > 0;
  }

  typing(chatId: string, username: string): void {
    if (this.deletion.deleted || this.blocks.blocks(username)) return;
    this.sockets.broadcast(JSON.stringify({ mode: "typing", timestamp: Date.now(), chat_id: chatId, username } satisfies TypingPush), null);
  }

  /** A large group's message changed that this user's log carries (from before the switch, or as the last message at joining): every frame of it is rewritten. */
  rewriteText(chatId: string, seq: number, message: string): void {
    if (!this.deletion.deleted) this.log.rewriteMessage(`${chatId}:${seq}`, seq, message, []);
  }

  /** Another user's object blocks (or unblocks) this user: kept here, where this user acts. */
  setBlockedBy(blocker: User, on: boolean): void {
    if (!this.deletion.deleted) this.blocks.setBlockedBy(blocker, on);
  }

  /** POST /upload (the Worker asks): refused when the chat is direct and its other member blocks this user. */
  mayUpload(me: User, chatId: string): Result<null> {
    try {
      this.blocks.refuseBlockers([this.chats.peerOf(me, chatId)]);
      return { ok: true, value: null };
    } catch (err) {
      return { ok: false, error: toErrorBody(err, "UserObject mayUpload") };
    }
  }

  // ---- Requests ----

  private async answer(r: RequestFrame, caller: Caller): Promise<Answer> {
    try {
      return await this.dispatch(r, caller);
    } catch (err) {
      return { frame: errorFrame(r.mode, r.request_id, toErrorBody(err, `UserObject ${r.mode}`)) };
    }
  }

  private async dispatch(r: RequestFrame, caller: Caller): Promise<Answer> {
    const me = caller.session.user;
    const id = r.request_id;
    const origin: Origin = { userId: me.id, socketId: caller.socketId };
    // Account modes take no session; logout names the session it ends.
    if (r.token !== undefined && !ANONYMOUS_MODES.has(r.mode) && r.mode !== "logout") await this.checkToken(r.token, caller);
    switch (r.mode) {
      case "logout":
        return this.logout(r.token, id, caller);
      case "getChats":
        await this.large.refresh(me);
        return { frame: reply(r.mode, id, 200, this.chats.page(me, r.limit ?? MAX_CHATS_PAGE, r.before)) };
      case "getMessages":
        return { frame: reply(r.mode, id, 200, unwrap(await this.chat(r.chat_id).getMessages(me.id, r))) };
      case "sendMessage":
      case "sendGroupMessage": {
        const ct = r.content_type;
        if (ct !== "text" && ct !== "image" && ct !== "file")
          throw new ApiError(400, "unsupported_content_type", `content_type "${ct.slice(0, 32)}" is not supported; use "text", "image" or "file"`);
        const type = r.mode === "sendMessage" ? "direct" : "group";
        // A chat the user is not in is answered first: asking about it counts for nothing.
        const stub = this.chat(r.chat_id);
        if (type === "direct") this.blocks.refuseBlockers([this.chats.peerOf(me, r.chat_id)]);
        this.limits.send();
        // The schema makes sure an image or file message has its attachment.
        const attachment = ct === "text" ? undefined : { content_type: ct as "image" | "file", file_id: r.attachment!.file_id };
        const { message, event } = unwrap(await stub.send(me, type, r.content, r.client_msg_id, origin, attachment));
        return { frame: reply(r.mode, id, 200, { message, ...this.applyOwn(me, event) }) };
      }
      case "createChat": {
        const other = (await usersByName(this.env, [r.username])).get(r.username.toLowerCase());
        if (!other) throw new ApiError(404, "user_not_found", `no user ${r.username}`);
        if (other.id === me.id) throw new ApiError(400, "invalid_request", "a direct chat needs another user", { username: "is you" });
        this.blocks.refuseBlockers([other.username]);
        const chatId = await directChatId(me.id, other.id);
        const { created, event } = unwrap(await this.newChat(chatId).openDirect(chatId, [me, other], origin));
        const pts = this.applyOne(me, event);
        return { frame: reply(r.mode, id, created ? 201 : 200, { chat: this.chats.view(me, chatId), pts }) };
      }
      case "createGroup": {
        this.limits.groupChange();
        const others = await this.resolve(r.members.filter((n) => n.toLowerCase() !== me.username.toLowerCase()), "members");
        this.blocks.refuseBlockers(others.map((u) => u.username));
        const chatId = `g_${crypto.randomUUID()}`;
        const event = unwrap(await this.newChat(chatId).createGroup(chatId, r.title, me, others, origin));
        const pts = this.applyOne(me, event);
        return { frame: reply(r.mode, id, 201, { chat: this.chats.view(me, chatId), pts }) };
      }
      case "addMembers": {
        const stub = this.chat(r.chat_id);
        this.limits.groupChange();
        const users = await this.resolve(r.members, "members");
        this.blocks.refuseBlockers(users.map((u) => u.username));
        const event = unwrap(await stub.addMembers(me.id, users, origin));
        const applied = event ? this.applyOwn(me, event) : {};
        return { frame: reply(r.mode, id, 200, { chat: this.chats.view(me, r.chat_id), ...applied }) };
      }
      case "removeMember": {
        const [target] = await this.resolve([r.username], "username");
        const event = unwrap(await this.chat(r.chat_id).removeMember(me.id, target!, origin));
        const applied = this.applyOwn(me, event);
        return { frame: reply(r.mode, id, 200, { chat: this.chats.view(me, r.chat_id), ...applied }) };
      }
      case "leaveChat": {
        const event = unwrap(await this.chat(r.chat_id).leave(me.id, origin));
        return { frame: reply(r.mode, id, 200, { chat_id: r.chat_id, pts: this.applyOne(me, event) }) };
      }
      case "markRead": {
        const res = unwrap(await this.chat(r.chat_id).markRead(me.id, r.seq, origin));
        const pts = res.event ? this.applyOne(me, res.event) : undefined;
        const lastSeq = Math.max(res.last_seq, this.chats.row(r.chat_id)?.last_seq ?? 0);
        return {
          frame: reply(r.mode, id, 200, {
            chat_id: r.chat_id,
            last_read_seq: res.last_read_seq,
            unread: Math.max(0, lastSeq - res.last_read_seq),
            ...(pts && { pts }),
          }),
        };
      }
      case "typing":
        unwrap(await this.chat(r.chat_id).typing(me.id));
        return { frame: reply(r.mode, id, 200, {}) };
      case "editMessage":
      case "deleteMessage": {
        const stub = this.chat(r.chat_id);
        if (r.mode === "editMessage") {
          this.blocks.refuseBlockers([this.chats.peerOf(me, r.chat_id)]);
          this.limits.send();
        }
        const res = unwrap(await (r.mode === "editMessage" ? stub.edit(me.id, r.seq, r.content, origin) : stub.remove(me.id, r.seq, origin)));
        return { frame: reply(r.mode, id, 200, { message: res.message, ...this.applyOwn(me, res.event) }) };
      }
      case "sync":
        return { frame: reply("sync", id, 200, this.log.page(r.since, r.limit ?? 100)) };
      case "getChatUpdates":
        return { frame: reply(r.mode, id, 200, unwrap(await this.chat(r.chat_id).updates(me.id, r.since_ev, r.limit ?? 100))) };
      case "getMembers":
        return { frame: reply(r.mode, id, 200, unwrap(await this.chat(r.chat_id).memberPage(me.id, r.after, r.limit ?? 200))) };
      case "getFileUrls": {
        const readable = unwrap(await this.chat(r.chat_id).readableFiles(me.id, r.file_ids));
        return { frame: reply(r.mode, id, 200, { urls: await signedPaths(this.env, readable) }) };
      }
      case "getSessions":
      case "revokeSession":
      case "changePassword":
      case "deleteAccount":
        return manageAccount(r, caller, {
          env: this.env,
          clock: this.clock,
          sockets: this.sockets,
          deletion: this.deletion,
          endSessions: (sessions, except) => this.endSessions(sessions, except),
          leaving: () => this.leaving(),
        });
      case "blockUser":
        await this.blocks.block(me, r.username);
        return { frame: reply(r.mode, id, 200, {}) };
      case "unblockUser":
        await this.blocks.unblock(me, r.username);
        return { frame: reply(r.mode, id, 200, {}) };
      case "getBlocked":
        return { frame: reply(r.mode, id, 200, { users: this.blocks.list() }) };
      case "register":
      case "auth":
      case "recovery":
      case "resetPassword":
      case "ping":
        return this.accountMode(r, caller);
      default:
        return r satisfies never;
    }
  }

  private async accountMode(r: AccountRequest, caller: Caller): Promise<Answer> {
    const defer = (p: Promise<unknown>) => this.ctx.waitUntil(p);
    const { frame, revoked } = await answerAccountMode(this.env, r, caller.ip, defer, caller.device);
    if (!revoked) return { frame };
    if (revoked.userId !== caller.session.user.id) {
      await endSessionsOf(this.env, revoked, defer);
      return { frame };
    }
    this.endSessions(revoked.sessions, caller.socketId);
    return { frame, ...(revoked.sessions.some((s) => s.sessionId === caller.session.sessionId) && { closeAfter: "quietly" as const }) };
  }

  private async logout(token: string | undefined, requestId: string | undefined, caller: Caller): Promise<Answer> {
    let session = caller.session;
    if (token !== undefined && (await sha256Hex(token)) !== caller.session.tokenHash) {
      const s = await sessionOf(this.env, token);
      if (!s || s.user.id !== caller.session.user.id) throw unauthorized("this token is not a valid session of this user");
      session = s;
    }
    await revokeSession(this.env, session.user.id, session.sessionId);
    this.endSessions([{ sessionId: session.sessionId, expiresAt: session.expiresAt }], caller.socketId);
    return { frame: reply("logout", requestId, 200, {}), ...(session.sessionId === caller.session.sessionId && { closeAfter: "quietly" as const }) };
  }

  /** A token in a frame on a logged-in socket must be a valid token of this same user. */
  private async checkToken(token: string, caller: Caller): Promise<void> {
    if ((await sha256Hex(token)) === caller.session.tokenHash) return;
    const s = await sessionOf(this.env, token);
    if (!s || s.user.id !== caller.session.user.id) throw unauthorized("this token is not a valid session of the logged-in user");
  }

  /** What deleting the account needs while the user still has chats. */
  private leaving(): Leaving {
    return { chats: this.chats, blocks: this.blocks, chat: (chatId) => this.chat(chatId) };
  }

  // ---- Applying chat events ----

  /** Applies one chat event (from a request's answer); returns its pts. */
  private applyOne(me: Member, e: ChatEvent): number {
    return this.apply(me, [e])[0]!;
  }

  /** The requester's own change: its pts in their log, or, for a large group's event, its ev. */
  private applyOwn(me: Member, e: ChatEvent): { pts: number } | { ev: number } {
    return e.large ? this.large.own(me, e) : { pts: this.applyOne(me, e) };
  }

  private apply(me: Member, events: ChatEvent[]): number[] {
    const { out, frames } = this.log.apply(me, events, this.chats, (chatId) => {
      this.chatStubs.delete(chatId);
      this.large.left(chatId);
    });
    // Logged first, then pushed: a push is always in the log that sync replays.
    for (const f of frames) this.sockets.broadcast(f.frame, f.except);
    // A large group we just joined, or one we are in that just became large, pushes to us
    // while we have a socket.
    const online = this.openSockets().length > 0;
    const fresh = new Set(frames.map((f) => f.pts));
    events.forEach((e, i) => {
      if (e.kind === "chat" && e.chat.large && fresh.has(out[i]!)) this.large.joined(me, e.chat_id, e.chat.ev ?? e.ev, online);
    });
    return out;
  }

  private openSockets(except?: WebSocket): WebSocket[] {
    const gone = except && this.sockets.info(except).socketId;
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN && this.sockets.info(ws).socketId !== gone);
  }

  /** A socket closed: if it was the last, the large groups stop pushing here. */
  private socketGone(ws: WebSocket): void {
    // A deleted account's object has no chat list and no large groups to tell (its storage
    // may be wiped already while its last sockets close).
    if (this.deletion.deleted || !this.large) return;
    if (!this.openSockets(ws).length) this.large.disconnected(this.sockets.info(ws).user);
  }

  // ---- Helpers ----

  /** Why a session gets nothing more here (its account is deleted, it expired or was revoked), or null. */
  private ended(session: Session): SessionEndReason | null {
    if (this.deletion.deleted) return "deleted";
    if (this.sessions.expired(session)) return "expired";
    return this.revoked.has(session.sessionId) ? "revoked" : null;
  }

  /**
   * A chat the user is in. Their chat list knows which: a chat that is not in it (no such
   * chat, not a member, or added a moment ago and not yet told) is answered here without
   * waking a chat object, so asking about ids creates nothing anywhere.
   */
  private chat(chatId: string) {
    if (!this.chats.row(chatId)) throw chatNotFound(chatId);
    return this.newChat(chatId);
  }

  /** A chat by id, whether or not the user is in it yet: for creating one. */
  private newChat(chatId: string) {
    // An id this service never hands out names no chat: answered without waking an object.
    if (!isChatId(chatId)) throw chatNotFound(chatId);
    let stub = this.chatStubs.get(chatId);
    if (!stub) {
      stub = this.env.CHATS.get(this.env.CHATS.idFromName(chatId));
      this.chatStubs.set(chatId, stub);
    }
    return stub;
  }

  /** Users by name, in order and without repeats; 404 naming the unknown ones under `field`. */
  private async resolve(names: string[], field: string): Promise<User[]> {
    const found = await usersByName(this.env, names);
    const missing = [...new Set(names.filter((n) => !found.has(n.toLowerCase())))].slice(0, 10).join(", ");
    if (missing) throw new ApiError(404, "user_not_found", `no such user: ${missing}`, { [field]: `unknown: ${missing}` });
    return [...new Map(names.map((n) => [n.toLowerCase(), found.get(n.toLowerCase())!])).values()];
  }
}

/** The one direct chat of a pair: the same id whoever starts it. */
async function directChatId(a: string, b: string): Promise<string> {
  return `d_${(await sha256Hex([a, b].sort().join(":"))).slice(0, 32)}`;
}
