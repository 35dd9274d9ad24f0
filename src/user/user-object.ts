// UserObject: one user. It answers the user's requests, from their sockets and POST /api,
// and is told by chat objects what happened in the user's chats.
//
//   UserObject
//   ├── sockets      (sockets.ts)     the user's sockets, hibernatable; push to all, end a session's
//   ├── sessions     (sessions.ts)    last seen, and ending a socket when its session expires (the alarm)
//   ├── revoked      (revoked.ts)     sessions revoked before their expiry: no socket, frame or request of theirs
//   ├── requests     (requests/)      a handler per mode, by area, in one table (requests/table.ts)
//   ├── inbox        (inbox.ts)       the receiving side: deliveries, live pushes, typing, the requester's own change
//   │   ├── update log (update-log.ts) every push gets the next pts, is stored, then sent; sync replays it
//   │   └── chat list  (chat-list.ts)  the chats the user is in, last message, unread (chat-view.ts, fold.ts)
//   ├── large groups (large-groups.ts) told when the user comes and goes online; their state read for the list
//   ├── chat calls   (chat-calls.ts)  stubs of the user's chats, made again after a call threw
//   ├── account      (requests/account.ts, deletion.ts) devices, password change, deletion
//   ├── search       (search.ts)      searchMessages: its own index, and its large groups asked
//   ├── blocks       (blocks.ts)      whom the user blocks, and who blocks them
//   ├── privacy      (privacy.ts)     who may add the user to groups, the most groups, being added counted
//   └── limits       (send-limits.ts) sends and edits, group changes
//
// Its RPC surface: `api` (POST /api), `endSessions` (the Worker, after a reset or a login
// past the cap), `setBlockedBy` and `admitToGroup` (another user's object), `mayUpload` (the Worker's POST /upload), and what it offers chat objects
// (`MemberInbox`, contract/objects.ts): `deliver`, `pushLarge`, `typing`, `rewriteText`. It knows chat
// objects only by their RPC methods and the events they deliver (chat/events.ts). Its rules
// about time read `clock`, which a test can stop and move.
import { DurableObject } from "cloudflare:workers";
import type { Device, Revocation, Session } from "../accounts";
import type { ChatEvent, Member, PushItem } from "../chat";
import { errorFrame, logErrorAnswer, toErrorBody, unauthorized, type Result } from "../contract/errors";
import { parseFrame } from "../contract/frames";
import type { MemberInbox } from "../contract/objects";
import {
  ANONYMOUS_MODES,
  type ErrorFrame,
  type Mode,
  type RequestFrame,
  type ResponseOf,
  type SessionEndReason,
  type User,
} from "../contract/protocol";
import { Alarms } from "../platform/alarms";
import { Clock } from "../platform/clock";
import type { SearchIndex } from "../search";
import { config } from "../platform/config";
import { migrate } from "../platform/object-sql";
import { Blocks } from "./blocks";
import { ChatCalls } from "./chat-calls";
import { ChatList } from "./chat-list";
import { Deletion, type Leaving } from "./deletion";
import { Inbox } from "./inbox";
import { LargeGroups } from "./large-groups";
import { Privacy, type Admission } from "./privacy";
import { Pushes } from "./push/pushes";
import { checkToken } from "./requests/account";
import type { Answer, Caller, Handler, UserParts } from "./requests/context";
import { handlers } from "./requests/table";
import { RevokedSessions } from "./revoked";
import { UserSearch, searchIndex } from "./search";
import { USER_SCHEMA } from "./schema";
import { USER_SCHEMA_FRESH } from "./schema-fresh";
import { SendLimits } from "./send-limits";
import { SessionWatch } from "./sessions";
import { Sockets, closeBack, send } from "./sockets";
import { UpdateLog } from "./update-log";

/** The jobs that share the object's one alarm. */
type UserJob = "sessions" | "push" | "deletion" | "search";

