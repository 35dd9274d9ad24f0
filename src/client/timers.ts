// The clock and timers the client's state machines run on: the real ones by default, a
// test's own in the unit tests, so no test waits on real time.

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  now(): number;
  set(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle),
};
