// The chat client: typed requests over one WebSocket, correlated by request_id, and the
// user's pushes delivered in pts order, each exactly once, across drops and reconnects.
//
// Every update the server makes for this user has the next pts. The client applies them
// strictly in order: a push whose pts it already applied is ignored, one that comes early
// is held until the pushes before it arrive, and a gap that stays open (or a reconnect)
// is filled with `sync`. A change the client caused itself is not pushed back to it; its
// response carries the pts instead, which counts as applied without being emitted again.
//
// A large group's pushes are numbered by that group's own `ev` instead, and are not in the
// user's log: the client applies them per group in the same way (once each, in order,
// holding early ones), fills a gap with `getChatUpdates`, and after a reconnect asks
// `getChats` which groups moved and catches those up.
import type { z } from "zod";
import {
  CLOSE_REVOKED,
  ErrorFrame,
  LargePush,
  MAX_FRAME_BYTES,
  MAX_SYNC_PAGE,
  Push,
  SessionRevokedPush,
  TypingPush,
  requestSchemas,
  responseSchemas,
  type Chat,
  type Mode,
  type Attachment,
  type PayloadOf,
  type PushMode,
  type RequestOf,
  type SessionEndReason,
  type User,
} from "../contract/protocol";
import { ClientError } from "./errors";
import { contentTypeFor, upload, type FileData, type HttpFetch, type UploadOptions } from "./files";
import { globalWebSocket, type FetchLike, type SocketLike, type WebSocketFactory } from "./socket";

type Envelope = "mode" | "timestamp" | "request_id" | "token";
export interface FileMessageOptions extends UploadOptions {
  caption?: string;
  chatType?: "direct" | "group";
  client_msg_id?: string;
}
/** A request's own fields: the client adds mode, request_id and timestamp, the socket carries the token. */
export type ParamsOf<M extends Mode> = Omit<RequestOf<M>, Envelope>;
/** Sends default `content_type` to "text", the only type there is so far. */
export type SendParams<M extends "sendMessage" | "sendGroupMessage"> = Omit<ParamsOf<M>, "content_type"> & { content_type?: string };

/**
 * closed: not connected and not trying (before connect(), after close(), after the session ended);
 * connecting: opening a socket; syncing: open, catching up on missed updates;
 * ready: open and caught up (or anonymous and open); waiting: backing off before the next attempt.
 */
export type ConnectionState = "closed" | "connecting" | "syncing" | "ready" | "waiting";

/** A push of the user's log (with `pts`) or, for newMessage, messageEdited, messageDeleted and chatUpdated, of a large group (with `chat_id` and `ev`). */
type PushEvents = { [M in PushMode]: (Extract<Push, { mode: M }> & { ev?: never }) | (Extract<LargePush, { mode: M }> & { pts?: never }) };
export type ClientEvents = PushEvents & {
  typing: TypingPush;
  state: ConnectionState;
  /** A logged-in client caught up after (re)connecting: every update up to `pts` has been emitted. */
  ready: { pts: number };
  /** The last applied pts moved; store it to resume from there next time. */
  pts: number;
  /** A large group's last applied ev moved (or the client stopped following it: ev null); store it with the pts. */
  ev: { chat_id: string; ev: number | null };
  /** register or auth succeeded: the socket is now this user's. Store the token. */
  session: { token: string; user: User };
  /**
   * The session is over; log in again. `logout`: this client logged out; `deleted`: the
   * account was deleted (here or on another device); `expired`: the session's lifetime ran
   * out; `revoked`: it was ended elsewhere (a logout or revokeSession from another device,
   * a password change or reset).
   */
  sessionEnded: { reason: "logout" | SessionEndReason };
  /** An error frame that answers no request (for example a frame the server could not read). */
  error: ErrorFrame;
};
export type ClientEvent = keyof ClientEvents;

