import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { inTurns } from "./turns";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Lets every settled promise run on, with no timer. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe("inTurns", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("makes each call after a timer turn: none while only promises run", async () => {
    const called: number[] = [];
    const done = inTurns(range(40), 16, async (i) => {
      called.push(i);
    });
    await settle();
    expect(called).toEqual([]);
    await vi.runAllTimersAsync();
    await done;
    expect(called.sort((a, b) => a - b)).toEqual(range(40));
  });

  it("keeps at most atOnce calls in flight, and that many while there are enough", async () => {
    let inFlight = 0;
    let most = 0;
    const done = inTurns(range(40), 16, async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
    });
    await vi.runAllTimersAsync();
    await done;
    expect(most).toBe(16);
  });

  it("skips the rest once go() says no", async () => {
    const called: number[] = [];
    let going = true;
    const done = inTurns(
      range(40),
      4,
      async (i) => {
        called.push(i);
        if (called.length === 6) going = false;
      },
      () => going,
    );
    await vi.runAllTimersAsync();
    await done;
    expect(called).toHaveLength(6);
  });

  it("is done at once with nothing to do", async () => {
    await expect(inTurns([], 16, async () => {})).resolves.toBeUndefined();
  });
});
