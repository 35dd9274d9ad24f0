// RateLimiter: one Durable Object per limited key ("auth-ip:…", "register-ip:…"), so
// counting is exact and the same in local dev as in production. Called by the Worker and
// the user objects through `limiter()`. It keeps a single number per key: the theoretical
// arrival time of the generic cell rate algorithm (GCRA), which allows `limit` events per
// `windowMs` and says exactly how long to wait when over. A key that has gone quiet
// deletes its storage (an alarm at the time its count has drained), so probing many keys
// leaves nothing behind.
import { DurableObject } from "cloudflare:workers";
import type { Limit } from "../platform/config";

export interface Verdict {
  ok: boolean;
  /** ok: how long the event must wait for its turn (0 unless a delay was allowed). */
  delayMs: number;
  /** Not ok: how long until an event would be taken. */
  retryAfterMs: number;
}

export class RateLimiter extends DurableObject<Env> {
  private tat = 0;
  private alarmAt: number | null = null;
  /** For tests (through runInDurableObject): the storage a key takes. */
  readonly probe = { databaseSize: () => this.ctx.storage.sql.databaseSize };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.tat = (await ctx.storage.get<number>("tat")) ?? 0;
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * Takes one event, atomically: callers count an attempt before doing it, so attempts sent
   * at once cannot all pass a check. With `maxDelayMs` an event over the limit is not
   * refused but given the next free turn, `delayMs` ahead, as long as that is within
   * `maxDelayMs`. A refused event counts nothing. `cost`: how many units the event takes
   * (bytes, for a limit of bytes per hour); it may not exceed `limit`.
   */
  take({ limit, windowMs }: Limit, maxDelayMs = 0, cost = 1): Verdict {
    const now = this.now();
    const interval = (windowMs / limit) * cost;
    // The earliest time this event conforms: `limit` events may be ahead of it in the window.
    const turn = Math.max(now, this.tat + interval - windowMs);
    const delayMs = Math.ceil(turn - now);
    if (delayMs > maxDelayMs) return { ok: false, delayMs: 0, retryAfterMs: delayMs - maxDelayMs };
    this.tat = Math.max(this.tat, now) + interval;
    this.save(now);
    return { ok: true, delayMs, retryAfterMs: 0 };
  }

  /** Returns an event taken earlier (the attempt turned out not to count, e.g. a good password). */
  giveBack({ limit, windowMs }: Limit): void {
    this.tat -= windowMs / limit;
    this.save(this.now());
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.save(this.now());
  }

  /** The limiter's clock; tests replace it to hold time still. */
  now(): number {
    return Date.now();
  }

  /**
   * Stores the count, and comes back when it will have drained; a drained count is nothing to
   * remember, so the key's storage (alarm included) goes.
   */
  private save(now: number): void {
    if (this.tat <= now) {
      this.tat = 0;
      this.alarmAt = null;
      void this.ctx.storage.deleteAll();
      return;
    }
    void this.ctx.storage.put("tat", this.tat);
    if (this.alarmAt !== null) return;
    // The alarm runs on the runtime's clock; the wait is measured on ours.
    this.alarmAt = Date.now() + (this.tat - now);
    void this.ctx.storage.setAlarm(this.alarmAt);
  }
}

export function limiter(env: Env, key: string): DurableObjectStub<RateLimiter> {
  return env.LIMITER.get(env.LIMITER.idFromName(key));
}
