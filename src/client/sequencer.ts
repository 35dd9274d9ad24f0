// Applies numbered updates strictly in order, each once: the user's log by `pts`, and each
// large group by its own `ev`. An update it already applied is ignored, one that comes early
// is held until those before it arrive, and a gap that stays open past `gapMs` asks the
// owner to fill it (`sync` for the log, `getChatUpdates` for a group). An update answered in
// a response instead of pushed is held as null: it counts as applied without being emitted.
import { realTimers, type TimerHandle, type Timers } from "./timers";

export interface SequencerHooks<T> {
  /** An update in its turn. */
  apply(update: T): void;
  /** The last applied number moved (once per drain, or when a starting point is set). */
  moved(n: number): void;
  /** A gap stayed open `gapMs`: fetch what is missing (the owner sets `filling` meanwhile). */
  fill(): void;
  /** Whether a fill can reach the server now; a gap is not timed while it cannot. */
  connected(): boolean;
}

export class Sequencer<T> {
  /** Applied up to here; undefined until the owner learns where the sequence stands. */
  private last: number | undefined;
  private readonly held = new Map<number, T | null>();
  private gap: TimerHandle | null = null;
  /** Set by the owner while it fetches what is missing: no gap timer runs meanwhile. */
  filling = false;

  constructor(
    private readonly hooks: SequencerHooks<T>,
    private readonly gapMs: number,
    private readonly timers: Timers = realTimers,
    start?: number,
  ) {
    this.last = start;
  }

  get applied(): number | undefined {
    return this.last;
  }

  get waiting(): number {
    return this.held.size;
  }

  /** Takes one update (null for one answered in a response) and applies what is now in order. */
  receive(n: number, update: T | null): void {
    this.hold(n, update);
    this.drain();
  }

  /** Takes one update without applying yet (a page of a fill: `drain` once after it). */
  hold(n: number, update: T | null): void {
    if (this.last !== undefined && n <= this.last) return;
    // A response's null stays null: its update was answered, so it is never emitted.
    this.held.set(n, this.held.get(n) === null ? null : update);
  }

  /** The server says nothing happened between the last applied and `n`: nothing to wait for there. */
  nothingUntil(n: number): void {
    if (this.last === undefined) return;
    for (let k = this.last + 1; k <= n; k++) if (!this.held.has(k)) this.held.set(k, null);
  }

  /** Starts (or starts again) from `n`: what is held up to it is dropped, later updates still wait. */
  start(n: number): void {
    this.last = n;
    for (const k of this.held.keys()) if (k <= n) this.held.delete(k);
    this.hooks.moved(n);
  }

  /** Forgets where the sequence stands and everything held. */
  reset(): void {
    this.last = undefined;
    this.held.clear();
    this.pause();
  }

  /** Drops what is held (the sequence it came from is not the one being followed any more). */
  dropHeld(): void {
    this.held.clear();
  }

  /** Applies what is in order; a gap left open is timed (unless a fill is running or there is no connection). */
  drain(): void {
    if (this.last !== undefined) {
      const before = this.last;
      for (let next = this.last + 1; this.held.has(next); next++) {
        const update = this.held.get(next) ?? null;
        this.held.delete(next);
        this.last = next;
        if (update !== null) this.hooks.apply(update);
      }
      if (this.last !== before) this.hooks.moved(this.last);
    }
    this.pause();
    if (this.held.size && !this.filling && this.hooks.connected())
      this.gap = this.timers.set(() => {
        this.gap = null;
        this.hooks.fill();
      }, this.gapMs);
  }

  /** Stops timing a gap (the connection is gone; the reconnect catches up). */
  pause(): void {
    if (this.gap !== null) this.timers.clear(this.gap);
    this.gap = null;
  }
}
