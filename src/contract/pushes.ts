// Every push as zod schemas: the updates in a member's log (numbered by pts), a large
// group's pushes (numbered by the chat's ev), and the pushes that are not updates (typing,
// a session's end). Re-exported by protocol.ts.
import { z } from "zod";
import { Chat, Message } from "./entities";
import { Reaction } from "./replies";

const reactionChanged = {
  chat_id: z.string(),
  seq: z.number().int(),
  username: z.string(),
  emoji: z.string(),
  added: z.boolean(),
  reactions: z.array(Reaction),
};
/** What a reactionChanged push says (with `pts` or `ev`): the server builds it, clients apply it. */
export type ReactionChange = z.infer<z.ZodObject<typeof reactionChanged>>;
const push = <M extends string, S extends z.ZodRawShape>(mode: M, shape: S) =>
  z.object({ mode: z.literal(mode), timestamp: z.number(), pts: z.number().int(), ...shape });

export const pushSchemas = {
  newMessage: push("newMessage", { message: Message }),
  messageEdited: push("messageEdited", { message: Message }),
  messageDeleted: push("messageDeleted", { message: Message }),
  chatCreated: push("chatCreated", { chat: Chat }),
  chatUpdated: push("chatUpdated", { chat: Chat }),
  removedFromChat: push("removedFromChat", { chat_id: z.string() }),
  readReceipt: push("readReceipt", { chat_id: z.string(), username: z.string(), seq: z.number().int() }),
  reactionChanged: push("reactionChanged", reactionChanged),
  mentioned: push("mentioned", { chat_id: z.string(), message: Message }),
} as const;
export const Push = z.discriminatedUnion("mode", [
  pushSchemas.newMessage,
  pushSchemas.messageEdited,
  pushSchemas.messageDeleted,
  pushSchemas.chatCreated,
  pushSchemas.chatUpdated,
  pushSchemas.removedFromChat,
  pushSchemas.readReceipt,
  pushSchemas.reactionChanged,
  pushSchemas.mentioned,
]);
export type Push = z.infer<typeof Push>;
export type PushMode = Push["mode"];

// A large group's pushes: numbered by the chat's own `ev`, not in any update log.
const evPush = <M extends string, S extends z.ZodRawShape>(mode: M, shape: S) =>
  z.object({ mode: z.literal(mode), timestamp: z.number(), chat_id: z.string(), ev: z.number().int(), ...shape });

export const largePushSchemas = {
  newMessage: evPush("newMessage", { message: Message }),
  messageEdited: evPush("messageEdited", { message: Message }),
  messageDeleted: evPush("messageDeleted", { message: Message }),
  chatUpdated: evPush("chatUpdated", { chat: Chat }),
  reactionChanged: evPush("reactionChanged", reactionChanged),
} as const;
export const LargePush = z.discriminatedUnion("mode", [
  largePushSchemas.newMessage,
  largePushSchemas.messageEdited,
  largePushSchemas.messageDeleted,
  largePushSchemas.chatUpdated,
  largePushSchemas.reactionChanged,
]);
export type LargePush = z.infer<typeof LargePush>;

/** Pushes that are not updates: no pts, not stored, not replayed. */
export const TypingPush = z.object({
  mode: z.literal("typing"),
  timestamp: z.number(),
  chat_id: z.string(),
  username: z.string(),
});
export type TypingPush = z.infer<typeof TypingPush>;
/**
 * `reason` is this service's addition to the contract's empty payload, so a client can say
 * why: "revoked" (a logout, revokeSession, a password change or reset elsewhere),
 * "expired" (the session's lifetime ran out), "deleted" (the account was deleted).
 */
export const SESSION_END_REASONS = ["revoked", "expired", "deleted"] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];
export const SessionRevokedPush = z.object({
  mode: z.literal("sessionRevoked"),
  timestamp: z.number(),
  reason: z.enum(SESSION_END_REASONS).optional(),
});
export type SessionRevokedPush = z.infer<typeof SessionRevokedPush>;

/** Close code for a socket whose session was revoked (logout, password reset, expiry). */
export const CLOSE_REVOKED = 4001;
