// One Durable Object has one alarm; an object with several timed jobs (retries, flushes,
// expiries) shares it through here. Each job says when it wants to run next (`wakeAt`); the
// alarm is set to the earliest wish. When it fires, `run` (called from the object's
// `alarm()`) runs every job, then sets the alarm for the earliest wish still ahead. Every
// job, not only those due: an alarm may fire early (a test runs it, or wishes made before an
// eviction are not known any more), and jobs are written to be cheap and safe to run early
// (each looks at its own work and asks again for what is left), so none is ever lost.
export interface AlarmStorage {
  getAlarm(): Promise<number | null>;
  setAlarm(at: number): Promise<void>;
}

export type AlarmJob = (now: number) => void | Promise<void>;

/** One job's say over the alarm: when it wants to run next. */
export interface JobAlarm {
  wakeAt(at: number): void;
}

export class Alarms<J extends string = string> {
  private jobs = new Map<J, AlarmJob>();
  private due = new Map<J, number>();
  /** The alarm as set in storage (null: none), once `load` has read it. */
  private set: number | null = null;
  /** The object's storage is wiped for good: nothing is set any more. */
  private stopped = false;

  constructor(
    private readonly storage: AlarmStorage,
    private readonly now: () => number,
  ) {}

  /** Reads the pending alarm; call once, under blockConcurrencyWhile, before any `wakeAt`. */
  async load(): Promise<void> {
    this.set = await this.storage.getAlarm();
  }

  register(job: J, handler: AlarmJob): void {
    this.jobs.set(job, handler);
  }

  /** Makes sure `job` runs by `at` (an earlier wish of the same job stands). */
  async wakeAt(job: J, at: number): Promise<void> {
    if (this.stopped) return;
    const prior = this.due.get(job);
    if (prior === undefined || at < prior) this.due.set(job, at);
    if (this.set !== null && this.set <= at) return;
    this.set = at;
    await this.storage.setAlarm(at);
  }

  /** What a job's own module is given: its wishes, and nothing of the other jobs'. */
  of(job: J): JobAlarm {
    return { wakeAt: (at) => void this.wakeAt(job, at) };
  }

  wakeIn(job: J, ms: number): Promise<void> {
    return this.wakeAt(job, this.now() + ms);
  }

  /** The object's alarm fired: runs every job, then sets the alarm for the earliest wish still ahead. */
  async run(): Promise<void> {
    this.set = null;
    const now = this.now();
    for (const [j, at] of this.due) if (at <= now) this.due.delete(j);
    for (const job of this.jobs.values()) await job(now);
    const next = Math.min(...this.due.values());
    if (Number.isFinite(next) && (this.set === null || next < this.set)) {
      this.set = next;
      await this.storage.setAlarm(next);
    }
  }

  /**
   * The object's storage was wiped for good (a deleted account): every wish is dropped and
   * the alarm is never set again, so nothing is stored after the wipe (`deleteAll` took the
   * alarm itself).
   */
  stop(): void {
    this.stopped = true;
    this.due.clear();
    this.set = null;
  }
}
