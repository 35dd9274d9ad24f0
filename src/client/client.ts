// The chat client: typed requests over one WebSocket, correlated by request_id, and the
// user's pushes delivered in pts order, each exactly once, across drops and reconnects.
//
// Every update the server makes for this user has the next pts; a large group's pushes are
// numbered by that group's own `ev` instead. Both are applied by a Sequencer (in order,
// once, early ones held, gaps filled: `sync` for the log, `getChatUpdates` per group). A
// change the client caused itself is not pushed back to it; its response carries the pts
// (or ev) instead, which counts as applied without being emitted again. The socket's life
// (open, heartbeat, backoff, reconnect) is the Connection's; this file keeps the requests,
// the frames that answer them and the session; the typed methods are methods.ts', the file
// methods file-methods.ts', the options' defaults settings.ts'.
import type { z } from "zod";
import {
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
  type PayloadOf,
  type User,
} from "../contract/protocol";
import { Connection, tokenRevoked, type ConnectionState } from "./connection";
import { ClientError } from "./errors";
import { LargeGroups } from "./large-groups";
import { randomId } from "./methods";
import { ModerationMethods } from "./moderation";
import { Sequencer } from "./sequencer";
import { type ClientSettings, clientSettings, connectionSettings } from "./settings";
import type { SocketLike } from "./socket";
import { realTimers } from "./timers";
import type { ClientEvents, ClientOptions, ParamsOf, RequestOptions } from "./types";
import { catchUpLog } from "./user-log";

export type {
  ClientEvent,
  ClientEvents,
  ClientOptions,
  ConnectionState,
  FileMessageOptions,
  ParamsOf,
  RequestOptions,
  SendParams,
} from "./types";

/**
 * Modes whose request can be sent again after a drop without doing anything twice, so a
 * drop mid-request resends them instead of failing. Sends are made idempotent by the
 * client_msg_id the client gives each one.
 */
const RESENDABLE = new Set<Mode>([
  "ping",
  "getChats",
  "getMessages",
  "searchMessages",
  "sendMessage",
  "sendGroupMessage",
  "createChat",
  "addMembers",
  "markRead",
  "editMessage",
  "deleteMessage",
  "getFileUrls",
  "getSessions",
  "blockUser",
  "unblockUser",
  "getBlocked",
  "getChatUpdates",
  "getMembers",
  "react",
  "unreact",
  "getReactions",
]);

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

export class ChatClient extends ModerationMethods {
  protected readonly opts: ClientSettings;
  private currentToken: string | undefined;
  private currentDeviceToken: string | undefined;
  private currentUser: User | undefined;
  private readonly conn: Connection;
  /** The user's log, in pts order; `filling` while catching up. */
  private readonly log: Sequencer<Push>;
  private readonly large: LargeGroups;
  private readonly syncPageSize: number;
  private pending = new Map<string, Pending>();
  private nextId = 0;
  private readonly idPrefix = randomId().slice(0, 8);

  constructor(options: ClientOptions) {
    super();
    this.opts = clientSettings(options);
    const gapMs = options.gapTimeoutMs ?? 500;
    this.syncPageSize = Math.min(options.syncPageSize ?? 100, MAX_SYNC_PAGE);
    this.currentToken = options.token;
    this.currentDeviceToken = options.deviceToken;
    this.conn = new Connection(connectionSettings(options), {
      protocols: () => (this.currentToken === undefined ? ["chat"] : ["chat", `token.${this.currentToken}`]),
      opened: () => this.opened(),
      frame: (data) => this.received(data),
      lost: (ws, opened) => this.lost(ws, opened),
      revoked: () => this.endSession("revoked"),
      state: (state) => this.emit("state", state),
      detached: () => {
        this.log.pause();
        this.large.pause();
      },
    });
    const connected = () => this.conn.socket !== null;
    this.log = new Sequencer<Push>(
      {
        apply: (push) => {
          this.large.logged(push);
          this.emit(push.mode, push as never);
        },
        moved: (pts) => this.emit("pts", pts),
        fill: () => void this.catchUp(),
        connected,
      },
      gapMs,
      realTimers,
      options.pts,
    );
    this.large = new LargeGroups(
      {
        getChatUpdates: (params) => this.request("getChatUpdates", params),
        catchUp: () => this.catchUp(),
        getAllChats: () => this.getAllChats(),
        reload: (chatId) => this.emit("reload", { chat_id: chatId }),
        apply: (push) => this.emit(push.mode, push as never),
        moved: (chatId, ev) => this.emit("ev", { chat_id: chatId, ev }),
        connected,
      },
      gapMs,
      this.syncPageSize,
      realTimers,
    );
    for (const [chatId, ev] of Object.entries(options.evs ?? {})) this.large.resume(chatId, ev);
  }

