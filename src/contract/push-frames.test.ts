// Every push builder's output is a push the contract's schemas accept, as it reaches a client.
import { describe, expect, it } from "vitest";
import { LargePush, Push, SessionRevokedPush, TypingPush, type Chat, type Message } from "./protocol";
import {
  chatPush,
  largeChatPush,
  largeMessagePush,
  largeReactionPush,
  mentionedPush,
  messagePush,
  reactionChangedPush,
  readReceiptPush,
  removedFromChatPush,
  sessionRevokedPush,
  typingPush,
} from "./push-frames";

const message: Message = {
  message_id: "m1",
  chat_id: "g_00000000-0000-0000-0000-000000000000",
  seq: 3,
  sender: "ann",
  content: 'quotes " and \\ and \u2028 and emoji 🙂',
  content_type: "text",
  timestamp: 1_700_000_000_000,
  edited_at: 1_700_000_000_500,
};
const chat: Chat = {
  chat_id: message.chat_id,
  type: "group",
  title: 'a "title"',
  members: ["ann", "bob"],
  member_count: 2,
  owner: "ann",
  last_message: message,
  unread: 1,
  last_read_seq: 2,
  updated_at: 1_700_000_000_000,
};
const large: Chat = { ...chat, members: undefined, large: true, ev: 9, member_count: 60 };
delete large.members;

const parse = (frame: string) => JSON.parse(frame) as unknown;

describe("push builders", () => {
  it("build update-log pushes the Push schema accepts, message spliced as given", () => {
    const json = JSON.stringify(message);
    for (const mode of ["newMessage", "messageEdited", "messageDeleted"] as const) {
      const f = parse(messagePush(mode, 7, json, 5));
      expect(Push.parse(f)).toEqual({ mode, timestamp: 5, pts: 7, message });
    }
    for (const mode of ["chatCreated", "chatUpdated"] as const)
      expect(Push.parse(parse(chatPush(mode, 8, chat, 5)))).toEqual({ mode, timestamp: 5, pts: 8, chat });
    expect(Push.parse(parse(removedFromChatPush(9, chat.chat_id, 5)))).toEqual({
      mode: "removedFromChat",
      timestamp: 5,
      pts: 9,
      chat_id: chat.chat_id,
    });
    expect(Push.parse(parse(readReceiptPush(10, chat.chat_id, "bob", 3, 5)))).toEqual({
      mode: "readReceipt",
      timestamp: 5,
      pts: 10,
      chat_id: chat.chat_id,
      username: "bob",
      seq: 3,
    });
  });

  it("build a large group's pushes the LargePush schema accepts", () => {
    for (const mode of ["newMessage", "messageEdited", "messageDeleted"] as const)
      expect(LargePush.parse(parse(largeMessagePush(mode, chat.chat_id, 4, JSON.stringify(message), 5)))).toEqual({
        mode,
        timestamp: 5,
        chat_id: chat.chat_id,
        ev: 4,
        message,
      });
    expect(LargePush.parse(parse(largeChatPush(chat.chat_id, 9, large, 5)))).toEqual({
      mode: "chatUpdated",
      timestamp: 5,
      chat_id: chat.chat_id,
      ev: 9,
      chat: large,
    });
  });

  it("build reactionChanged (by pts and by ev) and mentioned as their schemas say", () => {
    const change = {
      chat_id: chat.chat_id,
      seq: 3,
      username: 'b"ob',
      emoji: "👍🏽",
      added: true,
      reactions: [{ emoji: "👍🏽", count: 2 }],
    };
    expect(Push.parse(parse(reactionChangedPush(11, change, 5)))).toEqual({ mode: "reactionChanged", timestamp: 5, pts: 11, ...change });
    expect(LargePush.parse(parse(largeReactionPush(12, change, 5)))).toEqual({ mode: "reactionChanged", timestamp: 5, ev: 12, ...change });
    const withAll: Message = { ...message, reply_to: { seq: 1, sender: "bob", preview: "hi" }, mentions: ["bob"] };
    expect(Push.parse(parse(mentionedPush(13, chat.chat_id, JSON.stringify(withAll), 5)))).toEqual({
      mode: "mentioned",
      timestamp: 5,
      pts: 13,
      chat_id: chat.chat_id,
      message: withAll,
    });
  });

  it("build typing and sessionRevoked as their schemas say", () => {
    expect(TypingPush.parse(parse(typingPush(chat.chat_id, "ann", 5)))).toEqual({
      mode: "typing",
      timestamp: 5,
      chat_id: chat.chat_id,
      username: "ann",
    });
    expect(SessionRevokedPush.parse(parse(sessionRevokedPush("expired", 5)))).toEqual({
      mode: "sessionRevoked",
      timestamp: 5,
      reason: "expired",
    });
  });
});