export interface ClientOptions {
  /** The socket endpoint, e.g. `wss://chat.example.com/ws`. */
  url: string;
  /** A session token from an earlier register or auth; without one the socket starts anonymous. */
  token?: string;
  /** This device's `device_token` from an earlier register or auth (`client.deviceToken`): sent with `auth`, it skips the username's login queue. */
  deviceToken?: string;
  /** The last pts the app applied (stored from the `pts` event); without one the client starts at the user's latest. */
  pts?: number;
  /** The last ev the app applied of each large group (stored from the `ev` events); without it a group starts at its latest. */
  evs?: Record<string, number>;
  /** After a reconnect, catch up every large group whose ev moved (default), or leave that to `catchUpChat`. */
  catchUpLargeGroups?: boolean;
  /** Opens sockets; defaults to the global WebSocket (browsers, Node 22). */
  webSocket?: WebSocketFactory;
  /** Used only to ask `POST /api` whether a token that failed to connect was revoked; defaults to the global fetch. */
  fetch?: FetchLike;
  /** The HTTP endpoint for that check; defaults to `url` with http(s) and `/api`. Uploads go beside it (`/upload`). */
  apiUrl?: string;
  /** Used for uploads; defaults to the global fetch. */
  httpFetch?: HttpFetch;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** How long an idle socket waits before a ping; one that leaves the ping unanswered this long again is dropped. 0 turns pings off. */
  heartbeatMs?: number;
  /** How long an out-of-order push waits for the ones before it before the client syncs. */
  gapTimeoutMs?: number;
  /** Updates per `sync` page while catching up. */
  syncPageSize?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

/** getAllChats' page: 50 chats whose last messages are 4,000 four-byte characters are about 820 KB. */
const CHATS_PAGE = 50;

/**
 * Modes whose request can be sent again after a drop without doing anything twice, so a
 * drop mid-request resends them instead of failing. Sends are made idempotent by the
 * client_msg_id the client gives each one.
 */
const RESENDABLE = new Set<Mode>([
  "ping", "getChats", "getMessages", "sendMessage", "sendGroupMessage", "createChat",
  "addMembers", "markRead", "editMessage", "deleteMessage", "getFileUrls", "getSessions",
  "blockUser", "unblockUser", "getBlocked", "getChatUpdates", "getMembers",
]);

const PING = '{"mode":"ping"}';
const encoder = new TextEncoder();

interface Pending {
  id: string;
  mode: Mode;
  text: string;
  sentOn: SocketLike | null;
  timer: ReturnType<typeof setTimeout>;
  resolve(payload: unknown): void;
  reject(err: ClientError): void;
}

type Listener = (value: never) => void;
type Timer = "retry" | "connect" | "gap" | "heartbeat";

/** One large group as the client follows it. */
interface Followed {
  /** Applied up to here; undefined until the client learns where the group stands. */
  ev: number | undefined;
  /** Pushes (or events answered in a response: null) that came before the ones they follow. */
  held: Map<number, LargePush | null>;
  gap: ReturnType<typeof setTimeout> | null;
  filling: boolean;
}

export class ChatClient {
  private readonly opts: Required<Omit<ClientOptions, "token" | "deviceToken" | "pts" | "evs" | "fetch" | "httpFetch">> & { fetch: FetchLike | undefined; httpFetch: HttpFetch | undefined };
  private currentToken: string | undefined;
  private currentDeviceToken: string | undefined;
  private currentUser: User | undefined;
  private applied: number | undefined;
  private currentState: ConnectionState = "closed";

  private ws: SocketLike | null = null;
  private pending = new Map<string, Pending>();
  /** Pushes (or pts already answered in a response: null) that arrived before the pts they follow. */
  private held = new Map<number, Push | null>();
  private syncing = false;
  private groups = new Map<string, Followed>();
  private attempts = 0;
  private lastFrameAt = 0;
  private pingedAt: number | null = null;
  private nextId = 0;
  private readonly idPrefix = randomId().slice(0, 8);
  private timers = new Map<Timer, ReturnType<typeof setTimeout>>();
  private listeners = new Map<ClientEvent, Set<Listener>>();

  constructor(options: ClientOptions) {
    const api = new URL(options.url);
    api.protocol = api.protocol === "wss:" ? "https:" : "http:";
    api.pathname = api.pathname.replace(/\/ws$/, "/api");
    api.search = "";
    this.opts = {
      url: options.url,
      webSocket: options.webSocket ?? globalWebSocket,
      fetch: options.fetch ?? (typeof fetch === "function" ? (url, init) => fetch(url, init) : undefined),
      apiUrl: options.apiUrl ?? api.toString(),
      httpFetch: options.httpFetch,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      minReconnectDelayMs: options.minReconnectDelayMs ?? 500,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 30_000,
      heartbeatMs: options.heartbeatMs ?? 20_000,
      gapTimeoutMs: options.gapTimeoutMs ?? 500,
      syncPageSize: Math.min(options.syncPageSize ?? 100, MAX_SYNC_PAGE),
      catchUpLargeGroups: options.catchUpLargeGroups ?? true,
    };
    this.currentToken = options.token;
    this.currentDeviceToken = options.deviceToken;
    this.applied = options.pts;
    for (const [chatId, ev] of Object.entries(options.evs ?? {})) this.follow(chatId).ev = ev;
  }

