// For tests only (the pool's test files import it; nothing in the service does): what D1
// holds, read and set through the same drizzle handle, so no test writes SQL of its own.
import { and, count, eq, inArray, isNull } from "drizzle-orm";
import { db } from "./db";
import { recoveryCodes, sessions, users } from "./schema";

type SessionInsert = typeof sessions.$inferInsert;
type CodeInsert = typeof recoveryCodes.$inferInsert;

export const userRow = async (env: Env, userId: string) => (await db(env).select().from(users).where(eq(users.id, userId)))[0];

export const insertUser = (env: Env, row: typeof users.$inferInsert) => db(env).insert(users).values(row);

export const markUserDeleted = (env: Env, userId: string, at: number) =>
  db(env).update(users).set({ deletedAt: at }).where(eq(users.id, userId));

export const setPasswordHash = (env: Env, userId: string, hash: string) =>
  db(env).update(users).set({ passwordHash: hash }).where(eq(users.id, userId));

/** A user's sessions, oldest first. */
export const sessionsOf = (env: Env, userId: string) =>
  db(env).select().from(sessions).where(eq(sessions.userId, userId)).orderBy(sessions.createdAt);

export const sessionRow = async (env: Env, sessionId: string) =>
  (await db(env).select().from(sessions).where(eq(sessions.id, sessionId)))[0];

export const liveSessionCount = async (env: Env, userId: string) =>
  (
    await db(env)
      .select({ n: count() })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
  )[0]!.n;

export const recoveryCodeCount = async (env: Env, userId: string) =>
  (await db(env).select({ n: count() }).from(recoveryCodes).where(eq(recoveryCodes.userId, userId)))[0]!.n;

/** One insert a row, in one batch: D1 binds at most 100 values a statement. */
export async function addSessions(env: Env, rows: SessionInsert[]): Promise<void> {
  const d = db(env);
  const [first, ...rest] = rows.map((r) => d.insert(sessions).values(r));
  await d.batch([first!, ...rest]);
}

export async function addRecoveryCodes(env: Env, rows: CodeInsert[]): Promise<void> {
  const d = db(env);
  const [first, ...rest] = rows.map((r) => d.insert(recoveryCodes).values(r));
  await d.batch([first!, ...rest]);
}

/** Moves a session's expiry (one session by id, or all of a user's). */
export const expireSessions = (env: Env, which: { sessionId: string } | { userId: string }, at: number) =>
  db(env)
    .update(sessions)
    .set({ expiresAt: at })
    .where("sessionId" in which ? eq(sessions.id, which.sessionId) : eq(sessions.userId, which.userId));

/** Which of these ids are still rows of the table. */
export async function idsLeft(env: Env, table: "sessions" | "recovery_codes", ids: string[]): Promise<string[]> {
  const t = table === "sessions" ? sessions : recoveryCodes;
  return (await db(env).select({ id: t.id }).from(t).where(inArray(t.id, ids))).map((r) => r.id);
}
