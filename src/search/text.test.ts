import { describe, expect, it } from "vitest";
import { indexText, matchExpression, SNIPPET_MAX, snippet } from "./text";

const length = (s: string) => [...s].length;

describe("matchExpression", () => {
  it("quotes every word, so nothing in a query is FTS5 syntax", () => {
    expect(matchExpression('say "NEAR(a -b')).toBe('"say" """NEAR(a" "-b"*');
    expect(matchExpression("^x* y")).toBe('"^x*" "y"*');
  });
  it("is null for a query with nothing to look for", () => {
    for (const q of ["", "   ", '"', "*", "-", "^", "?!.,", "«»"]) expect(matchExpression(q)).toBeNull();
  });
  it("makes a run of unspaced script a phrase of its characters, not a prefix", () => {
    expect(matchExpression("京都")).toBe('" 京  都 "');
    expect(indexText("東京都庁 ok")).toBe(" 東  京  都  庁  ok");
  });
});

describe("snippet", () => {
  it("marks words whatever their case and accents, in any order", () => {
    expect(snippet("Café au LAIT à Paris", "paris CAFE")).toBe("«Café» au LAIT à «Paris»");
    expect(snippet("category cat", "cat x")).toBe("category «cat»");
    expect(snippet("category cat", "cat")).toBe("«cat»egory «cat»");
  });
  it("marks substrings of unspaced scripts", () => {
    expect(snippet("東京都庁で", "京都")).toBe("東«京都»庁で");
  });
  it("cuts a long message around its first match, in at most 200 characters", () => {
    const long = `${"lorem ipsum ".repeat(40)}needle here ${"dolor sit ".repeat(40)}`;
    const s = snippet(long, "needle");
    expect(s.startsWith("…")).toBe(true);
    expect(s.endsWith("…")).toBe(true);
    expect(s).toContain("«needle» here");
    expect(length(s)).toBeLessThanOrEqual(SNIPPET_MAX);
    const dense = snippet("ab ".repeat(300), "ab");
    expect(length(dense)).toBeLessThanOrEqual(SNIPPET_MAX);
    expect(dense.match(/«/g)?.length).toBe(dense.match(/»/g)?.length);
  });
});
