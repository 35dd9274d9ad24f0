// The user object's one alarm, shared by the jobs that need waking: it rings at the
// earliest time any of them asked for, and on each ring every job does what is due and
// asks again for its next time.
export class Alarm {
  private at: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the pending alarm; call once under blockConcurrencyWhile. */
  async load(): Promise<void> {
    this.at = await this.storage.getAlarm();
  }

  wakeAt(at: number): void {
    if (this.at !== null && this.at <= at) return;
    this.at = at;
    void this.storage.setAlarm(at);
  }

  /** The alarm rang: nothing is pending until a job asks again. */
  rang(): void {
    this.at = null;
  }
}
