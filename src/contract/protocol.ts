// The wire contract (../shared/protocol.md) as zod schemas: every request, response and
// push. Servers parse incoming frames with these; the client library parses what it
// receives with them. Types come from the schemas, so the two can never drift.
import { z } from "zod";
import { chars, codePoints, id, req, seq, username } from "./fields";

export { codePoints, USERNAME_RE } from "./fields";
import { moderationRequests as mod, moderationResponses, ROLES } from "./moderation";
import { notifyRequests, notifyResponses } from "./notifications";

export { NOTIFY_LEVELS, NotifyLevel, PushPayload } from "./notifications";
import { MAX_REACTIONS_PAGE, emoji, mentions } from "./replies";

export { MAX_EMOJIS, MAX_MENTIONS, MAX_REACTIONS_PER_USER, Reaction, ReplyTo, isOneEmoji, replyPreview } from "./replies";
// The objects (a message, a chat, ...) and every push, each in its own module.
import { Chat, DeviceSession, Message, SearchResult, User } from "./entities";

export { Attachment, CONTENT_TYPES, Chat, DeviceSession, Message, SearchResult, User, type ContentType } from "./entities";
import { LargePush, Push } from "./pushes";

export {
  CLOSE_REVOKED,
  LargePush,
  Push,
  SESSION_END_REASONS,
  SessionRevokedPush,
  TypingPush,
  largePushSchemas,
  pushSchemas,
  type PushMode,
  type ReactionChange,
  type SessionEndReason,
} from "./pushes";

export const MAX_FRAME_BYTES = 65_536;
export const MAX_CONTENT = 4_000;
export const MAX_TITLE = 100;
/** Members a group may have; past LARGE_GROUP_MEMBERS (a server setting) it is a large group. */
export const MAX_GROUP_MEMBERS = 100_000;
/** Usernames one createGroup or addMembers may name. */
export const MAX_NAMES_PER_REQUEST = 1_000;
export const MAX_PAGE = 200;
export const MAX_SYNC_PAGE = 500;
export const MAX_MEMBERS_PAGE = 1_000;
/** getChats: the most chats a page holds, and the default page. */
export const MAX_CHATS_PAGE = 500;
/** searchMessages: the longest query, and the most results a page holds (default 20). */
export const MAX_QUERY = 200;
export const MAX_SEARCH_PAGE = 50;
/** Attachments (POST /upload, GET /files/<file_id>): a file's name, and file ids per getFileUrls. */
export const MAX_FILE_NAME = 255;
export const MAX_FILE_URLS = 100;
/**
 * The image types a message of content_type "image" may carry, and the only types served
 * for display rather than as a download. SVG can hold script, so it is a "file".
 */
export const IMAGE_TYPES: readonly string[] = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"];
export const isImageType = (mime: string) => IMAGE_TYPES.includes(mime);

// Content is checked against its type: text needs 1–4000 characters; an image or a file
// needs its attachment, and its content is an optional caption. Other types are refused
// by the server as unsupported_content_type.
const withContent = <T extends { content_type?: string; content: string; attachment?: unknown }>(v: T, ctx: z.core.$RefinementCtx<T>) => {
  const n = codePoints(v.content);
  if (v.content_type === "text") {
    if (n < 1 || n > MAX_CONTENT) ctx.addIssue({ code: "custom", path: ["content"], message: `must be 1 to ${MAX_CONTENT} characters` });
    if (v.attachment !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["attachment"],
        message: 'only content_type "image" or "file" carries an attachment',
      });
  } else if (v.content_type === "image" || v.content_type === "file") {
    if (n > MAX_CONTENT) ctx.addIssue({ code: "custom", path: ["content"], message: `a caption is at most ${MAX_CONTENT} characters` });
    if (v.attachment === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["attachment"],
        message: "must be { file_id } of a file uploaded with POST /upload",
      });
  }
};

const fileId = chars(1, 128);
const send = {
  chat_id: id,
  content: z.string(),
  content_type: z.string(),
  client_msg_id: chars(1, 64).optional(),
  attachment: z.object({ file_id: fileId }).optional(),
  reply_to: seq.min(1).optional(),
  mentions,
};
const reaction = { chat_id: id, seq: seq.min(1), emoji };

