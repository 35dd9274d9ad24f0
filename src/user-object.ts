// UserObject: one user. It holds the user's sockets (Hibernation API: an idle user costs
// nothing), answers their requests, keeps their chat list with unread counts, and their
// update log: every push gets the next `pts`, is stored, then sent to every socket but the
// one whose request caused it. Called by the Worker (sockets, POST /api) and by the
// chat objects (deliver, typing).
import { DurableObject } from "cloudflare:workers";
import { answerAccountMode, type AccountRequest } from "./account-modes";
import { revokeSession, sessionOf, usersByName, type Session } from "./accounts";
import type { ChatEvent, ChatInfo, Member, Origin } from "./chat-events";
import { isChatId } from "./chat-events";
import type { ChatObject } from "./chat-object";
import { sha256Hex } from "./crypto";
import { migrate } from "./do-sql";
import { ApiError, chatNotFound, errorFrame, toErrorBody, unauthorized, unwrap } from "./errors";
import { parseFrame, reply } from "./frames";
import {
  ANONYMOUS_MODES,
  CLOSE_REVOKED,
  MAX_GROUP_MEMBERS,
  type Chat,
  type ErrorFrame,
  type Mode,
  type RequestFrame,
  type ResponseOf,
  type SessionRevokedPush,
  type TypingPush,
  type User,
} from "./protocol";

const SCHEMA = [
  `CREATE TABLE chats (chat_id TEXT PRIMARY KEY, type TEXT NOT NULL, title TEXT NOT NULL, members TEXT NOT NULL,
     owner TEXT, last_message TEXT, last_seq INTEGER NOT NULL, last_read_seq INTEGER NOT NULL, updated_at INTEGER NOT NULL);
   CREATE INDEX chats_by_activity ON chats (updated_at DESC);
   CREATE TABLE log (pts INTEGER PRIMARY KEY, ekey TEXT NOT NULL UNIQUE, frame TEXT NOT NULL);`,
];

/** Kept with each socket (survives hibernation). */
interface Attachment {
  socketId: string;
  user: User;
  sessionId: string;
  tokenHash: string;
  expiresAt: number;
  ip: string;
}

interface ChatRow extends Record<string, SqlStorageValue> {
  chat_id: string;
  type: string;
  title: string;
  members: string;
  owner: string | null;
  last_message: string | null;
  last_seq: number;
  last_read_seq: number;
  updated_at: number;
}

/** Who is asking, and from where. */
interface Caller {
  session: Session;
  ip: string;
  /** Empty for POST /api, which has no socket to spare. */
  socketId: string;
}

interface Answer {
  frame: ResponseOf<Mode> | ErrorFrame;
  /** Close the asking socket with 4001 once the answer is sent (its session just ended). */
  closeAfter?: boolean;
}

export const CONNECT_SESSION_HEADER = "X-Chat-Session";
export const CONNECT_IP_HEADER = "X-Chat-Client-Ip";
export const CONNECT_PROTOCOL_HEADER = "X-Chat-Protocol";

