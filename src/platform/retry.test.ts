import { describe, expect, it } from "vitest";
import { retryDelay } from "./retry";

describe("retryDelay", () => {
  it("doubles from a second up to a minute, jittered between half and all of it", () => {
    expect(retryDelay(1, () => 1)).toBe(1_000);
    expect(retryDelay(1, () => 0)).toBe(500);
    expect(retryDelay(3, () => 1)).toBe(4_000);
    expect(retryDelay(7, () => 1)).toBe(60_000);
    expect(retryDelay(50, () => 0)).toBe(30_000);
  });
});
