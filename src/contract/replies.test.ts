// The one-emoji rule and a reply's preview, as the contract states them.
import { describe, expect, it } from "vitest";
import { isOneEmoji, replyPreview } from "./replies";

describe("one emoji", () => {
  it("takes a single grapheme cluster that is an emoji, at most 32 bytes", () => {
    for (const ok of ["👍", "👍🏽", "🇫🇷", "👩‍👩‍👧", "1️⃣", "❤️", "🏳️‍🌈"]) expect(isOneEmoji(ok), ok).toBe(true);
    for (const bad of ["", "a", "ok", "👍👍", "👍 ", "1", "#", "\u200d", "👩‍👩‍👧‍👦".repeat(2)]) expect(isOneEmoji(bad), bad).toBe(false);
  });
});

describe("reply preview", () => {
  it("is the first 100 code points, the file's name for a bare attachment, empty once deleted", () => {
    const base = { seq: 4, sender: "ann" };
    expect(replyPreview({ ...base, content: "𝒳".repeat(120) }).preview).toBe("𝒳".repeat(100));
    expect(replyPreview({ ...base, content: "short" })).toEqual({ ...base, preview: "short" });
    expect(replyPreview({ ...base, content: "", attachment: { name: "cat.png" } }).preview).toBe("cat.png");
    expect(replyPreview({ ...base, content: "caption", attachment: { name: "cat.png" } }).preview).toBe("caption");
    expect(replyPreview({ ...base, content: "", deleted: true })).toEqual({ ...base, preview: "", deleted: true });
  });
});
