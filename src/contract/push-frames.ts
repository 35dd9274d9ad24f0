// Every push the service sends, each built by one function here. A message travels as JSON
// text serialised once by its chat object (`MessageJson`) and is spliced into each frame as
// it is, so one message pushed to a thousand members is serialised once; the rest of a
// frame is built from typed values. push-frames.test.ts parses what each builder makes
// with the push schemas of protocol.ts.
import type { Chat, ReactionChange, SessionEndReason, SessionRevokedPush, TypingPush } from "./protocol";

/** A Message as JSON text (protocol.ts `Message`), serialised once by the chat object. */
export type MessageJson = string;
export type MessagePushMode = "newMessage" | "messageEdited" | "messageDeleted";
export type ChatPushMode = "chatCreated" | "chatUpdated";

const str = (s: string) => JSON.stringify(s);

// ---- Pushes of the update log (numbered by the user's `pts`) ----

export function messagePush(mode: MessagePushMode, pts: number, message: MessageJson, timestamp = Date.now()): string {
  return `{"mode":"${mode}","timestamp":${timestamp},"pts":${pts},"message":${message}}`;
}

export function chatPush(mode: ChatPushMode, pts: number, chat: Chat, timestamp = Date.now()): string {
  return `{"mode":"${mode}","timestamp":${timestamp},"pts":${pts},"chat":${JSON.stringify(chat)}}`;
}

export function removedFromChatPush(pts: number, chatId: string, timestamp = Date.now()): string {
  return `{"mode":"removedFromChat","timestamp":${timestamp},"pts":${pts},"chat_id":${str(chatId)}}`;
}

export function readReceiptPush(pts: number, chatId: string, username: string, seq: number, timestamp = Date.now()): string {
  return `{"mode":"readReceipt","timestamp":${timestamp},"pts":${pts},"chat_id":${str(chatId)},"username":${str(username)},"seq":${seq}}`;
}

// A reaction came or went (the counts after it). Built from typed values, as a large group's is.

const reactionBody = (r: ReactionChange) =>
  `"chat_id":${str(r.chat_id)},"seq":${r.seq},"username":${str(r.username)},"emoji":${str(r.emoji)},"added":${r.added},"reactions":${JSON.stringify(r.reactions)}`;

export function reactionChangedPush(pts: number, r: ReactionChange, timestamp = Date.now()): string {
  return `{"mode":"reactionChanged","timestamp":${timestamp},"pts":${pts},${reactionBody(r)}}`;
}

/** A large group's message that mentions the user, in their own log. */
export function mentionedPush(pts: number, chatId: string, message: MessageJson, timestamp = Date.now()): string {
  return `{"mode":"mentioned","timestamp":${timestamp},"pts":${pts},"chat_id":${str(chatId)},"message":${message}}`;
}

// ---- A large group's pushes (numbered by the chat's `ev`, in no log) ----

export function largeMessagePush(mode: MessagePushMode, chatId: string, ev: number, message: MessageJson, timestamp: number): string {
  return `{"mode":"${mode}","timestamp":${timestamp},"chat_id":${str(chatId)},"ev":${ev},"message":${message}}`;
}

export function largeChatPush(chatId: string, ev: number, chat: Chat, timestamp: number): string {
  return `{"mode":"chatUpdated","timestamp":${timestamp},"chat_id":${str(chatId)},"ev":${ev},"chat":${JSON.stringify(chat)}}`;
}

export function largeReactionPush(ev: number, r: ReactionChange, timestamp: number): string {
  return `{"mode":"reactionChanged","timestamp":${timestamp},"ev":${ev},${reactionBody(r)}}`;
}

// ---- Pushes that are not updates: no pts, not stored ----

export function typingPush(chatId: string, username: string, timestamp = Date.now()): string {
  return JSON.stringify({ mode: "typing", timestamp, chat_id: chatId, username } satisfies TypingPush);
}

export function sessionRevokedPush(reason: SessionEndReason, timestamp = Date.now()): string {
  return JSON.stringify({ mode: "sessionRevoked", timestamp, reason } satisfies SessionRevokedPush);
}
