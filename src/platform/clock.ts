// Time as the objects read it for their rules (send limits, session expiry). In production
// it is the system clock. A test stops it at a moment of its choosing and moves it by hand
// (through runInDurableObject), so a rule about time is tested exactly, however slow or
// busy the machine running the test is.
export class Clock {
  private stopped: number | null = null;

  now(): number {
    return this.stopped ?? Date.now();
  }

  /** Stops the clock at `ms` (unix ms); it then moves only by `advance`. For tests. */
  stopAt(ms: number): void {
    this.stopped = ms;
  }

  /** Moves a stopped clock on (or stops a running one `ms` from now). For tests. */
  advance(ms: number): void {
    this.stopped = this.now() + ms;
  }
}