/** Who may add a user to groups (getPrivacy, setPrivacy): anyone, or people they have a direct chat with. */
export const ADD_TO_GROUPS = ["everyone", "contacts"] as const;
export type AddToGroups = (typeof ADD_TO_GROUPS)[number];
export const requestSchemas = {
  register: req("register", {
    username,
    password: chars(8, 256),
    email: z.email("must be a valid email address").max(254),
  }),
  // device_token: from an earlier register or auth on this device (skips the per-username login queue).
  auth: req("auth", { username: chars(1, 256), password: chars(1, 1024), device_token: chars(1, 256).optional() }),
  recovery: req("recovery", {
    username: chars(1, 256).optional(),
    known_data: chars(1, 256),
    known_data_type: z.enum(["email", "username"]),
  }),
  resetPassword: req("resetPassword", { code: chars(1, 256), new_password: chars(8, 256) }),
  logout: req("logout", {}),
  ping: req("ping", {}),
  getChats: req("getChats", {
    limit: z.number().int().min(1).max(MAX_CHATS_PAGE).optional(),
    // The `cursor` of the page before; opaque to clients.
    before: chars(1, 256).optional(),
  }),
  getMessages: req("getMessages", {
    chat_id: id,
    before_seq: seq.optional(),
    after_seq: seq.optional(),
    around_seq: seq.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE).optional(),
  }),
  sendMessage: req("sendMessage", send).superRefine(withContent),
  sendGroupMessage: req("sendGroupMessage", send).superRefine(withContent),
  createChat: req("createChat", { username: chars(1, 256) }),
  createGroup: req("createGroup", {
    title: chars(1, MAX_TITLE),
    members: z.array(chars(1, 256)).max(MAX_NAMES_PER_REQUEST, `at most ${MAX_NAMES_PER_REQUEST} names a request`),
  }),
  addMembers: req("addMembers", {
    chat_id: id,
    members: z
      .array(chars(1, 256))
      .min(1, "name at least one member")
      .max(MAX_NAMES_PER_REQUEST, `at most ${MAX_NAMES_PER_REQUEST} names a request`),
  }),
  removeMember: req("removeMember", { chat_id: id, username: chars(1, 256) }),
  leaveChat: req("leaveChat", { chat_id: id }),
  markRead: req("markRead", { chat_id: id, seq }),
  typing: req("typing", { chat_id: id }),
  editMessage: req("editMessage", { chat_id: id, seq: seq.min(1), content: chars(1, MAX_CONTENT), mentions }),
  deleteMessage: req("deleteMessage", { chat_id: id, seq: seq.min(1) }),
  sync: req("sync", {
    since: seq,
    limit: z.number().int().min(1).max(MAX_SYNC_PAGE).optional(),
  }),
  getChatUpdates: req("getChatUpdates", {
    chat_id: id,
    since_ev: seq,
    limit: z.number().int().min(1).max(MAX_SYNC_PAGE).optional(),
  }),
  getMembers: req("getMembers", {
    chat_id: id,
    after: chars(1, 256).optional(),
    limit: z.number().int().min(1).max(MAX_MEMBERS_PAGE).optional(),
  }),
  getFileUrls: req("getFileUrls", {
    chat_id: id,
    file_ids: z.array(fileId).max(MAX_FILE_URLS, `at most ${MAX_FILE_URLS} files a request`),
  }),
  // Account management and safety.
  getSessions: req("getSessions", {}),
  revokeSession: req("revokeSession", { session_id: id }),
  changePassword: req("changePassword", { password: chars(1, 1024), new_password: chars(8, 256) }),
  deleteAccount: req("deleteAccount", { password: chars(1, 1024) }),
  blockUser: req("blockUser", { username: chars(1, 256) }),
  unblockUser: req("unblockUser", { username: chars(1, 256) }),
  getBlocked: req("getBlocked", {}),
  getPrivacy: req("getPrivacy", {}),
  setPrivacy: req("setPrivacy", { add_to_groups: z.enum(ADD_TO_GROUPS) }),
  searchMessages: req("searchMessages", {
    query: chars(1, MAX_QUERY),
    chat_id: id.optional(),
    before: chars(1, 256).optional(),
    limit: z.number().int().min(1).max(MAX_SEARCH_PAGE).optional(),
  }),
  // Group roles and moderation (moderation.ts).
  setRole: req("setRole", mod.setRole),
  editGroup: req("editGroup", mod.editGroup),
  banMember: req("banMember", mod.banMember),
  unbanMember: req("unbanMember", mod.unbanMember),
  getBanned: req("getBanned", mod.getBanned),
  createInvite: req("createInvite", mod.createInvite),
  getInvites: req("getInvites", mod.getInvites),
  revokeInvite: req("revokeInvite", mod.revokeInvite),
  joinByInvite: req("joinByInvite", mod.joinByInvite),
  setSlowMode: req("setSlowMode", mod.setSlowMode),
  reportMessage: req("reportMessage", mod.reportMessage),
  getPushConfig: req("getPushConfig", notifyRequests.getPushConfig),
  registerPush: req("registerPush", notifyRequests.registerPush),
  unregisterPush: req("unregisterPush", notifyRequests.unregisterPush),
  setNotify: req("setNotify", notifyRequests.setNotify),
  react: req("react", reaction),
  unreact: req("unreact", reaction),
  getReactions: req("getReactions", {
    chat_id: id,
    seq: seq.min(1),
    emoji: emoji.optional(),
    after: chars(1, 256).optional(),
    limit: z.number().int().min(1).max(MAX_REACTIONS_PAGE).optional(),
  }),
} as const;

