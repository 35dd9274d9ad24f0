// The courier: every call a chat object makes on its members' user objects goes through
// here, whichever fan-out it serves. Per member and per lane (log deliveries, live pushes,
// text rewrites) one call is in flight at a time; a failed one is logged once, its stub is
// dropped (a stub that threw may be broken for good), and the lane waits for the alarm,
// which retries it after the one backoff of the service (platform/retry.ts). Members with
// nothing in flight and nothing failing cost no memory here.
import { errorSummary, log } from "../../platform/log";
import { retryDelay } from "../../platform/retry";
import { Stubs } from "../../platform/stubs";

export type UserStub = ReturnType<Env["USERS"]["get"]>;

/** What a call carries; each lane is also the name of its alarm job. */
export type Lane = "deliver" | "push" | "rewrite";
export type ChatJob = Lane | "relay" | "uploads" | "search";

/** The alarm a courier's retries wait for (the chat object's, or a relay's). */
interface RetryAlarm {
  wakeIn(job: Lane, ms: number): Promise<void>;
}

/** From this failure in a row on (after a minute or so of retries), a failed log delivery is logged as an error. */
const STUCK_AFTER = 7;
const FAILED: Record<Lane, string> = { deliver: "delivery_failed", push: "push_failed", rewrite: "rewrite_failed" };

interface Slot {
  inflight: boolean;
  /** Failures in a row (the backoff grows with them until a call succeeds). */
  failures: number;
  /** Failed, and the alarm has come: may go again. */
  due: boolean;
}

export class Courier {
  private slots = new Map<string, Slot>();
  private readonly stubs: Stubs<UserStub>;

  constructor(
    env: Env,
    private readonly chatId: () => string,
    private readonly alarms: RetryAlarm,
  ) {
    this.stubs = new Stubs(env.USERS);
  }

  /** Nothing in flight on this lane for this member, and no failure waiting for the alarm. */
  free(lane: Lane, userId: string): boolean {
    const slot = this.slots.get(`${lane}:${userId}`);
    return !slot || slot.due;
  }

  /**
   * Calls `call` on the member's user object unless the lane is busy (then false). `ok`
   * gets the answer once the lane is free again, so it may send the next batch at once.
   */
  send<T>(lane: Lane, userId: string, call: (u: UserStub) => Promise<T>, ok: (answer: T) => void): boolean {
    const key = `${lane}:${userId}`;
    let slot = this.slots.get(key);
    if (slot && !slot.due) return false;
    if (slot) {
      slot.inflight = true;
      slot.due = false;
    } else {
      slot = { inflight: true, failures: 0, due: false };
      this.slots.set(key, slot);
    }
    this.attempt(lane, userId, key, slot, call, ok);
    return true;
  }

  /** The alarm: the lanes that failed may go again. Returns their members, to send again. */
  retry(lane: Lane): string[] {
    const out: string[] = [];
    for (const [key, slot] of this.slots) {
      if (slot.inflight || !key.startsWith(`${lane}:`)) continue;
      const userId = key.slice(lane.length + 1);
      if (lane === "deliver")
        log({
          level: "info",
          event: "delivery_retry",
          chat_id: this.chatId(),
          user_id: userId,
          attempt: slot.failures + 1,
        });
      slot.due = true;
      out.push(userId);
    }
    return out;
  }

  /** A member who is gone from this lane for good (left, offline): forget their slot. */
  drop(lane: Lane, userId: string): void {
    const slot = this.slots.get(`${lane}:${userId}`);
    if (slot && !slot.inflight) this.slots.delete(`${lane}:${userId}`);
  }

  /** Best effort, not retried (typing): one log line if it fails. */
  fire(userId: string, event: string, call: (u: UserStub) => Promise<unknown>): void {
    call(this.stubs.get(userId)).catch((err: unknown) => {
      this.stubs.forget(userId);
      log({ level: "warn", event, chat_id: this.chatId(), user_id: userId, exception: errorSummary(err) });
    });
  }

  private attempt<T>(
    lane: Lane,
    userId: string,
    key: string,
    slot: Slot,
    call: (u: UserStub) => Promise<T>,
    ok: (answer: T) => void,
  ): void {
    call(this.stubs.get(userId)).then(
      (answer) => {
        this.slots.delete(key);
        ok(answer);
      },
      (err: unknown) => {
        this.stubs.forget(userId);
        slot.inflight = false;
        slot.failures++;
        const delay = retryDelay(slot.failures);
        log({
          level: lane === "deliver" && slot.failures >= STUCK_AFTER ? "error" : "warn",
          event: FAILED[lane],
          chat_id: this.chatId(),
          user_id: userId,
          attempt: slot.failures,
          retry_in_ms: Math.round(delay),
          exception: errorSummary(err),
        });
        void this.alarms.wakeIn(lane, delay);
      },
    );
  }
}
