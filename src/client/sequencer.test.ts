import { describe, expect, it } from "vitest";
import { Sequencer } from "./sequencer";
import { ManualTimers } from "./manual-timers";

function setup(start?: number, connected = true) {
  const timers = new ManualTimers();
  const applied: string[] = [];
  const moved: number[] = [];
  let fills = 0;
  const seq = new Sequencer<string>(
    { apply: (u) => applied.push(u), moved: (n) => moved.push(n), fill: () => fills++, connected: () => connected },
    500,
    timers,
    start,
  );
  return { seq, timers, applied, moved, fills: () => fills };
}

describe("Sequencer", () => {
  it("applies updates in order, each once, and reports where it stands once per drain", () => {
    const { seq, applied, moved } = setup(0);
    seq.receive(1, "a");
    seq.receive(1, "a again");
    seq.receive(2, "b");
    expect(applied).toEqual(["a", "b"]);
    expect(moved).toEqual([1, 2]);
    expect(seq.applied).toBe(2);
  });

  it("holds an early update until the ones before it arrive", () => {
    const { seq, applied } = setup(0);
    seq.receive(3, "c");
    seq.receive(2, "b");
    expect(applied).toEqual([]);
    expect(seq.waiting).toBe(2);
    seq.receive(1, "a");
    expect(applied).toEqual(["a", "b", "c"]);
    expect(seq.waiting).toBe(0);
  });

  it("counts an update answered in a response as applied without emitting it, even if its push comes too", () => {
    const { seq, applied, moved } = setup(0);
    seq.receive(2, null);
    seq.receive(2, "b pushed");
    seq.receive(1, "a");
    expect(applied).toEqual(["a"]);
    expect(moved).toEqual([2]);
  });

  it("asks for a fill once a gap stays open for the gap time, and not while a fill runs", () => {
    const { seq, timers, fills } = setup(0);
    seq.receive(2, "b");
    timers.advance(499);
    expect(fills()).toBe(0);
    timers.advance(1);
    expect(fills()).toBe(1);

    seq.filling = true;
    seq.receive(3, "c");
    timers.advance(10_000);
    expect(fills()).toBe(1);
    seq.filling = false;
    seq.drain();
    timers.advance(500);
    expect(fills()).toBe(2);
  });

  it("stops timing a gap once it closes, and does not time one without a connection", () => {
    const { seq, timers, fills } = setup(0);
    seq.receive(2, "b");
    seq.receive(1, "a");
    expect(timers.pending).toBe(0);
    timers.advance(1_000);
    expect(fills()).toBe(0);

    const offline = setup(0, false);
    offline.seq.receive(2, "b");
    offline.timers.advance(1_000);
    expect(offline.fills()).toBe(0);
  });

  it("pauses the gap timer on a drop, and forgets everything on reset", () => {
    const { seq, timers, fills } = setup(0);
    seq.receive(2, "b");
    seq.pause();
    timers.advance(1_000);
    expect(fills()).toBe(0);
    seq.reset();
    expect(seq.applied).toBeUndefined();
    expect(seq.waiting).toBe(0);
  });

  it("holds updates until it learns where to start, then drops the ones up to the start", () => {
    const { seq, applied, moved } = setup();
    seq.receive(5, "e");
    seq.receive(7, "g");
    expect(applied).toEqual([]);
    seq.start(5);
    expect(moved).toEqual([5]);
    seq.receive(6, "f");
    expect(applied).toEqual(["f", "g"]);
  });

  it("fills a page: holds each update, fills what the server says is empty, applies once", () => {
    const { seq, applied, moved } = setup(0);
    seq.hold(1, "a");
    seq.hold(2, "b");
    expect(applied).toEqual([]);
    seq.drain();
    expect(applied).toEqual(["a", "b"]);
    seq.receive(6, "f");
    seq.nothingUntil(5);
    seq.drain();
    expect(applied).toEqual(["a", "b", "f"]);
    expect(moved).toEqual([2, 6]);
  });

  it("starts again from a log that ends before its own, dropping what it held", () => {
    const { seq } = setup(10);
    seq.receive(12, "l");
    seq.dropHeld();
    seq.start(3);
    expect(seq.applied).toBe(3);
    expect(seq.waiting).toBe(0);
  });
});
