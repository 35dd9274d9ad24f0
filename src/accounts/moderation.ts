// The operator's side of moderation: members' reports (reportMessage), listed for the
// operator, and suspending an account (it cannot log in; its sessions are revoked here and
// their sockets closed by the caller, as for a password reset).
import { and, desc, eq, gt, isNull, lt, or } from "drizzle-orm";
import { ApiError } from "../contract/errors";
import type { Report } from "../contract/moderation";
import type { Message, User } from "../contract/protocol";
import { db } from "./db";
import { reports, sessions, users } from "./schema";
import type { Revocation } from "./sessions";

export interface NewReport {
  chatId: string;
  seq: number;
  reporter: User;
  reason: string;
  /** The message as it is when reported (a deleted one: no text). */
  message: Message;
}

export async function addReport(env: Env, r: NewReport): Promise<string> {
  const id = crypto.randomUUID();
  await db(env)
    .insert(reports)
    .values({
      id,
      chatId: r.chatId,
      seq: r.seq,
      reporterId: r.reporter.id,
      reporter: r.reporter.username,
      reason: r.reason,
      message: JSON.stringify(r.message),
      createdAt: Date.now(),
    });
  return id;
}

/** Reports newest first; `before` is the cursor of the page before ("<created_at>.<id>"). */
export async function listReports(
  env: Env,
  limit: number,
  before: string | undefined,
): Promise<{ reports: Report[]; has_more: boolean; cursor?: string }> {
  const at = before === undefined ? null : /^(\d+)\.([0-9a-f-]{36})$/.exec(before);
  if (before !== undefined && !at)
    throw new ApiError(400, "invalid_request", "before must be a cursor from a page of reports", { before: "not a cursor" });
  const rows = await db(env)
    .select()
    .from(reports)
    .where(at ? or(lt(reports.createdAt, Number(at[1])), and(eq(reports.createdAt, Number(at[1])), lt(reports.id, at[2]!))) : undefined)
    .orderBy(desc(reports.createdAt), desc(reports.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const has_more = rows.length > limit;
  const last = page.at(-1);
  return {
    reports: page.map((r) => ({
      report_id: r.id,
      chat_id: r.chatId,
      seq: r.seq,
      reporter: r.reporter,
      reason: r.reason,
      message: JSON.parse(r.message) as unknown,
      created_at: r.createdAt,
    })),
    has_more,
    ...(has_more && last && { cursor: `${last.createdAt}.${last.id}` }),
  };
}

/** Suspends or lifts it; suspending revokes every live session (returned: their sockets close). */
export async function setSuspended(
  env: Env,
  username: string,
  suspended: boolean,
): Promise<{ username: string; revoked: Revocation | null }> {
  const row = (
    await db(env)
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(and(eq(users.usernameKey, username.toLowerCase()), isNull(users.deletedAt)))
      .limit(1)
  )[0];
  if (!row) throw new ApiError(404, "user_not_found", `no user ${username}`);
  const now = Date.now();
  if (!suspended) {
    await db(env).update(users).set({ suspendedAt: null }).where(eq(users.id, row.id));
    return { username: row.username, revoked: null };
  }
  const [, revoked] = await db(env).batch([
    db(env).update(users).set({ suspendedAt: now }).where(eq(users.id, row.id)),
    db(env)
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, row.id), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .returning({ sessionId: sessions.id, expiresAt: sessions.expiresAt }),
  ]);
  return { username: row.username, revoked: { userId: row.id, sessions: revoked } };
}
