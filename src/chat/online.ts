// A large group's members online: those whose user object has told this chat that it has
// a socket open. Kept in SQLite (it survives eviction and restart). Each event of the group
// is pushed to their user objects in `ev` order, at most one batch in flight per member,
// and nowhere else: a member offline costs nothing per message. A user object that answers
// it has no socket any more is dropped; it tells the chat again when it gets one.
//
// `since` orders what a user object says: it grows with each time the user comes online,
// so a late "no socket" answer or "offline" cannot undo a newer "online".
import { errorSummary, log } from "../platform/log";
import type { ChatEvent } from "./events";
import { retryDelay } from "./outbox";

/** Events per push at most. */
const BATCH = 100;

interface Entry {
  since: number;
  /** Pushed up to this ev. */
  sent: number;
  inflight: boolean;
  failures: number;
}

export interface OnlineHost {
  user(userId: string): { pushLarge(chatId: string, items: PushItem[]): Promise<boolean> };
  /** Stored events after `ev`, oldest first. */
  after(ev: number, max: number): ChatEvent[];
  lastEv(): number;
  /** An event as the push frame this member gets. */
  frame(e: ChatEvent, userId: string): string;
  wake(ms: number): void;
  chatId(): string;
}

/** One push for a user object: the frame, and the socket not to send it to (the one whose request made it). */
export interface PushItem {
  frame: string;
  except?: string;
}

export class Online {
  private map = new Map<string, Entry>();
  private shared: { key: string; items: PushItem[] } | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly host: OnlineHost,
  ) {
    // What was pushed before a restart is not known: pushes go on from the latest event, and
    // a client that missed one fills the gap with getChatUpdates.
    const last = host.lastEv();
    for (const r of sql.exec<{ user_id: string; since: number }>("SELECT user_id, since FROM online"))
      this.map.set(r.user_id, { since: r.since, sent: last, inflight: false, failures: 0 });
  }

  get size(): number {
    return this.map.size;
  }

  has(userId: string): boolean {
    return this.map.has(userId);
  }

  /**
   * A member's user object has a socket (from `since` on). Pushes start after `fromEv`
   * when given (a member who just learnt of the group at that event), else after the latest.
   */
  online(userId: string, since: number, fromEv?: number): void {
    const prior = this.map.get(userId);
    if (prior && prior.since > since) return;
    const last = this.host.lastEv();
    const sent = fromEv === undefined ? last : Math.max(Math.min(fromEv, last), last - BATCH);
    let entry = prior;
    if (entry) (entry.since = since), (entry.sent = Math.min(entry.sent, sent)), (entry.failures = 0);
    else this.map.set(userId, (entry = { since, sent, inflight: false, failures: 0 }));
    this.sql.exec("INSERT OR REPLACE INTO online (user_id, since) VALUES (?, ?)", userId, since);
    this.pump(userId, entry);
  }

  /** The member's last socket closed (as of `since`). */
  offline(userId: string, since: number): void {
    const e = this.map.get(userId);
    if (e && e.since <= since) this.drop(userId);
  }

  /** Out of the set: offline, or no longer a member. */
  drop(userId: string): void {
    if (!this.map.delete(userId)) return;
    this.sql.exec("DELETE FROM online WHERE user_id = ?", userId);
  }

  /** Pushes what is new to everyone online. */
  push(): void {
    for (const [userId, e] of this.map) this.pump(userId, e);
  }

  /** The alarm: try again where a push failed. */
  retry(): void {
    for (const [userId, e] of this.map) {
      e.failures = 0;
      this.pump(userId, e);
    }
  }

  /** Typing is not stored: straight to the online members' user objects, best effort. */
  typing(actorId: string, send: (userId: string) => Promise<void>): void {
    for (const userId of this.map.keys())
      if (userId !== actorId)
        send(userId).catch((err: unknown) =>
          log({ level: "warn", event: "typing_failed", chat_id: this.host.chatId(), user_id: userId, exception: errorSummary(err) }),
        );
  }

  /**
   * The pushes for one member. Members who are not the requester and get the same events
   * (every member online, for one message) share one list, built once.
   */
  private items(events: ChatEvent[], userId: string): PushItem[] {
    const personal = events.some((ev) => ev.kind === "chat" || ev.origin?.userId === userId);
    const key = `${events[0]!.ev}-${events.length}`;
    if (!personal && this.shared?.key === key) return this.shared.items;
    const items = events.map((ev): PushItem => {
      const frame = this.host.frame(ev, userId);
      return ev.origin?.userId === userId && ev.origin.socketId ? { frame, except: ev.origin.socketId } : { frame };
    });
    if (!personal) this.shared = { key, items };
    return items;
  }

  private pump(userId: string, e: Entry): void {
    if (e.inflight || e.failures || e.sent >= this.host.lastEv()) return;
    const events = this.host.after(e.sent, BATCH);
    if (!events.length) return;
    const upTo = events.at(-1)!.ev;
    const items = this.items(events, userId);
    const since = e.since;
    e.inflight = true;
    this.host
      .user(userId)
      .pushLarge(this.host.chatId(), items)
      .then(
        (hasSocket) => {
          e.inflight = false;
          if (this.map.get(userId) !== e) return;
          if (!hasSocket && e.since === since) return this.drop(userId);
          e.sent = Math.max(e.sent, upTo);
          this.pump(userId, e);
        },
        (err: unknown) => {
          e.inflight = false;
          e.failures++;
          const delay = retryDelay(e.failures);
          log({
            level: "warn",
            event: "push_failed",
            chat_id: this.host.chatId(),
            user_id: userId,
            attempt: e.failures,
            retry_in_ms: Math.round(delay),
            exception: errorSummary(err),
          });
          this.host.wake(delay);
        },
      );
  }
}
