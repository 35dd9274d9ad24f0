// The outbox. Every change of the chat is an event with the next `ev`, written in the same
// synchronous block (so the same transaction) as the change itself. Each member has a
// delivery cursor and one batch in flight at a time, so a member gets the chat's events in
// order. A failed delivery is retried from an alarm with backoff; the user object applies
// each (chat_id, ev) once, so retries never show anything twice. Cursors are persisted
// lazily from the alarm: after a restart a member may be sent a few events again, which
// its user object ignores.
//
// A large group's events after the switch (`largeSince`) are not delivered by cursor: they
// are pushed to the members online (online.ts) and read back with getChatUpdates. What
// each member must still have in their log waits in the log queue (log-queue.ts), which
// this outbox delivers after the member's cursor has reached the switch.
import { errorSummary, log } from "../platform/log";
import type { ChatEvent, EventBody, Origin } from "./events";
import type { LogQueue } from "./log-queue";
import type { MemberState, Members } from "./members";

/** How many events one delivery carries at most. */
const BATCH = 100;
/** How many recent events stay in memory, so fan-out does not read them back. */
const RECENT = 512;
/** How soon after a change the alarm persists cursors and re-checks deliveries. */
const FLUSH_MS = 2_000;
/** From this failure in a row on (after a minute or so of retries), a failed delivery is logged as an error. */
const STUCK_AFTER = 7;

interface Stored {
  event: ChatEvent;
  /** Who sees it: null for the members at that moment. */
  audience: string[] | null;
}

