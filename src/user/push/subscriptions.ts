// The user's push subscriptions: at most one per session, ended with the session (logout,
// revoke, password change or reset, expiry; a deleted account's storage is wiped whole).
import { ApiError } from "../../contract/errors";
import type { PushSubscriptionJson } from "../../contract/notifications";
import { LazyTables, type LazySchema } from "../../platform/object-sql";
import type { StoredSubscription } from "./sender";

/**
 * push_subs: a subscription per session; push_queue: what each is owed, per chat
 * (notifier.ts). Made with the user's first subscription (a schema step before).
 */
export const PUSH_TABLES: LazySchema = {
  tables: ["push_subs", "push_queue"],
  ddl: `CREATE TABLE IF NOT EXISTS push_subs (session_id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, p256dh TEXT NOT NULL, auth TEXT NOT NULL,
     expires_at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS push_queue (session_id TEXT NOT NULL, chat_id TEXT NOT NULL, count INTEGER NOT NULL, seq INTEGER NOT NULL,
     title TEXT NOT NULL, body TEXT NOT NULL, due_at INTEGER, sent_at INTEGER NOT NULL, failures INTEGER NOT NULL,
     failing_since INTEGER, PRIMARY KEY (session_id, chat_id));
   CREATE INDEX IF NOT EXISTS push_queue_due ON push_queue (due_at) WHERE due_at IS NOT NULL;`,
};

export class Subscriptions {
  /** Whether any subscription is stored (null: not known); most users have none, and ask per delivery. */
  private some: boolean | null = null;
  private readonly tables: LazyTables;

  constructor(private readonly sql: SqlStorage) {
    this.tables = new LazyTables(sql, PUSH_TABLES);
  }

  /** Were the tables made (by a first subscription)? Before, there is nothing queued either. */
  get stored(): boolean {
    return this.tables.exist;
  }

  any(): boolean {
    this.some ??= this.stored && this.sql.exec("SELECT 1 FROM push_subs LIMIT 1").toArray().length > 0;
    return this.some;
  }

  /** The session's subscription replaces any it had; the queue of the old one goes with it. */
  put(sessionId: string, expiresAt: number, s: PushSubscriptionJson): void {
    this.tables.make();
    this.end([sessionId]);
    this.sql.exec(
      "INSERT INTO push_subs (session_id, endpoint, p256dh, auth, expires_at) VALUES (?, ?, ?, ?, ?)",
      sessionId,
      s.endpoint,
      s.keys.p256dh,
      s.keys.auth,
      expiresAt,
    );
    this.some = true;
  }

  end(sessionIds: string[]): void {
    this.some = null;
    if (!this.stored) return;
    for (const id of sessionIds) {
      this.sql.exec("DELETE FROM push_subs WHERE session_id = ?", id);
      this.sql.exec("DELETE FROM push_queue WHERE session_id = ?", id);
    }
  }

  /** Live subscriptions; those of expired sessions end here. */
  live(now: number): StoredSubscription[] {
    if (!this.stored) return [];
    const expired = this.sql
      .exec<{ session_id: string }>("SELECT session_id FROM push_subs WHERE expires_at <= ?", now)
      .toArray()
      .map((r) => r.session_id);
    if (expired.length) this.end(expired);
    return this.sql.exec<StoredSubscription & Record<string, SqlStorageValue>>("SELECT * FROM push_subs").toArray();
  }

  get(sessionId: string, now: number): StoredSubscription | null {
    return this.live(now).find((s) => s.session_id === sessionId) ?? null;
  }
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function bytes(b64url: string): Uint8Array | null {
  if (!B64URL.test(b64url)) return null;
  try {
    const bin = atob(b64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (b64url.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * A subscription the service can send to: an https endpoint (or, where PUSH_ALLOW_HTTP is
 * set for tests, http on 127.0.0.1), p256dh a point on P-256 and auth a 16-byte secret.
 */
export async function checkSubscription(s: PushSubscriptionJson, allowHttp: boolean): Promise<void> {
  const bad = (field: string, why: string) =>
    new ApiError(400, "invalid_request", `subscription.${field} ${why}`, { [`subscription.${field}`]: why });
  let url: URL | null = null;
  try {
    url = new URL(s.endpoint);
  } catch {}
  const ok = url !== null && (url.protocol === "https:" || (allowHttp && url.protocol === "http:" && url.hostname === "127.0.0.1"));
  if (!ok || url?.username || url?.password) throw bad("endpoint", "must be an https URL");
  const point = bytes(s.keys.p256dh);
  let onCurve = false;
  if (point?.length === 65 && point[0] === 4) {
    try {
      await crypto.subtle.importKey("raw", point, { name: "ECDH", namedCurve: "P-256" }, false, []);
      onCurve = true;
    } catch {}
  }
  if (!onCurve) throw bad("keys.p256dh", "must be base64url of an uncompressed P-256 point (65 bytes)");
  if (bytes(s.keys.auth)?.length !== 16) throw bad("keys.auth", "must be base64url of a 16-byte secret");
}
