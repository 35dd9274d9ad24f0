// Password recovery: a code by mail, then a new password with it.
import { and, eq, gt, isNull } from "drizzle-orm";
import { ApiError } from "../contract/errors";
import type { RequestOf } from "../contract/protocol";
import { config } from "../platform/config";
import { errorSummary, log } from "../platform/log";
import { hashPassword, newId, newRecoveryCode, sha256Hex } from "./crypto";
import { db } from "./db";
import { mailer } from "./mailer";
import { limiter } from "./rate-limiter";
import { recoveryCodes, sessions, users } from "./schema";
import type { Revocation } from "./sessions";

const RECOVERY_TTL_MS = 30 * 60_000;
export const RECOVERY_MESSAGE = "if an account matches, a recovery code is on its way to its email address";

/**
 * Issues a recovery code when an account matches, and mails it. Runs after the answer (see
 * account-modes.ts), so it never fails a request: a failure is logged, without the address.
 */
export async function recovery(env: Env, r: RequestOf<"recovery">): Promise<void> {
  try {
    await issueRecoveryCode(env, r);
  } catch (err) {
    log({ level: "error", event: "recovery_failed", exception: errorSummary(err) });
  }
}

async function issueRecoveryCode(env: Env, r: RequestOf<"recovery">): Promise<void> {
  const key = r.known_data.toLowerCase();
  const column = r.known_data_type === "email" ? users.emailKey : users.usernameKey;
  const row = (
    await db(env)
      .select()
      .from(users)
      .where(and(eq(column, key), isNull(users.deletedAt)))
      .limit(1)
  )[0];
  // Where both are given they must name the same account.
  if (!row || (r.username !== undefined && r.username.toLowerCase() !== row.usernameKey)) return;
  const verdict = await limiter(env, `recovery-user:${row.id}`).take(config(env).recoveryPerAccount);
  if (!verdict.ok) return;
  const code = newRecoveryCode();
  const now = Date.now();
  await db(env)
    .insert(recoveryCodes)
    .values({
      id: newId(),
      userId: row.id,
      codeHash: await sha256Hex(code),
      createdAt: now,
      expiresAt: now + RECOVERY_TTL_MS,
    });
  await mailer(env).send({
    to: row.email,
    subject: "Your recovery code",
    text: `Your recovery code for ${row.username} is ${code}. It works once, for 30 minutes.`,
    code,
  });
}

/** Sets a new password from a recovery code; every session of the user is revoked. */
export async function resetPassword(env: Env, r: RequestOf<"resetPassword">): Promise<Revocation> {
  const now = Date.now();
  const expired = new ApiError(410, "code_expired", "this recovery code is wrong, used or expired; ask for a new one");
  // Claiming the code is one conditional UPDATE, so a code works once even under races.
  const claimed = await db(env)
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.codeHash, await sha256Hex(r.code)), isNull(recoveryCodes.usedAt), gt(recoveryCodes.expiresAt, now)))
    .returning({ userId: recoveryCodes.userId });
  const userId = claimed[0]?.userId;
  if (!userId) throw expired;
  const row = (await db(env).select().from(users).where(eq(users.id, userId)).limit(1))[0];
  if (!row) throw expired;
  const [, revoked] = await db(env).batch([
    db(env)
      .update(users)
      .set({ passwordHash: await hashPassword(r.new_password) })
      .where(eq(users.id, userId)),
    db(env)
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .returning({ sessionId: sessions.id, expiresAt: sessions.expiresAt }),
    db(env)
      .update(recoveryCodes)
      .set({ usedAt: now })
      .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))),
  ]);
  return { userId: row.id, sessions: revoked };
}
