// The generic cell rate algorithm: a limit of `limit` events per `windowMs` allows a burst
// of `limit`, then one event every `windowMs / limit`. Its whole state is one number, the
// theoretical arrival time; it is exact, and over the limit it says exactly how long to wait.
import type { Limit } from "./config";

export interface Verdict {
  ok: boolean;
  retryAfterMs: number;
}

export class Gcra {
  constructor(
    /** The theoretical arrival time (unix ms); 0 for a full burst. */
    public tat = 0,
  ) {}

  /** Would one more event be allowed at `now`? Counts nothing. */
  check({ limit, windowMs }: Limit, now: number): Verdict {
    const wait = Math.max(this.tat, now) + windowMs / limit - now - windowMs;
    return wait > 0 ? { ok: false, retryAfterMs: Math.ceil(wait) } : { ok: true, retryAfterMs: 0 };
  }

  /** Counts one event at `now` if it is allowed; over the limit it counts nothing. */
  hit(limit: Limit, now: number): Verdict {
    const v = this.check(limit, now);
    if (v.ok) this.tat = Math.max(this.tat, now) + limit.windowMs / limit.limit;
    return v;
  }
}
