// A relay's shard of a large group's members online, and the pushes to them. The same rules
// as the chat object's own live push (chat/fanout/live-push.ts): each event once per member,
// in ev order, one batch (≤ 100 events) in flight per member, a failed push retried from the
// alarm after the one backoff, through the chat's courier (one stub per user object, made
// again after a call threw).
//
// The members are in SQLite (`members`), so they survive an eviction or a restart; how far
// each was pushed is in memory only. After a restart a member's pushes go on after the last
// event the relay had taken (`head`, stored): events it had not pushed yet then reach that
// client by ev (getChatUpdates), and none is pushed twice. The events themselves are held in
// memory only while some member still needs them (at most KEEP).
import { type ChatStub, Courier } from "../chat";
import type { PushItem, RelayBatch, RelayEvent } from "../contract/objects";
import type { Alarms } from "../platform/alarms";
import { errorSummary, log } from "../platform/log";
import { Stubs } from "../platform/stubs";

export type RelayJob = "push";

/** Events in one push: the chat's own batch size (chat/event-log.ts). */
const BATCH = 100;
/** Events held for members behind; one further behind skips to these and catches up by ev. */
const KEEP = 1_000;

interface Member {
  since: number;
  /** Pushed up to this ev. */
  sent: number;
}

export class Audience {
  private members = new Map<string, Member>();
  /** Taken events some member may still need, in ev order. */
  private events: RelayEvent[] = [];
  private readonly courier: Courier;
  private readonly chats: Stubs<ChatStub>;
  private inflight = 0;
  private idle: (() => void)[] = [];
  private released = false;

  private constructor(
    private readonly sql: SqlStorage,
    env: Env,
    alarms: Alarms<RelayJob>,
    private readonly chatId: string,
    /** The last event taken. */
    public head: number,
  ) {
    this.courier = new Courier(env, () => chatId, alarms);
    this.chats = new Stubs(env.CHATS);
    alarms.register("push", () => {
      for (const id of this.courier.retry("push")) this.pump(id);
    });
  }

  static create(sql: SqlStorage, env: Env, alarms: Alarms<RelayJob>, chatId: string): Audience {
    sql.exec("INSERT INTO relay (chat_id, head) VALUES (?, 0)", chatId);
    return new Audience(sql, env, alarms, chatId, 0);
  }

  static load(sql: SqlStorage, env: Env, alarms: Alarms<RelayJob>): Audience {
    const r = sql.exec<{ chat_id: string; head: number }>("SELECT chat_id, head FROM relay").one();
    const a = new Audience(sql, env, alarms, r.chat_id, r.head);
    for (const m of sql.exec<{ user_id: string; since: number }>("SELECT user_id, since FROM members"))
      a.members.set(m.user_id, { since: m.since, sent: r.head });
    return a;
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  /** One call of the chat object (RelayBatch says the order), then every member behind is pushed to. */
  take(batch: RelayBatch): void {
    for (const l of batch.leaves) {
      const m = this.members.get(l.userId);
      if (m && m.since <= l.since) this.drop(l.userId);
    }
    this.keep(batch.events);
    for (const j of batch.joins) {
      const m = this.members.get(j.userId);
      // The same run of sockets handed again (the chat object restarted): pushes go on where they were.
      if (m && m.since >= j.since) continue;
      if (m) {
        m.since = j.since;
        m.sent = Math.min(m.sent, j.from);
      } else this.members.set(j.userId, { since: j.since, sent: j.from });
      this.sql.exec("INSERT OR REPLACE INTO members (user_id, since) VALUES (?, ?)", j.userId, j.since);
    }
    for (const id of this.members.keys()) this.pump(id);
    this.trim();
  }

  /** The group pushes itself again: once the pushes in flight have answered, how far each member got. */
  async release(): Promise<Record<string, number>> {
    this.released = true;
    while (this.inflight) await new Promise<void>((r) => this.idle.push(r));
    return Object.fromEntries([...this.members].map(([id, m]) => [id, m.sent]));
  }

  /** New events after `head`; older ones (sent again for a member who joins behind) where none are held. */
  private keep(events: RelayEvent[]): void {
    const first = this.events[0]?.ev ?? this.head + 1;
    const older = events.filter((e) => e.ev < first);
    const fresh = events.filter((e) => e.ev > this.head);
    if (older.length) this.events.unshift(...older);
    if (!fresh.length) return;
    this.events.push(...fresh);
    this.head = fresh.at(-1)!.ev;
    this.sql.exec("UPDATE relay SET head = ?", this.head);
  }

  private trim(): void {
    let low = this.head;
    for (const m of this.members.values()) low = Math.min(low, m.sent);
    let cut = this.events.findIndex((e) => e.ev > low);
    if (cut < 0) cut = this.events.length;
    const drop = Math.max(cut, this.events.length - KEEP);
    if (drop > 0) this.events.splice(0, drop);
  }

  private pump(userId: string): void {
    const m = this.members.get(userId);
    if (!m || this.released || m.sent >= this.head || !this.courier.free("push", userId)) return;
    const from = this.events.findIndex((e) => e.ev > m.sent);
    if (from < 0) return;
    const batch = this.events.slice(from, from + BATCH);
    const upTo = batch.at(-1)!.ev;
    const items = batch.map((e): PushItem => {
      const item: PushItem = { frame: e.frame };
      if (e.origin?.userId === userId && e.origin.socketId) item.except = e.origin.socketId;
      if (e.reader) item.reader = e.reader;
      return item;
    });
    const since = m.since;
    this.inflight++;
    this.courier.send(
      "push",
      userId,
      (u) =>
        u
          .pushLarge(this.chatId, items)
          .then((hasSocket) => {
            // Counted before the answer is acted on, so a release waiting for it reads it.
            if (this.members.get(userId) === m && (hasSocket || m.since !== since)) m.sent = Math.max(m.sent, upTo);
            return hasSocket;
          })
          .finally(() => this.settled()),
      (hasSocket) => {
        if (this.members.get(userId) !== m) return;
        if (!hasSocket && m.since === since) return this.gone(userId, since);
        this.pump(userId);
      },
    );
  }

  private settled(): void {
    if (--this.inflight === 0) for (const r of this.idle.splice(0)) r();
  }

  private drop(userId: string): void {
    if (!this.members.delete(userId)) return;
    this.courier.drop("push", userId);
    this.sql.exec("DELETE FROM members WHERE user_id = ?", userId);
  }

  /** The user object has no socket any more: out of the shard, and the chat object is told, as the user object would. */
  private gone(userId: string, since: number): void {
    this.drop(userId);
    this.chats
      .get(this.chatId)
      .presence(userId, since, false)
      .catch((err: unknown) => {
        this.chats.forget(this.chatId);
        log({ level: "warn", event: "presence_failed", chat_id: this.chatId, user_id: userId, exception: errorSummary(err) });
      });
  }
}
