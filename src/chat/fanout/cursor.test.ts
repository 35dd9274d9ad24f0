import { describe, expect, it } from "vitest";
import type { ChatEvent } from "../events";
import { cursorEnd, due, forMember, sees, type Audience } from "./cursor";

const msg = (ev: number): Audience => ({
  event: { kind: "newMessage", chat_id: "g_1", ev, timestamp: ev, seq: ev, sender: "ann", message: "{}" },
  audience: null,
});
const chat = (ev: number, audience: string[] | null = null): Audience => ({
  event: {
    kind: "chat",
    chat_id: "g_1",
    ev,
    timestamp: ev,
    chat: { type: "group", title: "t", members: ["ann", "bob"], member_count: 2, last_seq: 0, last_message: null },
  },
  audience,
});
const bob = { userId: "b", username: "bob", joinedEv: 3, leftEv: null as number | null };

describe("a member's cursor", () => {
  it("ends at their leaving, the latest event, or a large group's switch, whichever is first", () => {
    expect(cursorEnd({ leftEv: null }, 9, null)).toBe(9);
    expect(cursorEnd({ leftEv: 5 }, 9, null)).toBe(5);
    expect(cursorEnd({ leftEv: null }, 9, 7)).toBe(7);
    expect(cursorEnd({ leftEv: 8 }, 9, 7)).toBe(7);
  });

  it("sees the chat's events from joining to leaving, and those addressed to them", () => {
    expect(sees(bob, msg(2))).toBe(false);
    expect(sees(bob, msg(3))).toBe(true);
    expect(sees({ ...bob, leftEv: 4 }, msg(5))).toBe(false);
    expect(sees({ ...bob, leftEv: 4 }, chat(5, ["b"]))).toBe(true);
    expect(sees(bob, chat(6, ["a"]))).toBe(false);
  });

  it("takes what is due after `from` up to `end`, at most `max`, passing over what the member does not see", () => {
    const scan = [1, 2, 3, 4, 5, 6].map(msg);
    const some = due(bob, scan, 0, 5, 10);
    expect(some.events.map((e) => e.ev)).toEqual([3, 4, 5]);
    expect(some.upTo).toBe(5);
    expect(due(bob, scan, 3, 6, 2)).toMatchObject({ upTo: 5 });
    expect(due(bob, scan, 0, 2, 10)).toEqual({ events: [], upTo: 2 });
  });

  it("sends a member who lists a group already only what changed in it", () => {
    const e = chat(5).event as Extract<ChatEvent, { kind: "chat" }>;
    expect((forMember({ joinedEv: 3 }, e) as typeof e).chat.members).toBeUndefined();
    expect((forMember({ joinedEv: 5 }, e) as typeof e).chat.members).toEqual(["ann", "bob"]);
  });
});
