// Slow mode: a member who is neither owner nor admin sends at most one message per
// `slow_mode_s`. Checked before anything is stored; the last send is the member's newest
// message (found by the messages_by_sender index after a restart, kept in memory after).
import { ApiError } from "../contract/errors";
import type { MemberState } from "./members";

/** Last sends remembered at most; one read of the index finds any other. */
const REMEMBERED = 10_000;

export class SlowMode {
  private lastSent = new Map<string, number>();

  constructor(private readonly sql: SqlStorage) {}

  /** 429 slow_mode when `m` sent less than `seconds` ago (owner and admins are exempt). */
  check(m: MemberState, seconds: number, now: number): void {
    if (seconds === 0 || m.role !== "member") return;
    const last = this.lastSent.get(m.userId) ?? this.stored(m.userId);
    const wait = last + seconds * 1_000 - now;
    if (wait > 0)
      throw new ApiError(
        429,
        "slow_mode",
        `slow mode is on: one message every ${seconds} s; try again in ${Math.ceil(wait / 1000)} s`,
        undefined,
        wait,
      );
  }

  sent(userId: string, at: number): void {
    this.lastSent.delete(userId);
    this.lastSent.set(userId, at);
    if (this.lastSent.size > REMEMBERED) this.lastSent.delete(this.lastSent.keys().next().value!);
  }

  private stored(userId: string): number {
    const r = this.sql.exec<{ ts: number }>("SELECT ts FROM messages WHERE sender_id = ? ORDER BY seq DESC LIMIT 1", userId).toArray()[0];
    return r?.ts ?? -Infinity;
  }
}
