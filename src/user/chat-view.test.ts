import { describe, expect, it } from "vitest";
import { Chat } from "../contract/protocol";
import { renderChat, roleOf, withChange, type ChatRow } from "./chat-view";

const me = { id: "1", username: "ann" };
const row = (over: Partial<ChatRow>): ChatRow => ({
  chat_id: "g_x",
  type: "group",
  title: "Crew",
  members: '["ann","bob"]',
  owner: "ann",
  last_message: null,
  last_seq: 5,
  last_read_seq: 2,
  updated_at: 10,
  unread_mentions: 0,
  large: 0,
  ev: 0,
  member_count: 2,
  peer_read_seq: 0,
  peer_deleted: 0,
  description: "",
  slow_mode_s: 0,
  role: "owner",
  notify: null,
  ...over,
});

describe("the chat list's projection", () => {
  it("renders a small group with its members and unread", () => {
    const chat = renderChat(me, row({}));
    expect(Chat.parse(chat)).toEqual({
      chat_id: "g_x",
      type: "group",
      title: "Crew",
      members: ["ann", "bob"],
      member_count: 2,
      owner: "ann",
      last_message: null,
      unread: 3,
      last_read_seq: 2,
      updated_at: 10,
      role: "owner",
      description: "",
      slow_mode_s: 0,
      notify: "all",
    });
  });

  it("renders a large group without members, with ev and member_count", () => {
    const chat = renderChat(me, row({ large: 1, ev: 7, member_count: 60, members: "[]" }));
    expect(chat).toMatchObject({ large: true, ev: 7, member_count: 60, notify: "mentions" });
    expect(chat.members).toBeUndefined();
  });

  it("titles a direct chat by the other member, with the peer's read position and deletion", () => {
    const chat = renderChat(me, row({ chat_id: "d_x", type: "direct", owner: null, peer_read_seq: 4, peer_deleted: 1 }));
    expect(Chat.parse(chat)).toMatchObject({ title: "bob", peer_last_read_seq: 4, peer_deleted: true });
    expect(chat.member_count).toBeUndefined();
  });

  it("applies a member change: those who left out, newcomers at the end, once", () => {
    expect(withChange(["a", "b", "c"], { removed: ["b"], added: ["d", "a"] })).toEqual(["a", "c", "d"]);
    expect(withChange(["a"], {})).toEqual(["a"]);
  });
});

describe("my role in a group", () => {
  it("is owner, admin or member from a chat event, and none in a direct chat", () => {
    const c = { type: "group" as const, owner: "ann", admins: ["bob"] };
    expect(roleOf(me, c)).toBe("owner");
    expect(roleOf({ id: "2", username: "bob" }, c)).toBe("admin");
    expect(roleOf({ id: "3", username: "cy" }, c)).toBe("member");
    expect(roleOf(me, { type: "direct" })).toBeNull();
  });
});
