// Accounts and sessions in D1: registering, logging in, recovery codes, revoking. Used by
// the Worker (anonymous sockets, POST /api) and by the user objects (account modes on a
// logged-in socket), so each rule lives here once.
import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { config } from "../platform/config";
import {
  decoyHash,
  hashPassword,
  newId,
  newRecoveryCode,
  newToken,
  sha256Hex,
  verifyPassword,
} from "./crypto";
import { ApiError } from "../contract/errors";
import type { Device } from "./account-management";
import { mailer } from "./mailer";
import type { RequestOf, User } from "../contract/protocol";
import { limiter } from "./rate-limiter";
import { recoveryCodes, sessions, users } from "./schema";

const RECOVERY_TTL_MS = 30 * 60_000;
export const RECOVERY_MESSAGE = "if an account matches, a recovery code is on its way to its email address";

/** Keeps work going after the answer is sent (an ExecutionContext's or a Durable Object's waitUntil). */
export type Defer = (work: Promise<unknown>) => void;

/** A logged-in session as the objects see it. Never carries the token itself. */
export interface Session {
  sessionId: string;
  tokenHash: string;
  expiresAt: number;
  user: User;
  /** When D1 last recorded the session as seen (see touchSession). */
  seenAt?: number;
}

const db = (env: Env) => drizzle(env.DB);

function rateLimited(retryAfterMs: number, what: string): ApiError {
  return new ApiError(429, "rate_limited", `too many ${what}; try again in ${Math.ceil(retryAfterMs / 1000)} s`, undefined, retryAfterMs);
}

async function startSession(env: Env, user: User, device: Device): Promise<{ token: string; user: User; session: Session }> {
  const token = newToken();
  const now = Date.now();
  const session: Session = { sessionId: newId(), tokenHash: await sha256Hex(token), expiresAt: now + config(env).sessionTtlMs, user, seenAt: now };
  await db(env).insert(sessions).values({
    id: session.sessionId,
    userId: user.id,
    tokenHash: session.tokenHash,
    createdAt: now,
    expiresAt: session.expiresAt,
    lastSeenAt: now,
    userAgent: device.userAgent,
    location: device.location ?? null,
  });
  return { token, user, session };
}

export async function register(env: Env, r: RequestOf<"register">, ip: string, device: Device) {
  const verdict = await limiter(env, `register-ip:${ip}`).hit(config(env).registerPerAddress);
  if (!verdict.ok) throw rateLimited(verdict.retryAfterMs, "registrations from this address");
  const usernameKey = r.username.toLowerCase();
  const emailKey = r.email.toLowerCase();
  const taken = await db(env)
    .select({ usernameKey: users.usernameKey, emailKey: users.emailKey })
    .from(users)
    .where(or(eq(users.usernameKey, usernameKey), eq(users.emailKey, emailKey)));
  if (taken.some((t) => t.usernameKey === usernameKey))
    throw new ApiError(409, "username_taken", `the username ${r.username} is taken`, { username: "is taken" });
  if (taken.length) throw new ApiError(409, "email_taken", "an account with this email address exists", { email: "is taken" });
  const user: User = { id: newId(), username: r.username };
  try {
    await db(env)
      .insert(users)
      .values({
        id: user.id,
        username: r.username,
        usernameKey,
        email: r.email,
        emailKey,
        passwordHash: await hashPassword(r.password),
        createdAt: Date.now(),
      });
  } catch (err) {
    // Two registrations racing for the same name: the unique index decides.
    if (String(err).includes("UNIQUE")) {
      const field = String(err).includes("email") ? "email" : "username";
      throw new ApiError(409, field === "email" ? "email_taken" : "username_taken", `this ${field} is taken`, { [field]: "is taken" });
    }
    throw err;
  }
  return startSession(env, user, device);
}

