// The client library's public types: its options, its events and the shapes of its requests.
import type { ErrorFrame, LargePush, Mode, Push, PushMode, RequestOf, SessionEndReason, TypingPush, User } from "../contract/protocol";
import type { ConnectionState } from "./connection";
import type { HttpFetch, UploadOptions } from "./files";
import type { FetchLike, WebSocketFactory } from "./socket";

export type { ConnectionState } from "./connection";

type Envelope = "mode" | "timestamp" | "request_id" | "token";
export interface FileMessageOptions extends UploadOptions {
  caption?: string;
  chatType?: "direct" | "group";
  client_msg_id?: string;
}
/** A request's own fields: the client adds mode, request_id and timestamp, the socket carries the token. */
export type ParamsOf<M extends Mode> = Omit<RequestOf<M>, Envelope>;
/** Sends default `content_type` to "text", the only type there is so far. */
export type SendParams<M extends "sendMessage" | "sendGroupMessage"> = Omit<ParamsOf<M>, "content_type"> & {
  content_type?: string;
};

/** A push of the user's log (with `pts`) or, for newMessage, messageEdited, messageDeleted and chatUpdated, of a large group (with `chat_id` and `ev`). */
type PushEvents = {
  [M in PushMode]: (Extract<Push, { mode: M }> & { ev?: never }) | (Extract<LargePush, { mode: M }> & { pts?: never });
};
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
  /**
   * Updates were skipped because the server no longer keeps them (retention, too_long):
   * reload what is shown with getMessages (`chat_id`: that large group's; none: every chat's,
   * and the list, which the client has just read with getChats) and go on.
   */
  reload: { chat_id?: string };
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
