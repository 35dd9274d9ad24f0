// Timers for the unit tests beside this file: they run only when a test moves the clock, so
// no test waits on real time. Nothing in the library imports this.
import type { TimerHandle, Timers } from "./timers";

/** Timers that run only when the test moves the clock. */
export class ManualTimers implements Timers {
  private at = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  now = () => this.at;
  set = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.due.set(id, { at: this.at + ms, fn });
    return id as unknown as TimerHandle;
  };
  clear = (handle: TimerHandle) => void this.due.delete(handle as unknown as number);
  get pending(): number {
    return this.due.size;
  }
  advance(ms: number): void {
    const until = this.at + ms;
    for (;;) {
      const [id, t] = [...this.due].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || !t) break;
      this.due.delete(id);
      this.at = t.at;
      t.fn();
    }
    this.at = until;
  }
}