export type Mode = keyof typeof requestSchemas;
export type RequestOf<M extends Mode> = z.infer<(typeof requestSchemas)[M]>;
export const RequestFrame = z.discriminatedUnion("mode", [
  requestSchemas.register,
  requestSchemas.auth,
  requestSchemas.recovery,
  requestSchemas.resetPassword,
  requestSchemas.logout,
  requestSchemas.ping,
  requestSchemas.getChats,
  requestSchemas.getMessages,
  requestSchemas.sendMessage,
  requestSchemas.sendGroupMessage,
  requestSchemas.createChat,
  requestSchemas.createGroup,
  requestSchemas.addMembers,
  requestSchemas.removeMember,
  requestSchemas.leaveChat,
  requestSchemas.markRead,
  requestSchemas.typing,
  requestSchemas.editMessage,
  requestSchemas.deleteMessage,
  requestSchemas.sync,
  requestSchemas.getChatUpdates,
  requestSchemas.getMembers,
  requestSchemas.getFileUrls,
  requestSchemas.getSessions,
  requestSchemas.revokeSession,
  requestSchemas.changePassword,
  requestSchemas.deleteAccount,
  requestSchemas.blockUser,
  requestSchemas.unblockUser,
  requestSchemas.getBlocked,
  requestSchemas.getPrivacy,
  requestSchemas.setPrivacy,
  requestSchemas.searchMessages,
  requestSchemas.setRole,
  requestSchemas.editGroup,
  requestSchemas.banMember,
  requestSchemas.unbanMember,
  requestSchemas.getBanned,
  requestSchemas.createInvite,
  requestSchemas.getInvites,
  requestSchemas.revokeInvite,
  requestSchemas.joinByInvite,
  requestSchemas.setSlowMode,
  requestSchemas.reportMessage,
  requestSchemas.getPushConfig,
  requestSchemas.registerPush,
  requestSchemas.unregisterPush,
  requestSchemas.setNotify,
  requestSchemas.react,
  requestSchemas.unreact,
  requestSchemas.getReactions,
]);
export type RequestFrame = z.infer<typeof RequestFrame>;

/** Modes an anonymous socket may send; everything else needs a login. */
export const ANONYMOUS_MODES = new Set<Mode>(["register", "auth", "recovery", "resetPassword", "ping"]);
export function isMode(m: string): m is Mode {
  return Object.hasOwn(requestSchemas, m);
}

// ---- Responses ----

const res = <M extends string, S extends z.ZodRawShape>(mode: M, shape: S) =>
  z.object({
    mode: z.literal(mode),
    timestamp: z.number(),
    status: z.number().int(),
    request_id: z.string().optional(),
    ...shape,
  });
const pts = { pts: z.number().int().optional() };
/** Where a request changed a large group: the event's `ev` instead of a `pts`. */
const ptsOrEv = { ...pts, ev: z.number().int().optional() };
/** Retention: what was asked for is older than what is kept; reload and go on from the latest. */
const tooLong = { too_long: z.literal(true).optional() };
export const MemberEntry = z.object({ username: z.string(), role: z.enum(ROLES) });
export type MemberEntry = z.infer<typeof MemberEntry>;
const session = { token: z.string(), user: User, device_token: z.string().optional() };

