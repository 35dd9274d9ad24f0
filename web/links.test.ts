import { describe, expect, it } from "vitest";
import { linkPieces } from "./links";

describe("links in a message", () => {
  it("finds http, https and e-mail addresses, leaving a sentence's punctuation out", () => {
    expect(linkPieces("see https://example.com/a?b=1. or mail ann@example.org!")).toEqual([
      { text: "see " },
      { text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { text: ". or mail " },
      { text: "ann@example.org", href: "mailto:ann@example.org" },
      { text: "!" },
    ]);
    expect(linkPieces("(http://x.dev/Foo_(bar))")).toEqual([
      { text: "(" },
      { text: "http://x.dev/Foo_(bar)", href: "http://x.dev/Foo_(bar)" },
      { text: ")" },
    ]);
  });

  it("never makes a link of another scheme, and leaves text alone", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.dev/file", "<a href=x>hi</a>", "plain words"])
      expect(linkPieces(text).every((p) => p.href === undefined)).toBe(true);
    expect(linkPieces("")).toEqual([{ text: "" }]);
  });
});