  get state(): ConnectionState {
    return this.conn.state;
  }
  /** The last pts applied: every update up to it has been emitted (or answered). */
  get pts(): number | undefined {
    return this.log.applied;
  }
  get token(): string | undefined {
    return this.currentToken;
  }
  /** This device's remembered-device token, from the last register or auth: keep it with the app's data. */
  get deviceToken(): string | undefined {
    return this.currentDeviceToken;
  }
  /** Sends this device's token along, so a username flooded by others still lets it in. */
  override auth(params: ParamsOf<"auth">, options?: RequestOptions) {
    const device = this.currentDeviceToken;
    return super.auth(device && params.device_token === undefined ? { ...params, device_token: device } : params, options);
  }
  /** Known after register or auth on this client; a client started with a token learns it from neither. */
  get user(): User | undefined {
    return this.currentUser;
  }
  /** The last ev applied of each large group the client follows. */
  get evs(): Record<string, number> {
    return this.large.evs;
  }

  // ---- Connection ----

  /** Opens the socket now (also when waiting to retry). Requests connect by themselves too. */
  connect(): void {
    this.conn.connect();
  }

  /** Closes the socket and fails what is pending; a later request or connect() opens it again. */
  close(): void {
    this.conn.detach();
    this.failAll(new ClientError(0, "closed", "the client was closed"));
    this.conn.close();
  }

  private opened(): void {
    for (const p of this.pending.values()) if (!p.sentOn) this.transmit(p);
    if (this.currentToken === undefined) this.conn.ready();
    else {
      this.conn.syncing();
      void this.catchUp(true);
    }
  }

  /** The socket is gone (or presumed dead): fail or keep what was in flight; the connection retries. */
  private lost(ws: SocketLike, opened: boolean): void {
    for (const p of this.pending.values()) {
      if (p.sentOn !== ws) continue;
      if (RESENDABLE.has(p.mode)) p.sentOn = null;
      else
        this.settle(
          p,
          new ClientError(0, "disconnected", `the connection dropped before ${p.mode} was answered; it may or may not have taken effect`),
        );
    }
    const token = this.currentToken;
    if (!opened && token !== undefined && this.opts.fetch)
      void tokenRevoked(this.opts.fetch, this.opts.apiUrl, token).then((revoked) => {
        if (revoked && this.currentToken === token) this.endSession("revoked");
      });
  }

  // ---- Requests ----

