// RateLimiter: one Durable Object per limited key ("auth-user:alice", "register-ip:…"),
// so counting is exact and the same in local dev as in production. Called by the Worker
// and the user objects through `limiter()`. It keeps a single number per key: the
// theoretical arrival time of the generic cell rate algorithm (GCRA), which allows
// `limit` events per `windowMs` and says exactly how long to wait when over.
import { DurableObject } from "cloudflare:workers";
import type { Limit } from "../platform/config";

export interface Verdict {
  ok: boolean;
  retryAfterMs: number;
}

export class RateLimiter extends DurableObject<Env> {
  private tat = 0;
  /** The limiter's clock. Tests stop and move it (through runInDurableObject), so no window depends on how fast they run. */
  now: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.tat = (await ctx.storage.get<number>("tat")) ?? 0;
    });
  }

  /** Would one more event be allowed now? Counts nothing. */
  check({ limit, windowMs }: Limit): Verdict {
    return this.verdict(limit, windowMs, this.now());
  }

  /** Counts one event; says whether it was within the limit. Over it, counts nothing. */
  hit({ limit, windowMs }: Limit): Verdict {
    const now = this.now();
    const v = this.verdict(limit, windowMs, now);
    if (v.ok) {
      this.tat = Math.max(this.tat, now) + windowMs / limit;
      void this.ctx.storage.put("tat", this.tat);
    }
    return v;
  }

  private verdict(limit: number, windowMs: number, now: number): Verdict {
    const interval = windowMs / limit;
    const wait = Math.max(this.tat, now) + interval - now - windowMs;
    return wait > 0 ? { ok: false, retryAfterMs: Math.ceil(wait) } : { ok: true, retryAfterMs: 0 };
  }
}

export function limiter(env: Env, key: string): DurableObjectStub<RateLimiter> {
  return env.LIMITER.get(env.LIMITER.idFromName(key));
}
