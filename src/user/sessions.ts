// The user's sessions as the user object sees them through their sockets and requests:
//   last seen: written to D1 at most every LAST_SEEN_EVERY_MS a session, never per frame
//     (the time of the last write rides in memory, in the session D1 gave the Worker,
//     and in each socket's attachment, so a hibernated object does not forget it);
//   expiry: a socket whose session runs out is ended at that moment by the alarm
//     (sessionRevoked, close 4001), not at its next frame.
import { touchSession, type Session } from "../accounts";
import type { Clock } from "../platform/clock";
import { errorSummary, log } from "../platform/log";
import type { JobAlarm } from "../platform/alarms";
import type { Sockets } from "./sockets";

export const LAST_SEEN_EVERY_MS = 5 * 60_000;

export class SessionWatch {
  /** Session id → when its last seen was last written (by this object, in this life). */
  private written = new Map<string, number>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly sockets: Sockets,
    private readonly alarm: JobAlarm,
    private readonly clock: Clock,
  ) {}

  /** A socket was accepted: it is seen now, and ended when its session expires. */
  accepted(ws: WebSocket, session: Session): void {
    this.alarm.wakeAt(session.expiresAt);
    this.seen(session, ws);
  }

  /** The session made a request (on `ws`, or over POST /api without one). */
  seen(session: Session, ws?: WebSocket): void {
    const now = this.clock.now();
    const info = ws && this.sockets.info(ws);
    const last = Math.max(this.written.get(session.sessionId) ?? 0, session.seenAt ?? 0, info?.seenAt ?? 0);
    if (now - last < LAST_SEEN_EVERY_MS) return;
    this.written.set(session.sessionId, now);
    if (ws && info) this.sockets.save(ws, { ...info, seenAt: now });
    const failed = (err: unknown) =>
      log({ level: "warn", event: "last_seen_failed", user_id: session.user.id, exception: errorSummary(err) });
    this.ctx.waitUntil(touchSession(this.env, session.sessionId, now).catch(failed));
  }

  /** Has this session run out (by the object's clock)? */
  expired(session: Session): boolean {
    return session.expiresAt <= this.clock.now();
  }

  /** The alarm: end the sockets whose session ran out, and wake again for the next one. */
  onAlarm(): void {
    const next = this.sockets.endExpired(this.clock.now());
    if (next !== null) this.alarm.wakeAt(next);
  }
}