  get state(): ConnectionState {
    return this.currentState;
  }
  /** The last pts applied: every update up to it has been emitted (or answered). */
  get pts(): number | undefined {
    return this.applied;
  }
  get token(): string | undefined {
    return this.currentToken;
  }
  /** This device's remembered-device token, from the last register or auth: keep it with the app's data. */
  get deviceToken(): string | undefined {
    return this.currentDeviceToken;
  }
  /** Known after register or auth on this client; a client started with a token learns it from neither. */
  get user(): User | undefined {
    return this.currentUser;
  }
  /** The last ev applied of each large group the client follows. */
  get evs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [chatId, g] of this.groups) if (g.ev !== undefined) out[chatId] = g.ev;
    return out;
  }

  // ---- Events ----

  /** Subscribes to a push or a client event; returns the unsubscribe function. */
  on<E extends ClientEvent>(event: E, listener: (value: ClientEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<E extends ClientEvent>(event: E, listener: (value: ClientEvents[E]) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  private emit<E extends ClientEvent>(event: E, value: ClientEvents[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (v: ClientEvents[E]) => void)(value);
      } catch (err) {
        // An app's listener failing must not leave the client half-way through an update.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  // ---- Connection ----

  /** Opens the socket now (also when waiting to retry). Requests connect by themselves too. */
  connect(): void {
    if (this.currentState !== "closed" && this.currentState !== "waiting") return;
    this.stop("retry");
    this.open();
  }

  /** Closes the socket and fails what is pending; a later request or connect() opens it again. */
  close(): void {
    this.detach();
    this.failAll(new ClientError(0, "closed", "the client was closed"));
    this.setState("closed");
  }

  private open(): void {
    this.setState("connecting");
    const token = this.currentToken;
    const ws = this.opts.webSocket(this.opts.url, token === undefined ? ["chat"] : ["chat", `token.${token}`]);
    this.ws = ws;
    let opened = false;
    this.later("connect", this.opts.connectTimeoutMs, () => this.lost(ws, false));
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      opened = true;
      this.stop("connect");
      this.opened(ws);
    });
    ws.addEventListener("message", (e) => {
      if (this.ws === ws) this.received(e.data);
    });
    ws.addEventListener("close", (e) => {
      if (this.ws !== ws) return;
      if (e.code === CLOSE_REVOKED) return this.endSession("revoked");
      this.lost(ws, opened);
    });
  }

  private opened(ws: SocketLike): void {
    this.lastFrameAt = Date.now();
    this.pingedAt = null;
    this.beat(ws);
    for (const p of this.pending.values()) if (!p.sentOn) this.transmit(p);
    if (this.currentToken === undefined) {
      this.attempts = 0;
      this.setState("ready");
    } else {
      this.setState("syncing");
      void this.catchUp(true);
    }
  }

  /** The socket is gone (or presumed dead): fail or keep what was in flight, then retry. */
  private lost(ws: SocketLike, opened: boolean): void {
    this.detach();
    for (const p of this.pending.values()) {
      if (p.sentOn !== ws) continue;
      if (RESENDABLE.has(p.mode)) p.sentOn = null;
      else this.settle(p, new ClientError(0, "disconnected", `the connection dropped before ${p.mode} was answered; it may or may not have taken effect`));
    }
    const token = this.currentToken;
    if (!opened && token !== undefined) void this.checkRevoked(token);
    const ceiling = Math.min(this.opts.maxReconnectDelayMs, this.opts.minReconnectDelayMs * 2 ** this.attempts++);
    // Equal jitter: never sooner than half the step, so clients dropped together spread out.
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.setState("waiting");
    this.later("retry", delay, () => this.open());
  }

  /** A failed upgrade looks the same as a network failure to a WebSocket; HTTP tells a revoked token apart. */
  private async checkRevoked(token: string): Promise<void> {
    if (!this.opts.fetch) return;
    try {
      const res = await this.opts.fetch(this.opts.apiUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ mode: "sync", since: Number.MAX_SAFE_INTEGER, limit: 1 }),
      });
      if (res.status === 401 && this.currentToken === token) this.endSession("revoked");
    } catch {
      // Unreachable: keep retrying the socket.
    }
  }

  /**
   * Pings a quiet socket, and drops one that let a whole interval pass without answering
   * the ping, as a half-open TCP connection would. It goes by the ping, not by silence
   * alone, because a background tab's timers may be held back for a minute.
   */
  private beat(ws: SocketLike): void {
    const every = this.opts.heartbeatMs;
    if (every <= 0) return;
    if (this.pingedAt !== null && this.lastFrameAt < this.pingedAt) return this.lost(ws, true);
    this.pingedAt = null;
    if (Date.now() - this.lastFrameAt >= every && this.trySend(ws, PING)) this.pingedAt = Date.now();
    this.later("heartbeat", every, () => this.beat(ws));
  }

  /** Stops using the current socket, whatever its state. */
  private detach(): void {
    const ws = this.ws;
    this.ws = null;
    for (const name of [...this.timers.keys()]) this.stop(name);
    for (const g of this.groups.values()) if (g.gap) clearTimeout(g.gap), (g.gap = null);
    if (ws) {
      try {
        ws.close(1000, "client closed");
      } catch {
        // already closing
      }
    }
  }

  private later(name: Timer, ms: number, fn: () => void): void {
    this.stop(name);
    this.timers.set(name, setTimeout(() => {
      this.timers.delete(name);
      fn();
    }, ms));
  }

  private stop(name: Timer): void {
    const t = this.timers.get(name);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(name);
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit("state", state);
  }

  // ---- Requests ----

  /** Sends any request; the typed methods below are this with the mode filled in. */
  request<M extends Mode>(mode: M, params: ParamsOf<M>, options: RequestOptions = {}): Promise<PayloadOf<M>> {
    const id = `${this.idPrefix}-${++this.nextId}`;
    const frame = { ...params, mode, request_id: id, timestamp: Date.now() };
    const checked = (requestSchemas[mode] as z.ZodType).safeParse(frame);
    if (!checked.success) {
      const fields: Record<string, string> = {};
      for (const issue of checked.error.issues) fields[issue.path.map(String).join(".") || "frame"] ??= issue.message;
      return Promise.reject(new ClientError(400, "invalid_request", `check these fields: ${Object.keys(fields).join(", ")}`, fields));
    }
    const text = JSON.stringify(frame);
    if (text.length * 3 > MAX_FRAME_BYTES && encoder.encode(text).byteLength > MAX_FRAME_BYTES)
      return Promise.reject(new ClientError(413, "too_large", `a frame is at most ${MAX_FRAME_BYTES} bytes of UTF-8`));
    return new Promise<PayloadOf<M>>((resolve, reject) => {
      const p: Pending = {
        id,
        mode,
        text,
        sentOn: null,
        timer: setTimeout(() => this.settle(p, new ClientError(0, "timeout", `no answer to ${mode} in time`)), options.timeoutMs ?? this.opts.requestTimeoutMs),
        // The payload was checked against responseSchemas[mode] before it gets here.
        resolve: (payload) => resolve(payload as PayloadOf<M>),
        reject,
      };
      this.pending.set(id, p);
      if (this.ws && (this.currentState === "ready" || this.currentState === "syncing")) this.transmit(p);
      // Otherwise it goes out once a socket opens; a client that is backing off keeps its pace.
      else if (this.currentState === "closed") this.connect();
    });
  }

  private transmit(p: Pending): void {
    if (this.ws && this.trySend(this.ws, p.text)) p.sentOn = this.ws;
  }

  private trySend(ws: SocketLike, text: string): boolean {
    try {
      ws.send(text);
      return true;
    } catch {
      // Closing: the close event decides what happens to the request.
      return false;
    }
  }

  private settle(p: Pending, outcome: ClientError | { payload: unknown }): void {
    if (!this.pending.delete(p.id)) return;
    clearTimeout(p.timer);
    if (outcome instanceof ClientError) p.reject(outcome);
    else p.resolve(outcome.payload);
  }

  private failAll(err: ClientError): void {
    for (const p of [...this.pending.values()]) this.settle(p, err);
  }

  register(params: ParamsOf<"register">, options?: RequestOptions) {
    return this.request("register", params, options);
  }
  auth(params: ParamsOf<"auth">, options?: RequestOptions) {
    const device = this.currentDeviceToken;
    return this.request("auth", device && params.device_token === undefined ? { ...params, device_token: device } : params, options);
  }
  recovery(params: ParamsOf<"recovery">, options?: RequestOptions) {
    return this.request("recovery", params, options);
  }
  resetPassword(params: ParamsOf<"resetPassword">, options?: RequestOptions) {
    return this.request("resetPassword", params, options);
  }
  logout(options?: RequestOptions) {
    return this.request("logout", {}, options);
  }
  ping(options?: RequestOptions) {
    return this.request("ping", {}, options);
  }
  /** One page of the chat list, latest activity first: `{ chats, has_more, cursor? }`. */
  getChats(params: ParamsOf<"getChats"> = {}, options?: RequestOptions) {
    return this.request("getChats", params, options);
  }
  /**
   * The whole chat list, page by page: `limit` chats a request (default 50, which keeps an
   * answer under 1 MB however long the chats' last messages are; see docs/protocol.md, getChats).
   */
  async getAllChats(params: { limit?: number } = {}, options?: RequestOptions): Promise<Chat[]> {
    const chats = new Map<string, Chat>();
    let before: string | undefined;
    for (;;) {
      const page = await this.getChats({ limit: params.limit ?? CHATS_PAGE, ...(before !== undefined && { before }) }, options);
      for (const chat of page.chats) if (!chats.has(chat.chat_id)) chats.set(chat.chat_id, chat);
      if (!page.has_more || page.cursor === undefined) return [...chats.values()];
      before = page.cursor;
    }
  }
  getMessages(params: ParamsOf<"getMessages">, options?: RequestOptions) {
    return this.request("getMessages", params, options);
  }
  /** Into a direct chat. Gets a client_msg_id unless given one, so a resend after a drop stores it once. */
  sendMessage(params: SendParams<"sendMessage">, options?: RequestOptions) {
    return this.request("sendMessage", sendDefaults(params), options);
  }
  /** Into a group; like sendMessage. */
  sendGroupMessage(params: SendParams<"sendGroupMessage">, options?: RequestOptions) {
    return this.request("sendGroupMessage", sendDefaults(params), options);
  }
  createChat(params: ParamsOf<"createChat">, options?: RequestOptions) {
    return this.request("createChat", params, options);
  }
  createGroup(params: ParamsOf<"createGroup">, options?: RequestOptions) {
    return this.request("createGroup", params, options);
  }
  addMembers(params: ParamsOf<"addMembers">, options?: RequestOptions) {
    return this.request("addMembers", params, options);
  }
  removeMember(params: ParamsOf<"removeMember">, options?: RequestOptions) {
    return this.request("removeMember", params, options);
  }
  leaveChat(params: ParamsOf<"leaveChat">, options?: RequestOptions) {
    return this.request("leaveChat", params, options);
  }
  markRead(params: ParamsOf<"markRead">, options?: RequestOptions) {
    return this.request("markRead", params, options);
  }
  typing(params: ParamsOf<"typing">, options?: RequestOptions) {
    return this.request("typing", params, options);
  }
  editMessage(params: ParamsOf<"editMessage">, options?: RequestOptions) {
    return this.request("editMessage", params, options);
  }
  deleteMessage(params: ParamsOf<"deleteMessage">, options?: RequestOptions) {
    return this.request("deleteMessage", params, options);
  }
  /** A large group's pushes after `since_ev`, as they are now (the client applies them itself when it fills a gap; this is for apps that page on their own). */
  getChatUpdates(params: ParamsOf<"getChatUpdates">, options?: RequestOptions) {
    return this.request("getChatUpdates", params, options);
  }
  /** A page of a group's members, by lower-cased username. */
  getMembers(params: ParamsOf<"getMembers">, options?: RequestOptions) {
    return this.request("getMembers", params, options);
  }
  /** This user's logged-in devices, newest first; `current` marks this one. */
  getSessions(options?: RequestOptions) {
    return this.request("getSessions", {}, options);
  }
  /** Ends one of this user's sessions; ending this client's own is a logout (`sessionEnded` follows). */
  revokeSession(params: ParamsOf<"revokeSession">, options?: RequestOptions) {
    return this.request("revokeSession", params, options);
  }
  /** Every other session of the user ends; this one stays. */
  changePassword(params: ParamsOf<"changePassword">, options?: RequestOptions) {
    return this.request("changePassword", params, options);
  }
  /** Deletes the account for good; `sessionEnded` with reason "deleted" follows the answer. */
  deleteAccount(params: ParamsOf<"deleteAccount">, options?: RequestOptions) {
    return this.request("deleteAccount", params, options);
  }
  blockUser(params: ParamsOf<"blockUser">, options?: RequestOptions) {
    return this.request("blockUser", params, options);
  }
  unblockUser(params: ParamsOf<"unblockUser">, options?: RequestOptions) {
    return this.request("unblockUser", params, options);
  }
  getBlocked(options?: RequestOptions) {
    return this.request("getBlocked", {}, options);
  }

  // ---- Files ----

  /** Uploads a file into a chat (POST /upload), to send with sendFile or in a message's `attachment`. */
  uploadFile(chatId: string, data: FileData, options: UploadOptions = {}): Promise<Attachment> {
    const token = this.currentToken;
    if (token === undefined) return Promise.reject(new ClientError(401, "unauthorized", "log in before uploading"));
    const url = new URL(`upload?chat_id=${encodeURIComponent(chatId)}`, new URL(".", this.opts.apiUrl)).toString();
    return upload(url, token, data, options, this.opts.httpFetch);
  }

  /**
   * Uploads a file and sends it: a png, jpeg, gif, webp or avif image as content_type
   * "image", anything else as "file", with `caption` as the content. `chatType` defaults
   * from the id (this service's group ids start with "g_").
   */
  async sendFile(chatId: string, data: FileData, options: FileMessageOptions = {}) {
    const file = await this.uploadFile(chatId, data, options);
    const params = {
      chat_id: chatId, content: options.caption ?? "", content_type: contentTypeFor(file), attachment: { file_id: file.file_id },
      ...(options.client_msg_id !== undefined && { client_msg_id: options.client_msg_id }),
    };
    const group = (options.chatType ?? (chatId.startsWith("g_") ? "group" : "direct")) === "group";
    const sent = group ? await this.sendGroupMessage(params) : await this.sendMessage(params);
    return { ...sent, file };
  }

  /** Download links for a chat's files, as absolute URLs that need no token, valid for an hour. */
  async getFileUrls(params: ParamsOf<"getFileUrls">, options?: RequestOptions): Promise<PayloadOf<"getFileUrls">> {
    const { urls } = await this.request("getFileUrls", params, options);
    return { urls: Object.fromEntries(Object.entries(urls).map(([id, path]) => [id, new URL(path, this.opts.apiUrl).toString()])) };
  }

  // ---- Frames in ----

  private received(data: unknown): void {
    this.lastFrameAt = Date.now();
    if (typeof data !== "string") return;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null || Array.isArray(frame)) return;
    const f = frame as Record<string, unknown>;
    const p = typeof f.request_id === "string" ? this.pending.get(f.request_id) : undefined;
    if (p) return this.answered(p, f);
    if (f.status === undefined) return this.pushed(f);
    // A late answer to a request that timed out is dropped; its change, if any, comes by sync.
    if (f.request_id !== undefined) return;
    const err = ErrorFrame.safeParse(f);
    if (err.success) this.emit("error", err.data);
  }

  private answered(p: Pending, f: Record<string, unknown>): void {
    const status = typeof f.status === "number" ? f.status : 0;
    if (status >= 400) {
      const e = ErrorFrame.safeParse(f);
      return this.settle(
        p,
        e.success
          ? new ClientError(e.data.status, e.data.error, e.data.message, e.data.fields, e.data.retry_after_ms)
          : new ClientError(status, "bad_response", `${p.mode} failed with an unreadable error frame`),
      );
    }
    const parsed = (responseSchemas[p.mode] as z.ZodType).safeParse(f);
    if (!parsed.success) return this.settle(p, new ClientError(status, "bad_response", `the ${p.mode} response does not match the contract`));
    const { mode: _mode, timestamp: _timestamp, status: _status, request_id: _id, ...payload } = parsed.data as Record<string, unknown>;
    this.settle(p, { payload });
    if (p.mode === "register" || p.mode === "auth") {
      if (typeof payload.device_token === "string") this.currentDeviceToken = payload.device_token;
      this.adopt(payload.token as string, payload.user as User);
    } else if (p.mode === "logout") this.endSession("logout");
    else if (p.mode === "deleteAccount") this.endSession("deleted");
    else if (p.mode === "sync" || p.mode === "getChatUpdates") return;
    // A change this socket made is not pushed back: its response's pts (or, in a large
    // group, its ev) counts as applied.
    else if (typeof payload.pts === "number") this.receive(payload.pts, null);
    else if (typeof payload.ev === "number") {
      const about = (payload.message ?? payload.chat) as { chat_id: string } | undefined;
      if (about) this.receiveEv(about.chat_id, payload.ev, null);
    }
    if (p.mode === "getChats") this.learn((payload as { chats: Chat[] }).chats);
    else if (p.mode === "leaveChat") this.forget(payload.chat_id as string);
    else if (payload.chat && typeof payload.pts === "number") this.learn([payload.chat as Chat]);
  }

  private pushed(f: Record<string, unknown>): void {
    if (f.mode === "sessionRevoked") return this.endSession(SessionRevokedPush.safeParse(f).data?.reason ?? "revoked");
    if (f.mode === "typing") {
      const t = TypingPush.safeParse(f);
      if (t.success) this.emit("typing", t.data);
      return;
    }
    if (f.pts === undefined && typeof f.ev === "number") {
      const large = LargePush.safeParse(f);
      if (large.success) this.receiveEv(large.data.chat_id, large.data.ev, large.data);
      return;
    }
    const push = Push.safeParse(f);
    if (push.success) this.receive(push.data.pts, push.data);
  }

  // ---- Sessions ----

  private adopt(token: string, user: User): void {
    const wasUser = this.currentToken !== undefined;
    this.currentToken = token;
    this.currentUser = user;
    // A new session may be another user's: start from their latest update, not the old pts.
    this.applied = undefined;
    this.held.clear();
    this.forgetAll();
    this.emit("session", { token, user });
    if (wasUser && this.ws) {
      // The socket still belongs to the previous user: reconnect as the new one.
      this.lost(this.ws, true);
      this.connect();
    } else if (this.ws) {
      this.setState("syncing");
      void this.catchUp(true);
    }
  }

  private endSession(reason: ClientEvents["sessionEnded"]["reason"]): void {
    if (this.currentToken === undefined && this.currentState === "closed") return;
    this.currentToken = undefined;
    this.currentUser = undefined;
    this.applied = undefined;
    this.held.clear();
    this.forgetAll();
    this.detach();
    this.failAll(new ClientError(0, "closed", "the session ended"));
    this.setState("closed");
    this.emit("sessionEnded", { reason });
  }

  // ---- Updates in pts order ----

  /** Takes one update (a push, or null for one answered in a response) and applies what is now in order. */
  private receive(pts: number, push: Push | null): void {
    if (this.applied !== undefined && pts <= this.applied) return;
    this.held.set(pts, this.held.get(pts) === null ? null : push);
    this.drain();
  }

  private drain(): void {
    if (this.applied === undefined) return;
    const before = this.applied;
    for (let next = this.applied + 1; this.held.has(next); next++) {
      const push = this.held.get(next) ?? null;
      this.held.delete(next);
      this.applied = next;
      if (push) {
        this.logged(push);
        this.emit(push.mode, push);
      }
    }
    if (this.applied !== before) this.emit("pts", this.applied);
    this.stop("gap");
    if (this.held.size && !this.syncing && this.ws) this.later("gap", this.opts.gapTimeoutMs, () => void this.catchUp());
  }

  /**
   * Fetches what was missed (or, with no pts yet, where the user's log stands), then applies
   * what was held. After a (re)connect (`reconnected`) it also asks getChats where the large
   * groups stand, and catches up those that moved.
   */
  private async catchUp(reconnected = false): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    const ws = this.ws;
    try {
      if (this.applied === undefined) {
        const latest = await this.request("sync", { since: Number.MAX_SAFE_INTEGER, limit: 1 });
        this.applied = latest.pts;
        for (const pts of this.held.keys()) if (pts <= latest.pts) this.held.delete(pts);
        this.emit("pts", latest.pts);
      }
      for (;;) {
        const since: number = this.applied;
        const page = await this.request("sync", { since, limit: this.opts.syncPageSize });
        // The server's log ends before our pts: it is not the log that pts came from (another
        // account, a reset store). Following it from its end is the only way to hear anything.
        if (!page.updates.length && page.pts < since) {
          this.applied = page.pts;
          this.held.clear();
          this.emit("pts", page.pts);
        }
        for (const u of page.updates) this.receive(u.pts, u);
        if (!page.has_more) break;
      }
      if (reconnected) {
        this.drain();
        const before = this.evs;
        const chats = await this.getAllChats();
        const moved = chats.filter((c) => c.large && c.ev !== undefined && before[c.chat_id] !== undefined && c.ev > before[c.chat_id]!);
        if (this.opts.catchUpLargeGroups) await Promise.all(moved.map((c) => this.fill(c.chat_id)));
      }
    } catch {
      this.syncing = false;
      // Dropped: the reconnect syncs again. Timed out on a socket that looks open: it is not
      // to be trusted, and a fresh one syncs again.
      if (ws && this.ws === ws) this.lost(ws, true);
      return;
    }
    this.syncing = false;
    if (!ws || this.ws !== ws || this.applied === undefined) return;
    this.drain();
    if (this.currentState === "syncing") {
      this.attempts = 0;
      this.setState("ready");
      this.emit("ready", { pts: this.applied });
    }
  }

  // ---- Large groups, in ev order ----

  /** Catches a large group up now (with `catchUpLargeGroups: false`, when the app opens it): its pushes are emitted as usual. */
  async catchUpChat(chatId: string): Promise<void> {
    await this.fill(chatId);
  }

  private follow(chatId: string): Followed {
    let g = this.groups.get(chatId);
    if (!g) this.groups.set(chatId, (g = { ev: undefined, held: new Map(), gap: null, filling: false }));
    return g;
  }

  private forget(chatId: string): void {
    const g = this.groups.get(chatId);
    if (!g) return;
    if (g.gap) clearTimeout(g.gap);
    this.groups.delete(chatId);
    if (g.ev !== undefined) this.emit("ev", { chat_id: chatId, ev: null });
  }

  private forgetAll(): void {
    for (const chatId of [...this.groups.keys()]) this.forget(chatId);
  }

  /** What an applied log push says about large groups: one joined or became large (from its ev on), or one left. */
  private logged(push: Push): void {
    if (push.mode === "removedFromChat") return this.forget(push.chat_id);
    if ((push.mode === "chatCreated" || push.mode === "chatUpdated") && push.chat.large) {
      const g = this.follow(push.chat.chat_id);
      // Joining starts a new view; becoming large starts one where there was none.
      if (push.mode === "chatCreated" || g.ev === undefined) this.setEv(push.chat.chat_id, g, push.chat.ev ?? 0, true);
      this.drainEv(push.chat.chat_id);
    }
  }

  /** Where getChats (or a response's chat) says large groups stand: a starting point for those the client has none of. */
  private learn(chats: Chat[]): void {
    for (const c of chats) {
      if (!c.large || c.ev === undefined) continue;
      const g = this.follow(c.chat_id);
      if (g.ev !== undefined) continue;
      this.setEv(c.chat_id, g, c.ev, true);
      this.drainEv(c.chat_id);
    }
  }

  private setEv(chatId: string, g: Followed, ev: number, reset = false): void {
    g.ev = reset ? ev : Math.max(g.ev ?? ev, ev);
    for (const k of g.held.keys()) if (k <= g.ev) g.held.delete(k);
    this.emit("ev", { chat_id: chatId, ev: g.ev });
  }

  /** One of a large group's updates (a push, or null for one answered in a response). */
  private receiveEv(chatId: string, ev: number, push: LargePush | null): void {
    const g = this.follow(chatId);
    if (g.ev !== undefined && ev <= g.ev) return;
    g.held.set(ev, g.held.get(ev) === null ? null : push);
    this.drainEv(chatId);
  }

  /** Applies what is in order; a gap left open is filled after gapTimeoutMs (unless a fill is running). */
  private drainEv(chatId: string): void {
    const g = this.groups.get(chatId);
    if (!g) return;
    if (g.ev !== undefined) {
      const before = g.ev;
      for (let next = g.ev + 1; g.held.has(next); next++) {
        const push = g.held.get(next) ?? null;
        g.held.delete(next);
        g.ev = next;
        if (push) this.emit(push.mode, push as never);
      }
      if (g.ev !== before) this.emit("ev", { chat_id: chatId, ev: g.ev });
    }
    if (g.gap) clearTimeout(g.gap), (g.gap = null);
    if (g.held.size && !g.filling && this.ws) g.gap = setTimeout(() => ((g.gap = null), void this.fill(chatId)), this.opts.gapTimeoutMs);
  }

  /**
   * Fills a large group's gap, or catches it up, with getChatUpdates. A group whose starting
   * point is not known yet waits for the log (sync) or, failing that, getChats.
   */
  private async fill(chatId: string): Promise<void> {
    const g = this.groups.get(chatId);
    if (!g || g.filling) return;
    g.filling = true;
    try {
      if (g.ev === undefined) {
        await this.catchUp();
        if (g.ev === undefined) await this.getAllChats();
        if (g.ev === undefined) return;
      }
      for (;;) {
        const page = await this.request("getChatUpdates", { chat_id: chatId, since_ev: g.ev!, limit: this.opts.syncPageSize });
        if (this.groups.get(chatId) !== g) return;
        for (const u of page.updates) g.held.set(u.ev, g.held.get(u.ev) === null ? null : u);
        // The group's latest, when nothing came: there is nothing between.
        if (!page.updates.length && page.ev > g.ev!) for (let e = g.ev! + 1; e <= page.ev; e++) if (!g.held.has(e)) g.held.set(e, null);
        this.drainEv(chatId);
        if (!page.has_more) break;
      }
    } catch (err) {
      // Not a member any more: its removedFromChat comes by the log.
      if (err instanceof ClientError && err.error === "chat_not_found") this.forget(chatId);
    } finally {
      g.filling = false;
      if (this.groups.get(chatId) === g) this.drainEv(chatId);
    }
  }
}

function sendDefaults<P extends { content_type?: string; client_msg_id?: string }>(params: P): P & { content_type: string; client_msg_id: string } {
  return { ...params, content_type: params.content_type ?? "text", client_msg_id: params.client_msg_id ?? randomId() };
}

/** 128 random bits as hex; crypto.randomUUID is missing outside secure contexts (plain http). */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