export class UserObject extends DurableObject<Env> implements MemberInbox {
  /** The time the object's rules go by; tests stop and move it (runInDurableObject). */
  readonly clock = new Clock();
  /** For tests (through runInDurableObject): what the object holds, without their reading its tables. */
  readonly probe = {
    blockedBy: () => this.ctx.storage.sql.exec("SELECT user_id, username FROM blocked_by").toArray(),
    databaseSize: () => this.ctx.storage.sql.databaseSize,
    pushSessions: () => this.pushes.sessions(),
    /** What the object has read of its tables since it started (read when first needed). */
    loaded: () => ({ blocks: this.blocks.loaded, log: this.parts.log.loaded, search: this.index.loaded }),
    /** Texts stored and not in the search index yet (search/index.ts). */
    searchBacklog: () => this.index.backlog,
    /** The tables the object has made (some only when first used: USER_LAZY_TABLES). */
    tables: () =>
      this.ctx.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((r) => r.name),
  };
  private sockets: Sockets;
  private alarms: Alarms<UserJob>;
  private sessions: SessionWatch;
  private deletion: Deletion;
  private calls: ChatCalls;
  // Not there once a deleted account's storage is wiped (deletion.wiped).
  private parts!: UserParts;
  private chats!: ChatList;
  private inbox!: Inbox;
  private large!: LargeGroups;
  private revoked!: RevokedSessions;
  private blocks!: Blocks;
  private privacy!: Privacy;
  private pushes!: Pushes;
  private index!: SearchIndex;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const cfg = config(env);
    this.sockets = new Sockets(ctx, cfg.maxSocketsPerUser);
    this.alarms = new Alarms(ctx.storage, () => this.clock.now());
    this.sessions = new SessionWatch(ctx, env, this.sockets, this.alarms.of("sessions"), this.clock);
    this.deletion = new Deletion(ctx.storage, this.alarms.of("deletion"), () => this.alarms.stop(), this.clock);
    // In this order on every ring, as each job asks; a wiped object's alarm is stopped.
    this.alarms.register("sessions", () => this.sessions.onAlarm());
    this.alarms.register("push", () => {
      if (!this.deletion.deleted) this.pushes.onAlarm();
    });
    this.alarms.register("search", (now) => {
      if (!this.deletion.deleted) this.index.onAlarm(now);
    });
    this.alarms.register("deletion", () => this.deletion.onAlarm(this.deletion.wiped ? null : this.leaving()));
    this.calls = new ChatCalls(env, () => this.chats);
    const limits = new SendLimits(ctx.storage, cfg, this.clock);
    const defer = (p: Promise<unknown>) => ctx.waitUntil(p);
    void ctx.blockConcurrencyWhile(async () => {
      await this.alarms.load();
      // A deleted account's object keeps nothing: not even empty tables are made again.
      if (this.deletion.wiped) return;
      migrate(ctx.storage.sql, USER_SCHEMA, USER_SCHEMA_FRESH);
      this.chats = new ChatList(ctx.storage.sql);
      // A deleted account has nobody to push to, whatever sockets are still closing.
      this.large = new LargeGroups(this.chats, this.calls, () => !this.deletion.deleted && this.sockets.open().length > 0, defer);
      this.revoked = new RevokedSessions(ctx.storage.sql);
      this.blocks = new Blocks(ctx.storage.sql, env, this.clock);
      const index = searchIndex(ctx.storage.sql, this.alarms.of("search"), this.clock);
      this.index = index;
      this.pushes = new Pushes(ctx.storage.sql, cfg.push, this.chats, this.blocks, this.sockets, this.clock, this.alarms.of("push"), defer);
      const log = new UpdateLog(ctx.storage.sql, index, cfg.logKeepUpdates);
      this.inbox = new Inbox(log, this.chats, this.large, this.sockets, this.blocks, {
        left: (chatId) => {
          this.calls.forget(chatId);
          this.large.left(chatId);
        },
        addedToGroup: () => limits.added(),
        landed: (me, events) => this.pushes.landed(me, events),
      });
      this.privacy = new Privacy(ctx.storage, this.chats, limits, cfg);
      this.parts = {
        env,
        cfg,
        clock: this.clock,
        sockets: this.sockets,
        limits,
        deletion: this.deletion,
        chats: this.chats,
        log,
        inbox: this.inbox,
        privacy: this.privacy,
        large: this.large,
        blocks: this.blocks,
        pushes: this.pushes,
        calls: this.calls,
        search: new UserSearch(ctx.storage.sql, index, this.calls),
        defer,
        endSessions: (sessions, except) => this.endSessions(sessions, except),
        leaving: () => this.leaving(),
      };
    });
  }

  // ---- Sockets ----

  /** The Worker hands over an upgrade it has authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const { response, socket, session } = this.sockets.accept(request, (s) => this.ended(s) !== null);
    if (socket && session) {
      this.sessions.accepted(socket, session);
      // The first socket: a new run of being online. No large group is asked anything
      // before the socket answers; they are told in the background after (large-groups.ts).
      if (this.sockets.open().length === 1 && this.large) this.large.connected(session.user);
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
    const session: Session = {
      sessionId: info.sessionId,
      tokenHash: info.tokenHash,
      expiresAt: info.expiresAt,
      user: info.user,
    };
    const ended = this.ended(session);
    if (ended) return this.sockets.endSessions(info.sessionId, null, ended);
    this.sessions.seen(session, ws);
    const answer = await this.answer(parsed.request, {
      session,
      ip: info.ip,
      device: info.device,
      socketId: info.socketId,
    });
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

  /** Sessions that expire, pushes due, and a deletion that could not finish at once. */
  override async alarm(): Promise<void> {
    await this.alarms.run();
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
    this.pushes.end(sessions.map((s) => s.sessionId));
    for (const s of sessions) this.sockets.endSessions(s.sessionId, exceptSocketId);
  }

  // What chat objects call (MemberInbox). A deleted account keeps nothing: a delivery counts as done.
  deliver(me: Member, events: ChatEvent[]): void {
    if (!this.deletion.deleted) this.inbox.deliver(me, events);
  }

  pushLarge(chatId: string, items: PushItem[]): boolean {
    return !this.deletion.deleted && this.inbox.pushLarge(chatId, items);
  }

  typing(chatId: string, username: string): void {
    if (!this.deletion.deleted) this.inbox.typing(chatId, username);
  }

  async rewriteText(me: Member, chatId: string, seq: number, message: string): Promise<void> {
    if (!this.deletion.deleted) this.inbox.rewriteText(me, chatId, seq, message);
  }

  notify(me: Member, _chatId: string, message: string): void {
    if (!this.deletion.deleted) this.pushes.largeMessage(me, message);
  }

  /** Another user's object asks whether `adder` may put this user (`me`) into group `chatId` (privacy.ts). */
  async admitToGroup(me: User, adder: User, chatId: string): Promise<Admission> {
    // A deleted account's object keeps nothing; the chat's delivery to it is dropped anyway.
    return this.deletion.deleted ? { ok: true } : this.privacy.admit(me, adder, chatId);
  }

  /** Another user's object blocks (or unblocks) this user: kept here, where this user acts. */
  setBlockedBy(blocker: User, on: boolean): void {
    if (!this.deletion.deleted) this.blocks.setBlockedBy(blocker, on);
  }

  /** POST /upload (the Worker asks): refused when the chat is direct and its other member blocks this user. */
  mayUpload(me: User, chatId: string): Result<null> {
    try {
      this.blocks.refusePeer(() => this.chats.peerOf(me, chatId));
      return { ok: true, value: null };
    } catch (err) {
      return { ok: false, error: toErrorBody(err, "UserObject mayUpload") };
    }
  }

  // ---- Requests ----

  private async answer(r: RequestFrame, caller: Caller): Promise<Answer> {
    try {
      // Account modes take no session; logout names the session it ends.
      if (r.token !== undefined && !ANONYMOUS_MODES.has(r.mode) && r.mode !== "logout") await checkToken(this.env, r.token, caller);
      const me = caller.session.user;
      const handler = handlers[r.mode] as Handler<Mode>;
      return await handler(r, { ...this.parts, me, caller, origin: { userId: me.id, socketId: caller.socketId } });
    } catch (err) {
      return { frame: errorFrame(r.mode, r.request_id, toErrorBody(err, `UserObject ${r.mode}`)) };
    }
  }

  /** What deleting the account needs while the user still has chats. */
  private leaving(): Leaving {
    return { chats: this.chats, blocks: this.blocks, calls: this.calls };
  }

  // ---- Helpers ----

  /** The open sockets but `except` (one that is closing). */
  private openSockets(except: WebSocket): WebSocket[] {
    const gone = this.sockets.info(except).socketId;
    return this.sockets.open().filter((ws) => this.sockets.info(ws).socketId !== gone);
  }

  /** A socket closed: if it was the last, the large groups stop pushing here. */
  private socketGone(ws: WebSocket): void {
    // A deleted account's object has no chat list and no large groups to tell (its storage
    // may be wiped already while its last sockets close).
    if (this.deletion.deleted || !this.large) return;
    if (!this.openSockets(ws).length) this.large.disconnected(this.sockets.info(ws).user);
  }

  /** Why a session gets nothing more here (its account is deleted, it expired or was revoked), or null. */
  private ended(session: Session): SessionEndReason | null {
    if (this.deletion.deleted) return "deleted";
    if (this.sessions.expired(session)) return "expired";
    return this.revoked.has(session.sessionId) ? "revoked" : null;
  }
}
