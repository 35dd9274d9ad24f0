import { describe, expect, it } from "vitest";
import { mentionAt, mentionsIn, pageAfter } from "./mention-text";

describe("mentions in the composer's text", () => {
  it("finds the name being typed after an @ that starts a word", () => {
    expect(mentionAt("hi @an", 6)).toBe("an");
    expect(mentionAt("@", 1)).toBe("");
    expect(mentionAt("hi @ann and more", 7)).toBe("ann");
    expect(mentionAt("hi @ann ", 8)).toBeNull();
    expect(mentionAt("mail bob@exa", 12)).toBeNull();
    expect(mentionAt("no at here", 10)).toBeNull();
  });

  it("lists every @name once, with a sentence's stop taken off too, at most 50", () => {
    expect(mentionsIn("@ann and @bob_2, see @ann. Mail ann@example.com")).toEqual(["ann", "bob_2", "ann."]);
    expect(mentionsIn("@ab is too short, @a.b.c is a name")).toEqual(["a.b.c"]);
    expect(mentionsIn(Array.from({ length: 60 }, (_, i) => `@user${i}`).join(" "))).toHaveLength(50);
  });

  it("starts a member page just before the first name with the prefix", () => {
    expect(pageAfter("")).toBeUndefined();
    expect(pageAfter("Bo")).toBe("bn~");
    const names = ["bn", "bnzz", "bo", "bob", "bp"];
    expect(names.filter((n) => n > pageAfter("bo")!)).toEqual(["bo", "bob", "bp"]);
  });
});
