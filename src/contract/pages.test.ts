import { describe, expect, it } from "vitest";
import { fitting } from "./pages";

describe("fitting", () => {
  it("keeps the items that fit in the budget, at least one", () => {
    const item = "x".repeat(98); // 100 bytes of JSON, 101 with its comma
    expect(fitting([item, item, item], 303)).toBe(3);
    expect(fitting([item, item, item], 302)).toBe(2);
    expect(fitting(["é".repeat(200)], 10)).toBe(1);
    expect(fitting([], 10)).toBe(0);
  });
});