  /** Sends any request; the typed methods are this with the mode filled in. */
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
        timer: setTimeout(
          () => this.settle(p, new ClientError(0, "timeout", `no answer to ${mode} in time`)),
          options.timeoutMs ?? this.opts.requestTimeoutMs,
        ),
        // The payload was checked against responseSchemas[mode] before it gets here.
        resolve: (payload) => resolve(payload as PayloadOf<M>),
        reject,
      };
      this.pending.set(id, p);
      const state = this.conn.state;
      if (this.conn.socket && (state === "ready" || state === "syncing")) this.transmit(p);
      // Otherwise it goes out once a socket opens; a client that is backing off keeps its pace.
      else if (state === "closed") this.connect();
    });
  }

  private transmit(p: Pending): void {
    const ws = this.conn.socket;
    if (this.conn.send(p.text, ws)) p.sentOn = ws;
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

  // ---- Frames in ----

  private received(data: unknown): void {
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
    if (p) {
      this.answered(p, f);
      return;
    }
    if (f.status === undefined) {
      this.pushed(f);
      return;
    }
    // A late answer to a request that timed out is dropped; its change, if any, comes by sync.
    if (f.request_id !== undefined) return;
    const err = ErrorFrame.safeParse(f);
    if (err.success) this.emit("error", err.data);
  }

  private answered(p: Pending, f: Record<string, unknown>): void {
    const status = typeof f.status === "number" ? f.status : 0;
    if (status >= 400) {
      const e = ErrorFrame.safeParse(f);
      this.settle(
        p,
        e.success
          ? new ClientError(e.data.status, e.data.error, e.data.message, e.data.fields, e.data.retry_after_ms)
          : new ClientError(status, "bad_response", `${p.mode} failed with an unreadable error frame`),
      );
      return;
    }
    const parsed = (responseSchemas[p.mode] as z.ZodType).safeParse(f);
    if (!parsed.success) {
      this.settle(p, new ClientError(status, "bad_response", `the ${p.mode} response does not match the contract`));
      return;
    }
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
    else if (typeof payload.pts === "number") this.log.receive(payload.pts, null);
    else if (typeof payload.ev === "number") {
      const about = (payload.message ?? payload.chat) as { chat_id: string } | undefined;
      if (about) this.large.receive(about.chat_id, payload.ev, null);
    }
    if (p.mode === "getChats") this.large.learn((payload as { chats: Chat[] }).chats);
    else if (p.mode === "leaveChat") this.large.forget(payload.chat_id as string);
    else if (payload.chat && typeof payload.pts === "number") this.large.learn([payload.chat as Chat]);
  }

  private pushed(f: Record<string, unknown>): void {
    if (f.mode === "sessionRevoked") {
      this.endSession(SessionRevokedPush.safeParse(f).data?.reason ?? "revoked");
      return;
    }
    if (f.mode === "typing") {
      const t = TypingPush.safeParse(f);
      if (t.success) this.emit("typing", t.data);
      return;
    }
    if (f.pts === undefined && typeof f.ev === "number") {
      const large = LargePush.safeParse(f);
      if (large.success) this.large.receive(large.data.chat_id, large.data.ev, large.data);
      return;
    }
    const push = Push.safeParse(f);
    if (push.success) this.log.receive(push.data.pts, push.data);
  }

  // ---- Sessions ----

  private adopt(token: string, user: User): void {
    const wasUser = this.currentToken !== undefined;
    this.currentToken = token;
    this.currentUser = user;
    // A new session may be another user's: start from their latest update, not the old pts.
    this.log.reset();
    this.large.forgetAll();
    this.emit("session", { token, user });
    const ws = this.conn.socket;
    if (wasUser && ws) {
      // The socket still belongs to the previous user: reconnect as the new one.
      this.conn.drop(ws, true);
      this.connect();
    } else if (ws) {
      this.conn.syncing();
      void this.catchUp(true);
    }
  }

  private endSession(reason: ClientEvents["sessionEnded"]["reason"]): void {
    if (this.currentToken === undefined && this.conn.state === "closed") return;
    this.currentToken = undefined;
    this.currentUser = undefined;
    this.log.reset();
    this.large.forgetAll();
    this.conn.detach();
    this.failAll(new ClientError(0, "closed", "the session ended"));
    this.conn.close();
    this.emit("sessionEnded", { reason });
  }

  // ---- Catching up ----

  /**
   * Fetches what the log missed (or, with no pts yet, where it stands), then applies what
   * was held. After a (re)connect (`reconnected`) it also asks getChats where the large
   * groups stand, and catches up those that moved.
   */
  private async catchUp(reconnected = false): Promise<void> {
    if (this.log.filling) return;
    this.log.filling = true;
    const ws = this.conn.socket;
    try {
      const reload = async () => {
        await this.getAllChats();
        this.emit("reload", {});
      };
      await catchUpLog(this.log, (params) => this.request("sync", params), this.syncPageSize, reload);
      if (reconnected) {
        this.log.drain();
        const before = this.large.evs;
        const chats = await this.getAllChats();
        const moved = chats.filter((c) => c.large && c.ev !== undefined && before[c.chat_id] !== undefined && c.ev > before[c.chat_id]!);
        if (this.opts.catchUpLargeGroups) await Promise.all(moved.map((c) => this.large.fill(c.chat_id)));
      }
    } catch {
      this.log.filling = false;
      // Dropped: the reconnect syncs again. Timed out on a socket that looks open: it is not
      // to be trusted, and a fresh one syncs again.
      if (ws && this.conn.socket === ws) this.conn.drop(ws, true);
      return;
    }
    this.log.filling = false;
    if (!ws || this.conn.socket !== ws || this.log.applied === undefined) return;
    this.log.drain();
    if (this.conn.state === "syncing") {
      this.conn.ready();
      this.emit("ready", { pts: this.log.applied });
    }
  }

  /** Catches a large group up now (with `catchUpLargeGroups: false`, when the app opens it): its pushes are emitted as usual. */
  async catchUpChat(chatId: string): Promise<void> {
    await this.large.fill(chatId);
  }
}
