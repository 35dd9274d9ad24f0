import { describe, expect, it } from "vitest";
import type { Message } from "../contract/protocol";
import { withReaction, withReplyPreview } from "./reactions";

const base: Message = { message_id: "m", chat_id: "g_1", seq: 2, sender: "ann", content: "hi", content_type: "text", timestamp: 1 };
const push = (username: string, emoji: string, added: boolean, reactions: { emoji: string; count: number }[]) => ({
  chat_id: "g_1",
  seq: 2,
  username,
  emoji,
  added,
  reactions,
});

describe("withReaction", () => {
  it("takes the push's counts and moves mine only for my own change", () => {
    const one = withReaction(base, push("bob", "👍", true, [{ emoji: "👍", count: 1 }]), "ann");
    expect(one.reactions).toEqual([{ emoji: "👍", count: 1, mine: false }]);
    const two = withReaction(one, push("ann", "👍", true, [{ emoji: "👍", count: 2 }]), "ann");
    expect(two.reactions).toEqual([{ emoji: "👍", count: 2, mine: true }]);
    const gone = withReaction(two, push("ann", "👍", false, [{ emoji: "👍", count: 1 }]), "ann");
    expect(gone.reactions).toEqual([{ emoji: "👍", count: 1, mine: false }]);
    expect(withReaction(gone, push("bob", "👍", false, []), "ann").reactions).toBeUndefined();
    expect(withReaction({ ...base, seq: 3 }, push("bob", "👍", true, [{ emoji: "👍", count: 1 }]), "ann").reactions).toBeUndefined();
  });
});

describe("withReplyPreview", () => {
  it("shows the original as it is now", () => {
    const reply = { ...base, seq: 5, reply_to: { seq: 2, sender: "ann", preview: "hi" } };
    expect(withReplyPreview(reply, { ...base, content: "hello" }).reply_to).toEqual({ seq: 2, sender: "ann", preview: "hello" });
    expect(withReplyPreview(reply, { ...base, content: "", deleted: true }).reply_to).toEqual({
      seq: 2,
      sender: "ann",
      preview: "",
      deleted: true,
    });
  });
});