export async function auth(env: Env, r: RequestOf<"auth">, ip: string, device: Device) {
  const cfg = config(env);
  const usernameKey = r.username.toLowerCase();
  const byName = limiter(env, `auth-user:${usernameKey}`);
  const byAddress = limiter(env, `auth-ip:${ip}`);
  const [a, b] = await Promise.all([byName.check(cfg.authFailsPerUsername), byAddress.check(cfg.authFailsPerAddress)]);
  if (!a.ok || !b.ok) throw rateLimited(Math.max(a.retryAfterMs, b.retryAfterMs), "failed logins");
  // A deleted account is unknown here: its name stays taken, but nobody logs in as it.
  const row = (await db(env).select().from(users).where(and(eq(users.usernameKey, usernameKey), isNull(users.deletedAt))).limit(1))[0];
  // Unknown users cost one PBKDF2 as well, so timing does not tell who exists.
  const check = await verifyPassword(r.password, row?.passwordHash ?? (await decoyHash()));
  if (!row || !check.ok) {
    await Promise.all([byName.hit(cfg.authFailsPerUsername), byAddress.hit(cfg.authFailsPerAddress)]);
    throw new ApiError(401, "invalid_credentials", "wrong username or password");
  }
  if (check.rehash)
    await db(env).update(users).set({ passwordHash: await hashPassword(r.password) }).where(eq(users.id, row.id));
  return startSession(env, { id: row.id, username: row.username }, device);
}

/** The session of a token, or null when it is unknown, revoked or expired. */
export async function sessionOf(env: Env, token: string | undefined): Promise<Session | null> {
  if (!token) return null;
  const tokenHash = await sha256Hex(token);
  const row = (
    await db(env)
      .select({ id: sessions.id, expiresAt: sessions.expiresAt, seenAt: sessions.lastSeenAt, userId: users.id, username: users.username })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, Date.now())))
      .limit(1)
  )[0];
  if (!row) return null;
  return {
    sessionId: row.id,
    tokenHash,
    expiresAt: row.expiresAt,
    user: { id: row.userId, username: row.username },
    ...(row.seenAt !== null && { seenAt: row.seenAt }),
  };
}

export async function revokeSession(env: Env, sessionId: string): Promise<void> {
  await db(env).update(sessions).set({ revokedAt: Date.now() }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/**
 * Issues a recovery code when an account matches. The mail goes out through `defer`, after
 * the answer, so the answer's timing does not depend on the mail service.
 */
export async function recovery(env: Env, r: RequestOf<"recovery">, defer: Defer): Promise<void> {
  const key = r.known_data.toLowerCase();
  const column = r.known_data_type === "email" ? users.emailKey : users.usernameKey;
  const row = (await db(env).select().from(users).where(and(eq(column, key), isNull(users.deletedAt))).limit(1))[0];
  // Where both are given they must name the same account.
  if (!row || (r.username !== undefined && r.username.toLowerCase() !== row.usernameKey)) return;
  const verdict = await limiter(env, `recovery-user:${row.id}`).hit(config(env).recoveryPerAccount);
  if (!verdict.ok) return;
  const code = newRecoveryCode();
  const now = Date.now();
  await db(env)
    .insert(recoveryCodes)
    .values({ id: newId(), userId: row.id, codeHash: await sha256Hex(code), createdAt: now, expiresAt: now + RECOVERY_TTL_MS });
  const mail = mailer(env).send({
    to: row.email,
    subject: "Your recovery code",
    text: `Your recovery code for ${row.username} is ${code}. It works once, for 30 minutes.`,
    code,
  });
  defer(mail.catch((err: unknown) => console.error(`recovery mail to user ${row.id} failed`, err)));
}

/** Sets a new password from a recovery code; returns the user whose sessions must all end. */
export async function resetPassword(env: Env, r: RequestOf<"resetPassword">): Promise<User> {
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
  await db(env).batch([
    db(env).update(users).set({ passwordHash: await hashPassword(r.new_password) }).where(eq(users.id, userId)),
    db(env).update(sessions).set({ revokedAt: now }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))),
    db(env).update(recoveryCodes).set({ usedAt: now }).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))),
  ]);
  return { id: row.id, username: row.username };
}

/** Users by username (any case), for starting chats and adding members; deleted accounts are not found. */
export async function usersByName(env: Env, names: string[]): Promise<Map<string, User>> {
  const keys = [...new Set(names.map((n) => n.toLowerCase()))];
  const found = new Map<string, User>();
  // D1 binds at most 100 parameters a statement.
  for (let i = 0; i < keys.length; i += 90) {
    const rows = await db(env)
      .select({ id: users.id, username: users.username, key: users.usernameKey })
      .from(users)
      .where(and(inArray(users.usernameKey, keys.slice(i, i + 90)), isNull(users.deletedAt)));
    for (const r of rows) found.set(r.key, { id: r.id, username: r.username });
  }
  return found;
}
