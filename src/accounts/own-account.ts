// What a logged-in user does to their own account in D1: check their password again, set a
// new one, erase the account. The user object calls these and does the rest (closing
// sockets, leaving chats).
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import { ApiError } from "../contract/errors";
import type { User } from "../contract/protocol";
import { hashPassword } from "./crypto";
import { db } from "./db";
import { checkUnderLoginLimits } from "./login-limits";
import { devices, recoveryCodes, sessions, users } from "./schema";
import type { Revocation } from "./sessions";

/**
 * Checks a logged-in user's password (changePassword, deleteAccount). A wrong one counts
 * toward the same failed-login limits as auth, and over them it is refused unchecked.
 */
export async function checkPassword(env: Env, user: User, password: string, ip: string): Promise<void> {
  const load = async () =>
    (
      await db(env)
        .select({ passwordHash: users.passwordHash })
        .from(users)
        .where(and(eq(users.id, user.id), isNull(users.deletedAt)))
        .limit(1)
    )[0];
  const wrong = new ApiError(401, "invalid_credentials", "the password is wrong", { password: "is wrong" });
  await checkUnderLoginLimits(env, user.username.toLowerCase(), ip, password, load, wrong);
}

/** A new password; every session but `keepSessionId` is revoked (returned), and unused recovery codes with them. */
export async function setPassword(env: Env, userId: string, keepSessionId: string, newPassword: string, now: number): Promise<Revocation> {
  const hash = await hashPassword(newPassword);
  const [, revoked] = await db(env).batch([
    db(env).update(users).set({ passwordHash: hash }).where(eq(users.id, userId)),
    db(env)
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .returning({ sessionId: sessions.id, expiresAt: sessions.expiresAt }),
    db(env)
      .update(recoveryCodes)
      .set({ usedAt: now })
      .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))),
  ]);
  return { userId, sessions: revoked };
}

/**
 * Erases an account: its sessions, recovery codes and remembered devices go, its email and password hash are
 * overwritten. The row stays with its username, so the name is never taken by someone
 * else who would then appear as this person in old chats.
 */
export async function eraseAccount(env: Env, userId: string, now: number): Promise<void> {
  await db(env).batch([
    db(env).delete(sessions).where(eq(sessions.userId, userId)),
    db(env).delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    db(env).delete(devices).where(eq(devices.userId, userId)),
    db(env)
      .update(users)
      .set({ deletedAt: now, email: "", emailKey: `deleted:${userId}`, passwordHash: "" })
      .where(eq(users.id, userId)),
  ]);
}
