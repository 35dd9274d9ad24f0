// Web Push to the user's sessions that have a subscription and no socket open. A message
// that notifies is queued per session and chat; a push leaves at once when that chat sent
// none to that session in the last FOLD_MS, else the queue row waits for the object's
// alarm and stands for every message that came meanwhile (`count`, `seq` the latest).
// 404 and 410 end the subscription; 429, 5xx and no answer are tried again with the
// service's one backoff (or the service's Retry-After) for up to GIVE_UP_MS.
import type { PushPayload } from "../../contract/notifications";
import type { Clock } from "../../platform/clock";
import { errorSummary, log } from "../../platform/log";
import { retryDelay } from "../../platform/retry";
import type { JobAlarm } from "../../platform/alarms";
import { endpointOrigin, sendPush, type Outcome, type StoredSubscription } from "./sender";
import type { Subscriptions } from "./subscriptions";
import type { VapidSigner } from "./vapid";

export const FOLD_MS = 10_000;
export const GIVE_UP_MS = 60 * 60_000;

interface QueueRow extends Record<string, SqlStorageValue> {
  session_id: string;
  chat_id: string;
  count: number;
  seq: number;
  title: string;
  body: string;
  /** When the next push of this row may leave; null: nothing waiting. */
  due_at: number | null;
  sent_at: number;
  failures: number;
  failing_since: number | null;
}

/** One message that notifies, as its push shows it. */
export interface Notice {
  chat_id: string;
  seq: number;
  title: string;
  body: string;
}

export class Notifier {
  constructor(
    private readonly sql: SqlStorage,
    private readonly subs: Subscriptions,
    /** null: the deploy has no VAPID pair, so no pushes. */
    private readonly signer: VapidSigner | null,
    private readonly clock: Clock,
    private readonly alarm: JobAlarm,
    /** Sessions with a socket open now. */
    private readonly connected: () => Set<string>,
    private readonly defer: (p: Promise<unknown>) => void,
  ) {}

  /** A message that notifies this user landed: queued for each offline session with a subscription. */
  notice(n: Notice): void {
    if (!this.signer) return;
    const now = this.clock.now();
    const online = this.connected();
    for (const sub of this.subs.live(now)) {
      if (online.has(sub.session_id)) continue;
      const row = this.row(sub.session_id, n.chat_id);
      const due = row?.due_at ?? Math.max(now, (row?.sent_at ?? 0) + FOLD_MS);
      this.sql.exec(
        `INSERT INTO push_queue (session_id, chat_id, count, seq, title, body, due_at, sent_at, failures)
           VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, 0, 0)
         ON CONFLICT (session_id, chat_id) DO UPDATE SET count = count + 1, seq = ?3, title = ?4, body = ?5, due_at = ?6`,
        sub.session_id,
        n.chat_id,
        n.seq,
        n.title,
        n.body,
        due,
      );
      if (due <= now) this.defer(this.send(sub, n.chat_id));
      else this.alarm.wakeAt(due);
    }
  }

  /** A queued message was edited or deleted: a push still waiting shows what it is now. */
  changed(chatId: string, seq: number, body: string): void {
    this.sql.exec("UPDATE push_queue SET body = ? WHERE chat_id = ? AND seq = ? AND due_at IS NOT NULL", body, chatId, seq);
  }

  /** The alarm: every push that is due leaves; the next one due sets the alarm again. */
  onAlarm(): void {
    if (!this.signer || !this.subs.stored) return;
    const now = this.clock.now();
    const subs = new Map(this.subs.live(now).map((s) => [s.session_id, s]));
    const due = this.sql.exec<QueueRow>("SELECT * FROM push_queue WHERE due_at IS NOT NULL AND due_at <= ?", now).toArray();
    for (const r of due) {
      const sub = subs.get(r.session_id);
      if (sub) this.defer(this.send(sub, r.chat_id));
    }
    this.wakeForNext();
  }

  private async send(sub: StoredSubscription, chatId: string): Promise<void> {
    const row = this.row(sub.session_id, chatId);
    if (!row || row.due_at === null || !this.signer) return;
    const payload: PushPayload = { chat_id: chatId, seq: row.seq, title: row.title, body: row.body, count: row.count };
    const started = this.clock.now();
    // What this push stands for is taken out of the queue before it leaves, so that
    // messages arriving meanwhile fold into the next one.
    this.sql.exec(
      "UPDATE push_queue SET count = 0, due_at = NULL, sent_at = ? WHERE session_id = ? AND chat_id = ?",
      started,
      sub.session_id,
      chatId,
    );
    let outcome: Outcome;
    try {
      outcome = await sendPush(this.signer, started, sub, payload);
    } catch (error) {
      // Not the network (sendPush answers that): the push cannot be built, and never will be.
      outcome = { kind: "refused", status: 0, error };
    }
    this.settle(sub, row, payload, outcome);
  }

  private settle(sub: StoredSubscription, row: QueueRow, sent: PushPayload, o: Outcome): void {
    const now = this.clock.now();
    const base = { session_id: sub.session_id, push_service: endpointOrigin(sub.endpoint), status: o.status };
    if (o.kind === "sent") {
      this.sql.exec(
        "UPDATE push_queue SET failures = 0, failing_since = NULL WHERE session_id = ? AND chat_id = ?",
        sub.session_id,
        row.chat_id,
      );
      log({ level: "info", event: "push_sent", ...base, count: sent.count });
      return;
    }
    if (o.kind === "gone") {
      this.subs.end([sub.session_id]);
      log({ level: "info", event: "push_subscription_gone", ...base });
      return;
    }
    const since = row.failing_since ?? now;
    if (o.kind === "refused" || now - since >= GIVE_UP_MS) {
      this.sql.exec(
        "UPDATE push_queue SET failures = 0, failing_since = NULL WHERE session_id = ? AND chat_id = ?",
        sub.session_id,
        row.chat_id,
      );
      log({
        level: "warn",
        event: "push_dropped",
        ...base,
        count: sent.count,
        ...(o.error !== undefined && { exception: errorSummary(o.error) }),
      });
      return;
    }
    const failures = row.failures + 1;
    const wait = o.afterMs ?? retryDelay(failures);
    // Back into the queue, with whatever came while it was on its way.
    this.sql.exec(
      `UPDATE push_queue SET count = count + ?1, seq = MAX(seq, ?2), due_at = ?3, failures = ?4, failing_since = ?5
         WHERE session_id = ?6 AND chat_id = ?7`,
      sent.count,
      sent.seq,
      now + wait,
      failures,
      since,
      sub.session_id,
      row.chat_id,
    );
    this.alarm.wakeAt(now + wait);
    log({
      level: "warn",
      event: "push_retry",
      ...base,
      attempt: failures,
      retry_in_ms: Math.round(wait),
      ...(o.error !== undefined && { exception: errorSummary(o.error) }),
    });
  }

  private wakeForNext(): void {
    const next = this.sql.exec<{ at: number | null }>("SELECT MIN(due_at) AS at FROM push_queue WHERE due_at IS NOT NULL").one().at;
    if (next !== null) this.alarm.wakeAt(next);
  }

  private row(sessionId: string, chatId: string): QueueRow | null {
    return this.sql.exec<QueueRow>("SELECT * FROM push_queue WHERE session_id = ? AND chat_id = ?", sessionId, chatId).toArray()[0] ?? null;
  }
}
