// edge-chat/client: a typed client for the chat service, for browsers, Node 22 and Workers.
export { ChatClient } from "./client";
export type {
  ClientEvent,
  ClientEvents,
  ClientOptions,
  ConnectionState,
  FileMessageOptions,
  ParamsOf,
  RequestOptions,
  SendParams,
} from "./client";
export type { FileData, HttpFetch, UploadOptions } from "./files";
export { ClientError } from "./errors";
export { applicationServerKey, pushSubscriptionParams, type BrowserPushSubscription } from "./push";
export type { LocalErrorCode } from "./errors";
export type { FetchLike, SocketCloseEvent, SocketLike, SocketMessageEvent, WebSocketFactory } from "./socket";
export type {
  Attachment,
  Chat,
  ContentType,
  DeviceSession,
  ErrorCode,
  LargePush,
  MemberEntry,
  Message,
  NotifyLevel,
  PushPayload,
  PayloadOf,
  Push,
  PushMode,
  SearchResult,
  Reaction,
  ReplyTo,
  SessionEndReason,
  TypingPush,
  User,
} from "../contract/protocol";
export { IMAGE_TYPES, isImageType } from "../contract/protocol";
export { withReaction, withReplyPreview } from "./reactions";