export class UserObject extends DurableObject<Env> {
  private sql: SqlStorage;
  private pts = 0;
  private attachments = new WeakMap<WebSocket, Attachment>();
  private chatStubs = new Map<string, DurableObjectStub<ChatObject>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql, SCHEMA);
      this.pts = this.sql.exec<{ p: number | null }>("SELECT MAX(pts) AS p FROM log").one().p ?? 0;
    });
    // The contract's exact ping text is answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"mode":"ping"}', '{"mode":"pong"}'));
  }

  // ---- Sockets ----

  /** The Worker hands over an upgrade it has authenticated; the session rides in a header. */
  override async fetch(request: Request): Promise<Response> {
    const session = JSON.parse(request.headers.get(CONNECT_SESSION_HEADER) ?? "null") as Session | null;
    if (request.headers.get("Upgrade") !== "websocket" || !session) return new Response("expected a WebSocket upgrade", { status: 400 });
    const pair = new WebSocketPair();
    const att: Attachment = {
      socketId: crypto.randomUUID(),
      user: session.user,
      sessionId: session.sessionId,
      tokenHash: session.tokenHash,
      expiresAt: session.expiresAt,
      ip: request.headers.get(CONNECT_IP_HEADER) ?? "unknown",
    };
    this.ctx.acceptWebSocket(pair[1], [session.sessionId]);
    pair[1].serializeAttachment(att);
    this.attachments.set(pair[1], att);
    const protocol = request.headers.get(CONNECT_PROTOCOL_HEADER);
    return new Response(null, { status: 101, webSocket: pair[0], headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {} });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const att = this.attachment(ws);
    const parsed = parseFrame(data);
    if (!parsed.ok) return send(ws, errorFrame(parsed.head.mode, parsed.head.requestId, parsed.error.body()));
    if (att.expiresAt <= Date.now()) return this.endSessions(att.sessionId, null);
    const session: Session = { sessionId: att.sessionId, tokenHash: att.tokenHash, expiresAt: att.expiresAt, user: att.user };
    const caller: Caller = { session, ip: att.ip, socketId: att.socketId };
    const answer = await this.answer(parsed.request, caller);
    send(ws, answer.frame);
    if (answer.closeAfter) ws.close(CLOSE_REVOKED, "session revoked");
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // Completes the closing handshake; 1005/1006 cannot be sent back.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // already closed
    }
  }

  /** POST /api for a logged-in request: the same answers as on a socket, without pushes back. */
  async api(request: RequestFrame, session: Session, ip: string): Promise<ResponseOf<Mode> | ErrorFrame> {
    return (await this.answer(request, { session, ip, socketId: "" })).frame;
  }

  /** Ends one session's sockets (or every socket of the user): a sessionRevoked push, then close 4001. */
  endSessions(sessionId: string | null, exceptSocketId: string | null): void {
    const frame = JSON.stringify({ mode: "sessionRevoked", timestamp: Date.now() } satisfies SessionRevokedPush);
    for (const ws of sessionId ? this.ctx.getWebSockets(sessionId) : this.ctx.getWebSockets()) {
      if (this.attachment(ws).socketId === exceptSocketId) continue;
      try {
        ws.send(frame);
        ws.close(CLOSE_REVOKED, "session revoked");
      } catch {
        // already gone
      }
    }
  }

  // ---- From chat objects ----

  /** Applies a chat's events, each at most once, in the order given. */
  deliver(me: Member, events: ChatEvent[]): void {
    this.applyAll(me, events);
  }

  typing(chatId: string, username: string): void {
    this.broadcast(JSON.stringify({ mode: "typing", timestamp: Date.now(), chat_id: chatId, username } satisfies TypingPush), null);
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
      case "getChats": {
        const rows = this.sql.exec<ChatRow>("SELECT * FROM chats ORDER BY updated_at DESC, chat_id").toArray();
        return { frame: reply(r.mode, id, 200, { chats: rows.map((row) => render(me, row)) }) };
      }
      case "getMessages":
        return { frame: reply(r.mode, id, 200, unwrap(await this.chat(r.chat_id).getMessages(me.id, r))) };
      case "sendMessage":
      case "sendGroupMessage": {
        if (r.content_type !== "text")
          throw new ApiError(400, "unsupported_content_type", `content_type "${r.content_type.slice(0, 32)}" is not supported; use "text"`);
        const type = r.mode === "sendMessage" ? "direct" : "group";
        const { message, event } = unwrap(await this.chat(r.chat_id).send(me, type, r.content, r.client_msg_id, origin));
        return { frame: reply(r.mode, id, 200, { message, pts: this.apply(me, event) }) };
      }
      case "createChat": {
        const other = (await usersByName(this.env, [r.username])).get(r.username.toLowerCase());
        if (!other) throw new ApiError(404, "user_not_found", `no user ${r.username}`);
        if (other.id === me.id) throw new ApiError(400, "invalid_request", "a direct chat needs another user", { username: "is you" });
        const chatId = await directChatId(me.id, other.id);
        const { created, event } = unwrap(await this.chat(chatId).openDirect(chatId, [me, other], origin));
        const pts = this.apply(me, event);
        return { frame: reply(r.mode, id, created ? 201 : 200, { chat: this.chatView(me, chatId), pts }) };
      }
      case "createGroup": {
        const others = await this.resolve(r.members.filter((n) => n.toLowerCase() !== me.username.toLowerCase()), "members");
        if (others.length + 1 > MAX_GROUP_MEMBERS)
          throw new ApiError(400, "invalid_request", `a group has at most ${MAX_GROUP_MEMBERS} members`, { members: `at most ${MAX_GROUP_MEMBERS - 1} besides you` });
        const chatId = `g_${crypto.randomUUID()}`;
        const event = unwrap(await this.chat(chatId).createGroup(chatId, r.title, me, others, origin));
        const pts = this.apply(me, event);
        return { frame: reply(r.mode, id, 201, { chat: this.chatView(me, chatId), pts }) };
      }
      case "addMembers": {
        const users = await this.resolve(r.members, "members");
        const event = unwrap(await this.chat(r.chat_id).addMembers(me.id, users, origin));
        const pts = event ? this.apply(me, event) : undefined;
        return { frame: reply(r.mode, id, 200, { chat: this.chatView(me, r.chat_id), ...(pts && { pts }) }) };
      }
      case "removeMember": {
        const [target] = await this.resolve([r.username], "username");
        const event = unwrap(await this.chat(r.chat_id).removeMember(me.id, target!, origin));
        const pts = this.apply(me, event);
        return { frame: reply(r.mode, id, 200, { chat: this.chatView(me, r.chat_id), pts }) };
      }
      case "leaveChat": {
        const event = unwrap(await this.chat(r.chat_id).leave(me.id, origin));
        return { frame: reply(r.mode, id, 200, { chat_id: r.chat_id, pts: this.apply(me, event) }) };
      }
      case "markRead": {
        const res = unwrap(await this.chat(r.chat_id).markRead(me.id, r.seq, origin));
        const pts = res.event ? this.apply(me, res.event) : undefined;
        const row = this.row(r.chat_id);
        const lastSeq = Math.max(res.last_seq, row?.last_seq ?? 0);
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
        const res = unwrap(await (r.mode === "editMessage" ? stub.edit(me.id, r.seq, r.content, origin) : stub.remove(me.id, r.seq, origin)));
        return { frame: reply(r.mode, id, 200, { message: res.message, pts: this.apply(me, res.event) }) };
      }
      case "sync":
        return { frame: this.sync(r.since, r.limit ?? 100, id) };
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
    const { frame, revoked } = await answerAccountMode(this.env, r, caller.ip, (p) => this.ctx.waitUntil(p));
    if (!revoked) return { frame };
    if (revoked.id !== caller.session.user.id) {
      await this.env.USERS.get(this.env.USERS.idFromName(revoked.id)).endSessions(null, null);
      return { frame };
    }
    this.endSessions(null, caller.socketId);
    return { frame, closeAfter: true };
  }

  private async logout(token: string | undefined, requestId: string | undefined, caller: Caller): Promise<Answer> {
    let sessionId = caller.session.sessionId;
    if (token !== undefined && (await sha256Hex(token)) !== caller.session.tokenHash) {
      const s = await sessionOf(this.env, token);
      if (!s || s.user.id !== caller.session.user.id) throw unauthorized("this token is not a valid session of this user");
      sessionId = s.sessionId;
    }
    await revokeSession(this.env, sessionId);
    this.endSessions(sessionId, caller.socketId);
    return { frame: reply("logout", requestId, 200, {}), closeAfter: sessionId === caller.session.sessionId };
  }

  /** A token in a frame on a logged-in socket must be a valid token of this same user. */
  private async checkToken(token: string, caller: Caller): Promise<void> {
    if ((await sha256Hex(token)) === caller.session.tokenHash) return;
    const s = await sessionOf(this.env, token);
    if (!s || s.user.id !== caller.session.user.id) throw unauthorized("this token is not a valid session of the logged-in user");
  }

  private sync(since: number, limit: number, requestId: string | undefined): ResponseOf<"sync"> {
    const rows = this.sql.exec<{ pts: number; frame: string }>("SELECT pts, frame FROM log WHERE pts > ? ORDER BY pts LIMIT ?", since, limit + 1).toArray();
    const page = rows.slice(0, limit);
    return reply("sync", requestId, 200, {
      updates: page.map((r) => JSON.parse(r.frame)),
      pts: page.at(-1)?.pts ?? this.pts,
      has_more: rows.length > limit,
    });
  }

  // ---- The update log ----

  /** Applies one chat event (from a request's answer); returns its pts. */
  private apply(me: Member, e: ChatEvent): number {
    return this.applyAll(me, [e])[0]!;
  }

  /**
   * Applies chat events: updates the chat list, logs each push with the next pts, then sends
   * them. An event whose key (chat_id:ev) is in the log already is skipped and keeps its
   * first pts. Synchronous from lookup to send, so two deliveries of one event cannot both
   * pass the check. A batch costs one lookup, one log insert and one chat-list update per
   * run of messages, however many events it carries.
   */
  private applyAll(me: Member, events: ChatEvent[]): number[] {
    const keys = events.map((e) => `${e.chat_id}:${e.ev}`);
    const known = this.logged(keys);
    const rows: Array<{ pts: number; key: string; frame: string; except: string | null }> = [];
    // Messages are folded per chat and written once, before anything else touches that chat.
    const folded = new Map<string, { seq: number; message: string; at: number; own: number }>();
    const flush = (chatId: string) => {
      const f = folded.get(chatId);
      if (!f) return;
      folded.delete(chatId);
      // SET expressions see the old row: a message delivered after a later one (your own
      // send is applied from the answer) does not become the last message.
      this.sql.exec(
        `UPDATE chats SET last_message = CASE WHEN ?1 >= last_seq THEN ?2 ELSE last_message END,
           last_seq = MAX(last_seq, ?1), updated_at = MAX(updated_at, ?3), last_read_seq = MAX(last_read_seq, ?4) WHERE chat_id = ?5`,
        f.seq, f.message, f.at, f.own, chatId,
      );
    };
    const out = events.map((e, i) => {
      const key = keys[i]!;
      const seen = known.get(key);
      if (seen !== undefined) return seen;
      const pts = this.pts + 1;
      if (e.kind !== "newMessage") flush(e.chat_id);
      const head = `{"mode":"${e.kind === "chat" ? (this.row(e.chat_id) ? "chatUpdated" : "chatCreated") : e.kind}","timestamp":${Date.now()},"pts":${pts}`;
      let frame: string;
      switch (e.kind) {
        case "newMessage": {
          const f = folded.get(e.chat_id);
          const own = e.sender === me.username ? e.seq : 0;
          if (!f) folded.set(e.chat_id, { seq: e.seq, message: e.message, at: e.timestamp, own });
          else {
            if (e.seq > f.seq) (f.seq = e.seq), (f.message = e.message);
            f.at = Math.max(f.at, e.timestamp);
            f.own = Math.max(f.own, own);
          }
          frame = `${head},"message":${e.message}}`;
          break;
        }
        case "messageEdited":
        case "messageDeleted":
          this.sql.exec("UPDATE chats SET last_message = ? WHERE chat_id = ? AND last_seq = ?", e.message, e.chat_id, e.seq);
          frame = `${head},"message":${e.message}}`;
          break;
        case "chat":
          this.upsertChat(e.chat_id, e.chat, e.timestamp);
          frame = `${head},"chat":${JSON.stringify(render(me, this.row(e.chat_id)!))}}`;
          break;
        case "removedFromChat":
          this.sql.exec("DELETE FROM chats WHERE chat_id = ?", e.chat_id);
          this.chatStubs.delete(e.chat_id);
          frame = `${head},"chat_id":${JSON.stringify(e.chat_id)}}`;
          break;
        case "readReceipt":
          if (e.username === me.username)
            this.sql.exec("UPDATE chats SET last_read_seq = MAX(last_read_seq, ?) WHERE chat_id = ?", e.seq, e.chat_id);
          frame = `${head},"chat_id":${JSON.stringify(e.chat_id)},"username":${JSON.stringify(e.username)},"seq":${e.seq}}`;
          break;
        default:
          return e satisfies never;
      }
      this.pts = pts;
      known.set(key, pts);
      rows.push({ pts, key, frame, except: e.origin?.userId === me.id ? e.origin.socketId : null });
      return pts;
    });
    for (const chatId of [...folded.keys()]) flush(chatId);
    if (rows.length === 1) this.sql.exec("INSERT INTO log (pts, ekey, frame) VALUES (?, ?, ?)", rows[0]!.pts, rows[0]!.key, rows[0]!.frame);
    else if (rows.length)
      this.sql.exec(
        "INSERT INTO log (pts, ekey, frame) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)",
        JSON.stringify(rows.map((r) => [r.pts, r.key, r.frame])),
      );
    // Logged first, then pushed: a push is always in the log that sync replays.
    for (const r of rows) this.broadcast(r.frame, r.except);
    return out;
  }

  /** The pts of those event keys that are in the log already. */
  private logged(keys: string[]): Map<string, number> {
    const rows =
      keys.length === 1
        ? this.sql.exec<{ ekey: string; pts: number }>("SELECT ekey, pts FROM log WHERE ekey = ?", keys[0]!)
        : this.sql.exec<{ ekey: string; pts: number }>("SELECT ekey, pts FROM log WHERE ekey IN (SELECT value FROM json_each(?))", JSON.stringify(keys));
    return new Map(rows.toArray().map((r) => [r.ekey, r.pts]));
  }

  private upsertChat(chatId: string, c: ChatInfo, at: number): void {
    const members = JSON.stringify(c.members);
    if (this.row(chatId)) {
      this.sql.exec("UPDATE chats SET title = ?, members = ?, owner = ? WHERE chat_id = ?", c.title, members, c.owner ?? null, chatId);
      return;
    }
    // A member who joins starts with everything before read.
    this.sql.exec(
      "INSERT INTO chats (chat_id, type, title, members, owner, last_message, last_seq, last_read_seq, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      chatId, c.type, c.title, members, c.owner ?? null, c.last_message, c.last_seq, c.last_seq, at,
    );
  }

  private broadcast(frame: string, exceptSocketId: string | null): void {
    for (const ws of this.ctx.getWebSockets()) {
      if (exceptSocketId !== null && this.attachment(ws).socketId === exceptSocketId) continue;
      try {
        ws.send(frame);
      } catch {
        // A socket that is closing; its client resumes with sync.
      }
    }
  }

  // ---- Helpers ----

  private row(chatId: string): ChatRow | undefined {
    return this.sql.exec<ChatRow>("SELECT * FROM chats WHERE chat_id = ?", chatId).toArray()[0];
  }

  private chatView(me: User, chatId: string): Chat {
    const row = this.row(chatId);
    if (!row) throw chatNotFound(chatId);
    return render(me, row);
  }

  private chat(chatId: string): DurableObjectStub<ChatObject> {
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

  private attachment(ws: WebSocket): Attachment {
    let att = this.attachments.get(ws);
    if (!att) {
      att = ws.deserializeAttachment() as Attachment;
      this.attachments.set(ws, att);
    }
    return att;
  }

}

function send(ws: WebSocket, frame: object): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The socket closed while we worked; nothing was lost that sync cannot replay.
  }
}

function render(me: User, row: ChatRow): Chat {
  const members = JSON.parse(row.members) as string[];
  return {
    chat_id: row.chat_id,
    type: row.type as Chat["type"],
    title: row.type === "direct" ? (members.find((m) => m !== me.username) ?? me.username) : row.title,
    members,
    ...(row.owner !== null && { owner: row.owner }),
    last_message: row.last_message === null ? null : JSON.parse(row.last_message),
    unread: Math.max(0, row.last_seq - row.last_read_seq),
    last_read_seq: row.last_read_seq,
    updated_at: row.updated_at,
  };
}

/** The one direct chat of a pair: the same id whoever starts it. */
async function directChatId(a: string, b: string): Promise<string> {
  return `d_${(await sha256Hex([a, b].sort().join(":"))).slice(0, 32)}`;
}
