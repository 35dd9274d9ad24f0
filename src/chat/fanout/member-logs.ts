// Fan-out on write (direct chats and small groups): every event goes into each member's
// update log. Each member has a delivery cursor; the courier keeps one batch in flight per
// member, so a member gets the chat's events in order, and retries a failed one from the
// alarm. The user object applies each (chat_id, ev) once, so retries never show anything
// twice. Cursors are persisted lazily from the alarm: after a restart a member may be sent a
// few events again, which their user object ignores. Only members with something still to
// deliver are held in memory.
//
// In a large group (live-push.ts) cursors stop at the switch, and what a member must still
// have in their log (their join, leave, reads) waits in the log queue, delivered here after
// their cursor has reached the switch.
import { ApiError } from "../../contract/errors";
import { BATCH } from "../event-log";
import type { ChatEvent, ChatInfo, EventBody, Origin } from "../events";
import type { MemberState } from "../members";
import { cursorEnd, due, type Cursor } from "./cursor";
import type { Fanout, FanoutParts } from "./fanout";
import { LogQueue } from "./log-queue";

/** How soon after a change the alarm persists cursors and re-checks deliveries. */
const FLUSH_MS = 2_000;

export class MemberLogs implements Fanout {
  readonly queue: LogQueue;
  private cursors = new Map<string, Cursor>();
  private dirty = new Set<string>();

  constructor(
    private readonly p: FanoutParts,
    /** The large group's fan-out, which takes this one's place at the switch (live-push.ts). */
    private readonly large: (logs: MemberLogs) => Fanout,
  ) {
    this.queue = new LogQueue(p.sql);
    // After a restart: whoever had not acknowledged everything is delivered to again.
    for (const m of p.members.behind(this.switchEv())) this.track(m);
    for (const userId of this.queue.members()) {
      const m = p.members.row(userId);
      if (m) this.track(m);
    }
    p.alarms.register("deliver", () => this.onAlarm());
  }

  promote(): Fanout {
    this.p.meta.setLarge(this.p.events.nextEv);
    return this.large(this);
  }

  roster(): { list: true } {
    return { list: true };
  }

  publish(body: EventBody, origin: Origin): ChatEvent {
    return this.emit(body, null, origin);
  }

  read(m: MemberState, seq: number, origin: Origin): ChatEvent {
    return this.emit({ kind: "readReceipt", username: m.username, seq }, null, origin);
  }

  depart(m: MemberState, others: () => ChatInfo, origin: Origin): { mine: ChatEvent; others: ChatEvent | null } {
    const mine = this.emit({ kind: "removedFromChat" }, [m.userId], origin);
    this.p.members.leave(m.userId, mine.ev);
    this.track({ ...m, leftEv: mine.ev });
    return { mine, others: this.p.members.count ? this.emit({ kind: "chat", chat: others() }, null, origin) : null };
  }

  typing(actorId: string, username: string): void {
    for (const other of this.p.members.everyone())
      if (other.userId !== actorId) this.p.courier.fire(other.userId, "typing_failed", (u) => u.typing(this.p.meta.chatId, username));
  }

  updates(): never {
    throw new ApiError(
      400,
      "wrong_chat_type",
      this.p.meta.type === "direct" ? "a direct chat's updates come by sync" : "this group is not large: its updates come by sync",
    );
  }

  online(): boolean {
    return false;
  }

  isOnline(): boolean {
    return false;
  }

  relayFrom(): void {
    // Nothing is pushed live here.
  }

  offline(): void {}

  rewritten(): void {}

  /** Every member's log gets the message anyway. */
  mention(): void {}

  /** Stores an event and starts delivering it. `audience` null: the members at that moment. */
  emit(body: EventBody, audience: string[] | null, origin?: Origin): ChatEvent {
    const live = this.p.events.append(body, audience, false, this.p.clock.now(), origin);
    void this.p.alarms.wakeIn("deliver", FLUSH_MS);
    const current = new Set<string>();
    for (const m of this.p.members.everyone()) current.add(this.track(m).userId);
    // A member who left since (a direct chat's deleted account) is delivered up to their leaving.
    for (const c of this.cursors.values())
      if (c.leftEv === null && !current.has(c.userId)) c.leftEv = this.p.members.row(c.userId)?.leftEv ?? null;
    // The requester's own user object applies the event from our answer, so it is not sent
    // one now; it rides along with the requester's next delivery, or the alarm's.
    for (const c of this.cursors.values()) if (c.userId !== origin?.userId) this.pump(c);
    return live;
  }

