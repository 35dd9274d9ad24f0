import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { inTurns, pooled } from "./turns";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Lets every settled promise run on, with no timer. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("pooled", () => {
  it("is a pool, not rounds: a slow item holds one slot while the others go on, each item once with its index", async () => {
    const started: number[] = [];
    const seen: [string, number][] = [];
    const done = pooled(["slow", "b", "c", "d"], 2, async (item, i) => {
      started.push(i);
      seen.push([item, i]);
      await new Promise((r) => setTimeout(r, item === "slow" ? 100 : 10));
    });
    await vi.advanceTimersByTimeAsync(30);
    // Rounds of two would still wait for "slow" before starting "c".
    expect(started).toEqual([0, 1, 2, 3]);
    await vi.runAllTimersAsync();
    await done;
    expect(seen).toEqual([
      ["slow", 0],
      ["b", 1],
      ["c", 2],
      ["d", 3],
    ]);
  });
});

describe("inTurns", () => {
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