const modRes = moderationResponses(Chat);
export const responseSchemas = {
  register: res("register", session),
  auth: res("auth", session),
  recovery: res("recovery", { message: z.string() }),
  resetPassword: res("resetPassword", { message: z.string() }),
  logout: res("logout", {}),
  ping: res("pong", {}),
  getChats: res("getChats", { chats: z.array(Chat), has_more: z.boolean(), cursor: z.string().optional() }),
  getMessages: res("getMessages", {
    chat_id: z.string(),
    messages: z.array(Message),
    has_more: z.boolean(),
    has_more_before: z.boolean().optional(),
    has_more_after: z.boolean().optional(),
  }),
  sendMessage: res("sendMessage", { message: Message, ...ptsOrEv }),
  sendGroupMessage: res("sendGroupMessage", { message: Message, ...ptsOrEv }),
  createChat: res("createChat", { chat: Chat, ...pts }),
  createGroup: res("createGroup", { chat: Chat, ...pts }),
  addMembers: res("addMembers", { chat: Chat, ...ptsOrEv }),
  removeMember: res("removeMember", { chat: Chat, ...ptsOrEv }),
  leaveChat: res("leaveChat", { chat_id: z.string(), ...pts }),
  markRead: res("markRead", { chat_id: z.string(), last_read_seq: z.number().int(), unread: z.number().int(), ...pts }),
  typing: res("typing", {}),
  editMessage: res("editMessage", { message: Message, ...ptsOrEv }),
  deleteMessage: res("deleteMessage", { message: Message, ...ptsOrEv }),
  sync: res("sync", { updates: z.array(z.lazy(() => Push)), pts: z.number().int(), has_more: z.boolean(), ...tooLong }),
  getChatUpdates: res("getChatUpdates", {
    ...tooLong,
    chat_id: z.string(),
    updates: z.array(z.lazy(() => LargePush)),
    ev: z.number().int(),
    has_more: z.boolean(),
  }),
  getMembers: res("getMembers", { chat_id: z.string(), members: z.array(MemberEntry), has_more: z.boolean() }),
  getFileUrls: res("getFileUrls", { urls: z.record(z.string(), z.string()) }),
  getSessions: res("getSessions", { sessions: z.array(DeviceSession) }),
  revokeSession: res("revokeSession", {}),
  changePassword: res("changePassword", {}),
  deleteAccount: res("deleteAccount", {}),
  blockUser: res("blockUser", {}),
  unblockUser: res("unblockUser", {}),
  getBlocked: res("getBlocked", { users: z.array(z.string()) }),
  getPrivacy: res("getPrivacy", { add_to_groups: z.enum(ADD_TO_GROUPS) }),
  setPrivacy: res("setPrivacy", { add_to_groups: z.enum(ADD_TO_GROUPS) }),
  searchMessages: res("searchMessages", { results: z.array(SearchResult), has_more: z.boolean(), cursor: z.string().optional() }),
  setRole: res("setRole", modRes.setRole),
  editGroup: res("editGroup", modRes.editGroup),
  banMember: res("banMember", modRes.banMember),
  unbanMember: res("unbanMember", modRes.unbanMember),
  getBanned: res("getBanned", modRes.getBanned),
  createInvite: res("createInvite", modRes.createInvite),
  getInvites: res("getInvites", modRes.getInvites),
  revokeInvite: res("revokeInvite", modRes.revokeInvite),
  joinByInvite: res("joinByInvite", modRes.joinByInvite),
  setSlowMode: res("setSlowMode", modRes.setSlowMode),
  reportMessage: res("reportMessage", modRes.reportMessage),
  getPushConfig: res("getPushConfig", notifyResponses.getPushConfig),
  registerPush: res("registerPush", notifyResponses.registerPush),
  unregisterPush: res("unregisterPush", notifyResponses.unregisterPush),
  setNotify: res("setNotify", notifyResponses.setNotify),
  react: res("react", { message: Message, ...ptsOrEv }),
  unreact: res("unreact", { message: Message, ...ptsOrEv }),
  getReactions: res("getReactions", { reactions: z.array(z.object({ username: z.string(), emoji: z.string() })), has_more: z.boolean() }),
} as const satisfies Record<Mode, z.ZodType>;
export type ResponseOf<M extends Mode> = z.infer<(typeof responseSchemas)[M]>;
/** A response without the envelope the dispatcher adds (mode, timestamp, status, request_id). */
export type PayloadOf<M extends Mode> = Omit<ResponseOf<M>, "mode" | "timestamp" | "status" | "request_id">;

export const ERROR_CODES = [
  "bad_request",
  "invalid_request",
  "unknown_mode",
  "wrong_chat_type",
  "unsupported_content_type",
  "unauthorized",
  "invalid_credentials",
  "forbidden",
  "chat_not_found",
  "user_not_found",
  "message_not_found",
  "file_not_found",
  "session_not_found",
  "invite_not_found",
  "username_taken",
  "email_taken",
  "code_expired",
  "too_large",
  "rate_limited",
  "slow_mode",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorFrame = z.object({
  mode: z.string(),
  timestamp: z.number(),
  status: z.number().int(),
  request_id: z.string().optional(),
  error: z.enum(ERROR_CODES),
  message: z.string(),
  fields: z.record(z.string(), z.string()).optional(),
  retry_after_ms: z.number().int().optional(),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;