  /** Puts an event in these members' logs (a large group's joins, a leave or read) and starts delivering it. */
  toLog(ms: MemberState[], event: ChatEvent, origin?: Origin): void {
    this.queue.add(
      ms.map((m) => m.userId),
      event,
    );
    for (const m of ms) {
      const c = this.track(m);
      if (m.userId !== origin?.userId) this.pump(c);
      else void this.p.alarms.wakeIn("deliver", FLUSH_MS);
    }
  }

  /** Follows a member's delivery (again); a cursor already followed keeps how far it got. */
  private track(m: MemberState): Cursor {
    const c = this.cursors.get(m.userId);
    if (c) {
      c.joinedEv = m.joinedEv;
      c.leftEv = m.leftEv;
      c.username = m.username;
      return c;
    }
    const fresh: Cursor = {
      userId: m.userId,
      username: m.username,
      joinedEv: m.joinedEv,
      leftEv: m.leftEv,
      acked: m.deliveredEv,
    };
    this.cursors.set(m.userId, fresh);
    return fresh;
  }

  /** The alarm: persist cursors, retry what failed, let go of the settled, come back while anything is not. */
  private async onAlarm(): Promise<void> {
    for (const id of this.p.courier.retry("deliver")) {
      const c = this.cursors.get(id);
      if (c) this.pump(c);
    }
    for (const c of this.cursors.values()) if (!this.settled(c)) this.pump(c);
    for (const id of this.dirty) this.p.members.saveCursor(id, this.cursors.get(id)!.acked);
    this.dirty.clear();
    for (const [id, c] of this.cursors) if (this.settled(c) && this.p.courier.free("deliver", id)) this.cursors.delete(id);
    if (this.cursors.size) await this.p.alarms.wakeIn("deliver", FLUSH_MS);
  }

  /** Sends a member everything they have not acknowledged, one batch in flight at a time. */
  private pump(c: Cursor): void {
    if (!this.p.courier.free("deliver", c.userId)) return;
    let events: ChatEvent[];
    let done: () => void;
    if (this.cursorDone(c)) {
      // Past the cursor's part: what waits in the log queue.
      if (!this.queue.has(c.userId)) return;
      const next = this.queue.next(c.userId, BATCH);
      events = next.events;
      done = () => this.queue.done(c.userId, next.upTo);
    } else {
      const { events: due, upTo } = this.pending(c);
      if (!due.length) {
        if (upTo > c.acked) {
          c.acked = upTo;
          this.dirty.add(c.userId);
        }
        if (this.cursorDone(c)) this.pump(c);
        return;
      }
      events = due;
      done = () => {
        c.acked = Math.max(c.acked, upTo);
        this.dirty.add(c.userId);
      };
    }
    this.p.courier.send(
      "deliver",
      c.userId,
      (u) => u.deliver({ id: c.userId, username: c.username }, events),
      () => {
        done();
        void this.p.alarms.wakeIn("deliver", FLUSH_MS);
        this.pump(c);
      },
    );
  }

  /** The event that made the group large (the last one in members' logs), or the latest. */
  private switchEv(): number {
    return Math.min(this.p.events.ev, this.p.meta.largeSince ?? Infinity);
  }

  /** The last event a member's cursor delivers. */
  private cursorEnd(c: Cursor): number {
    return cursorEnd(c, this.p.events.ev, this.p.meta.largeSince);
  }

  private cursorDone(c: Cursor): boolean {
    return c.acked >= this.cursorEnd(c);
  }

  /** Has everything this member will ever see been delivered? */
  private settled(c: Cursor): boolean {
    return this.cursorDone(c) && !this.queue.has(c.userId);
  }

  private pending(c: Cursor): { events: ChatEvent[]; upTo: number } {
    const end = this.cursorEnd(c);
    const out = { events: [] as ChatEvent[], upTo: c.acked };
    while (out.events.length < BATCH && out.upTo < end) {
      const scan = this.p.events.after(out.upTo);
      if (!scan.length) break;
      const next = due(c, scan, out.upTo, end, BATCH - out.events.length);
      if (next.upTo === out.upTo) break;
      out.events.push(...next.events);
      out.upTo = next.upTo;
    }
    return out;
  }
}