/** How long to wait after the nth failure in a row: doubling from 1 s up to a minute, jittered so retries spread out. */
export function retryDelay(failures: number): number {
  return Math.min(60_000, 1000 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
}

export class Outbox {
  private lastEv: number;
  private recent = new Map<number, Stored>();
  private dirty = new Set<string>();
  private alarmAt: number | null = null;
  private stubs = new Map<string, ReturnType<Env["USERS"]["get"]>>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly members: Members,
    private readonly queue: LogQueue,
    private readonly chatId: () => string,
    /** The event that made the group large (the last one delivered by cursor), or null. */
    private readonly largeSince: () => number | null,
  ) {
    this.lastEv = ctx.storage.sql.exec<{ e: number | null }>("SELECT MAX(ev) AS e FROM events").one().e ?? 0;
  }

  /** Reads the pending alarm; call once under blockConcurrencyWhile. */
  async load(): Promise<void> {
    this.alarmAt = await this.ctx.storage.getAlarm();
  }

  /** The ev the next event will get. */
  get nextEv(): number {
    return this.lastEv + 1;
  }

  /** The latest event's number. */
  get ev(): number {
    return this.lastEv;
  }

  /** Stores an event with the next `ev` and starts delivering it. `audience` null: the members at that moment. */
  emit(body: EventBody, audience: string[] | null, origin?: Origin): ChatEvent {
    const live = this.store(body, audience, false, origin);
    void this.wakeIn(FLUSH_MS);
    // The requester's own user object applies the event from our answer, so it is not sent
    // one now; it rides along with the requester's next delivery, or the alarm's.
    for (const m of this.members.all()) if (m.userId !== origin?.userId && !this.settled(m)) this.pump(m);
    return live;
  }

  /** Stores one of a large group's events: no member's log gets it (online.ts pushes it). */
  emitLarge(body: EventBody, origin?: Origin): ChatEvent {
    return this.store(body, null, true, origin);
  }

  /** Puts an event in one member's log (a large group's join, leave or read) and starts delivering it. */
  toLog(m: MemberState, event: ChatEvent, origin?: Origin): void {
    this.queue.add(m.userId, event);
    if (m.userId !== origin?.userId) this.pump(m);
    else void this.wakeIn(FLUSH_MS);
  }

  /** Stored events after `ev`, oldest first, at most `max` (from memory while recent). */
  after(ev: number, max: number): ChatEvent[] {
    const out: ChatEvent[] = [];
    for (const s of this.eventsAfter(ev)) {
      if (out.length >= max) break;
      out.push(s.event);
    }
    return out;
  }

  private store(body: EventBody, audience: string[] | null, large: boolean, origin?: Origin): ChatEvent {
    const ev = this.lastEv + 1;
    const event = { ...body, chat_id: this.chatId(), ev, timestamp: Date.now(), ...(large && { large: true }) } as ChatEvent;
    this.ctx.storage.sql.exec(
      "INSERT INTO events (ev, data, audience, msg_seq) VALUES (?, ?, ?, ?)",
      ev, JSON.stringify(event), audience && JSON.stringify(audience), textOf(event),
    );
    this.lastEv = ev;
    const live = origin ? { ...event, origin } : event;
    this.recent.set(ev, { event: live, audience });
    if (this.recent.size > RECENT) this.recent.delete(ev - RECENT);
    return live;
  }

  /**
   * A message was edited or deleted: every earlier event that carries its text (its
   * newMessage, earlier edits, chat events whose last message it was) now carries `message`,
   * so no replay and no delivery still to come shows a text that is gone.
   */
  rewriteMessage(seq: number, message: string): void {
    const sql = this.ctx.storage.sql;
    for (const row of sql.exec<{ ev: number; data: string }>("SELECT ev, data FROM events WHERE msg_seq = ?", seq).toArray()) {
      const event = JSON.parse(row.data) as ChatEvent;
      withText(event, seq, message);
      sql.exec("UPDATE events SET data = ? WHERE ev = ?", JSON.stringify(event), row.ev);
      const cached = this.recent.get(row.ev);
      if (cached) withText(cached.event, seq, message);
    }
  }

  eventAt(ev: number): ChatEvent {
    const cached = this.recent.get(ev);
    if (cached) return cached.event;
    return JSON.parse(this.ctx.storage.sql.exec<{ data: string }>("SELECT data FROM events WHERE ev = ?", ev).one().data) as ChatEvent;
  }

  /** The alarm: persist cursors, retry what failed, and come back while anything is unsettled. */
  async onAlarm(): Promise<void> {
    this.alarmAt = null;
    this.persistCursors();
    for (const m of this.members.all()) {
      if (m.failures) log({ level: "info", event: "delivery_retry", chat_id: this.chatId(), user_id: m.userId, attempt: m.failures + 1 });
      m.failures = 0;
      if (!this.settled(m)) this.pump(m);
    }
    if (this.dirty.size || [...this.members.all()].some((m) => !this.settled(m))) await this.wakeIn(FLUSH_MS);
  }

  /** Sends a member everything they have not acknowledged, one batch in flight at a time. */
  private pump(m: MemberState): void {
    if (m.inflight || m.failures) return;
    let done: () => void;
    let events: ChatEvent[];
    if (this.cursorDone(m)) {
      // Past the cursor's part: what waits in the log queue.
      if (!this.queue.has(m.userId)) return;
      const next = this.queue.next(m.userId, BATCH);
      events = next.events;
      done = () => this.queue.done(m.userId, next.upTo);
    } else {
      const { events: due, upTo } = this.pending(m);
      if (!due.length) {
        if (upTo > m.acked) (m.acked = upTo), this.dirty.add(m.userId);
        if (this.cursorDone(m)) this.pump(m);
        return;
      }
      events = due;
      done = () => {
        m.acked = upTo;
        this.dirty.add(m.userId);
      };
    }
    m.inflight = true;
    this.user(m.userId)
      .deliver({ id: m.userId, username: m.username }, events)
      .then(
        () => {
          m.inflight = false;
          done();
          void this.wakeIn(FLUSH_MS);
          this.pump(m);
        },
        (err: unknown) => {
          m.inflight = false;
          m.failures++;
          const delay = retryDelay(m.failures);
          log({
            level: m.failures >= STUCK_AFTER ? "error" : "warn",
            event: "delivery_failed",
            chat_id: this.chatId(),
            user_id: m.userId,
            attempt: m.failures,
            retry_in_ms: Math.round(delay),
            exception: errorSummary(err),
          });
          void this.wakeIn(delay);
        },
      );
  }

  /** Has everything this member will ever see been delivered? */
  private settled(m: MemberState): boolean {
    return this.cursorDone(m) && !this.queue.has(m.userId);
  }

  /** The last event a member's cursor delivers: a large group's later ones are not in their log. */
  private cursorEnd(m: MemberState): number {
    return Math.min(m.leftEv ?? this.lastEv, this.largeSince() ?? Infinity);
  }

  private cursorDone(m: MemberState): boolean {
    return m.acked >= this.cursorEnd(m);
  }

  private pending(m: MemberState): { events: ChatEvent[]; upTo: number } {
    const events: ChatEvent[] = [];
    let upTo = m.acked;
    const end = this.cursorEnd(m);
    while (events.length < BATCH && upTo < end) {
      const scan = this.eventsAfter(upTo);
      if (!scan.length) break;
      for (const s of scan) {
        if (events.length >= BATCH || s.event.ev > end) break;
        upTo = s.event.ev;
        if (sees(m, s)) events.push(forMember(m, s.event));
      }
    }
    return { events, upTo };
  }

  private eventsAfter(ev: number): Stored[] {
    if (this.recent.has(ev + 1)) {
      const out: Stored[] = [];
      for (let e = ev + 1; e <= this.lastEv && out.length < BATCH; e++) out.push(this.recent.get(e)!);
      return out;
    }
    return this.ctx.storage.sql
      .exec<{ data: string; audience: string | null }>("SELECT data, audience FROM events WHERE ev > ? ORDER BY ev LIMIT ?", ev, BATCH)
      .toArray()
      .map((r) => ({ event: JSON.parse(r.data) as ChatEvent, audience: r.audience === null ? null : (JSON.parse(r.audience) as string[]) }));
  }

  private persistCursors(): void {
    for (const id of this.dirty) {
      const m = this.members.get(id);
      if (m) this.members.saveCursor(m);
    }
    this.dirty.clear();
  }

  /** Sets the alarm to come within `ms` (it retries deliveries and online pushes). */
  wakeIn(ms: number): Promise<void> {
    return this.wakeAt(Date.now() + ms);
  }

  /** Makes sure the object's one alarm fires by `at`; the chat's other jobs share it through here. */
  async wakeAt(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** A member's user object (cached stubs, shared with typing). */
  user(userId: string) {
    let stub = this.stubs.get(userId);
    if (!stub) {
      stub = this.env.USERS.get(this.env.USERS.idFromName(userId));
      this.stubs.set(userId, stub);
    }
    return stub;
  }
}

/**
 * A member who lists the chat already is sent only what changed in it: not the whole
 * member list, nor the last message it has (each member's copy of a membership change
 * costs bytes in their object, and a group has many members).
 */
function forMember(m: MemberState, e: ChatEvent): ChatEvent {
  // A direct chat's few events carry what each member's copy needs (read positions, deletions).
  if (e.kind !== "chat" || e.chat.type !== "group" || m.joinedEv >= e.ev || e.chat.members === undefined) return e;
  const { members: _members, last_message: _last, ...changed } = e.chat;
  return { ...e, chat: changed };
}

function sees(m: MemberState, s: Stored): boolean {
  if (s.audience) return s.audience.includes(m.userId);
  const ev = s.event.ev;
  return m.joinedEv <= ev && (m.leftEv === null || ev <= m.leftEv);
}

/** The seq of the message whose text an event carries, if any. */
function textOf(e: ChatEvent): number | null {
  if (e.kind === "newMessage" || e.kind === "messageEdited" || e.kind === "messageDeleted") return e.seq;
  if (e.kind === "chat" && e.chat.last_message !== null) return e.chat.last_seq;
  return null;
}

/** Puts the current `message` (JSON) where an event carries message `seq`. */
function withText(e: ChatEvent, seq: number, message: string): void {
  if (e.kind === "newMessage" || e.kind === "messageEdited" || e.kind === "messageDeleted") e.message = message;
  else if (e.kind === "chat" && e.chat.last_seq === seq && e.chat.last_message !== null) e.chat.last_message = message;
}
