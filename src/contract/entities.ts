// The objects of the wire contract (../shared/protocol.md): a user, a file, a message, a
// search result, a chat, a device session. Re-exported by protocol.ts, which builds its
// responses and pushes from them.
import { z } from "zod";
import { ROLES } from "./moderation";
import { NotifyLevel } from "./notifications";
import { Reaction, ReplyTo } from "./replies";

export const User = z.object({ id: z.string(), username: z.string() });
export type User = z.infer<typeof User>;

/** A file as POST /upload answers it, and as a message carries it. */
export const Attachment = z.object({
  file_id: z.string(),
  name: z.string(),
  size: z.number().int(),
  mime: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
});
export type Attachment = z.infer<typeof Attachment>;

export const CONTENT_TYPES = ["text", "image", "file"] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const Message = z.object({
  message_id: z.string(),
  chat_id: z.string(),
  seq: z.number().int(),
  sender: z.string(),
  content: z.string(),
  content_type: z.enum(CONTENT_TYPES),
  attachment: Attachment.optional(),
  timestamp: z.number(),
  client_msg_id: z.string().optional(),
  edited_at: z.number().optional(),
  deleted: z.literal(true).optional(),
  reply_to: ReplyTo.optional(),
  mentions: z.array(z.string()).optional(),
  reactions: z.array(Reaction).optional(),
});
export type Message = z.infer<typeof Message>;

/** A searchMessages result: the message as it is now, and its matches marked « » in at most 200 characters. */
export const SearchResult = z.object({ chat_id: z.string(), message: Message, snippet: z.string() });
export type SearchResult = z.infer<typeof SearchResult>;

export const Chat = z.object({
  chat_id: z.string(),
  type: z.enum(["direct", "group"]),
  title: z.string(),
  /** Absent for a large group: getMembers pages its members. */
  members: z.array(z.string()).optional(),
  /** Every group. */
  member_count: z.number().int().optional(),
  /** A large group: its updates come by `ev` (getChatUpdates), not in the update log. */
  large: z.literal(true).optional(),
  /** A large group's latest event; its next one is ev + 1. */
  ev: z.number().int().optional(),
  owner: z.string().optional(),
  last_message: Message.nullable(),
  unread: z.number().int(),
  last_read_seq: z.number().int(),
  updated_at: z.number(),
  /** Direct chats: how far the other member has read. */
  peer_last_read_seq: z.number().int().optional(),
  /** Direct chats: the other member deleted their account; nothing more can be sent here. */
  peer_deleted: z.literal(true).optional(),
  /** Groups: my role, the description, the slow mode's seconds (moderation.ts). */
  role: z.enum(ROLES).optional(),
  description: z.string().optional(),
  slow_mode_s: z.number().int().optional(),
  /** Which of its messages notify this user (Web Push). */
  notify: NotifyLevel.optional(),
  /** Messages mentioning me after my last_read_seq, not mine, not deleted. */
  unread_mentions: z.number().int().optional(),
});
export type Chat = z.infer<typeof Chat>;

/** A logged-in device, as getSessions lists it. */
export const DeviceSession = z.object({
  session_id: z.string(),
  created_at: z.number(),
  last_seen_at: z.number(),
  user_agent: z.string(),
  /** A country code, where the edge knew one. */
  location: z.string().optional(),
  /** The session that asked. */
  current: z.boolean(),
});
export type DeviceSession = z.infer<typeof DeviceSession>;
