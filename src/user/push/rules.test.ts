import { describe, expect, it } from "vitest";
import type { Message } from "../../contract/protocol";
import { levelOf, notifies, pushBody } from "./rules";

const msg = (over: Partial<Message> & Record<string, unknown> = {}): Message => ({
  message_id: "m",
  chat_id: "c",
  seq: 1,
  sender: "ann",
  content: "hello",
  content_type: "text",
  timestamp: 0,
  ...over,
});

describe("push rules", () => {
  it("defaults to all, large groups to mentions, a choice wins", () => {
    expect(levelOf(null, false)).toBe("all");
    expect(levelOf(null, true)).toBe("mentions");
    expect(levelOf("all", true)).toBe("all");
    expect(levelOf("none", false)).toBe("none");
  });

  it("never the user's own, nothing at none, mentions and replies at mentions", () => {
    expect(notifies(msg(), "ann", "all")).toBe(false);
    expect(notifies(msg(), "bob", "all")).toBe(true);
    expect(notifies(msg(), "bob", "none")).toBe(false);
    expect(notifies(msg(), "bob", "mentions")).toBe(false);
    expect(notifies(msg({ mentions: ["bob"] }), "bob", "mentions")).toBe(true);
    expect(notifies(msg({ reply_to: { seq: 1, sender: "bob", preview: "" } }), "bob", "mentions")).toBe(true);
  });

  it("a body is the sender and at most 100 characters, or only New message", () => {
    expect(pushBody(msg({ content: "x".repeat(150) }), true)).toBe(`ann: ${"x".repeat(100)}…`);
    expect(pushBody(msg(), false)).toBe("New message");
  });
});
