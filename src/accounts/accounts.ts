// Accounts and sessions in D1: registering, logging in, recovery codes, revoking. Used by
// the Worker (anonymous sockets, POST /api) and by the user objects (account modes on a
// logged-in socket), so each rule lives here once.
import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, notInArray, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { config, type Limit } from "../platform/config";
import { errorSummary, log } from "../platform/log";
import {
  DECOY_HASH,
  hashPassword,
  newId,
  newRecoveryCode,
  newToken,
  sha256Hex,
  verifyPassword,
} from "./crypto";
import { ApiError, rateLimited } from "../contract/errors";
import type { Device } from "./account-management";
import { mailer } from "./mailer";
import type { RequestOf, User } from "../contract/protocol";
import { addressKey } from "./address";
import { limiter, type RateLimiter } from "./rate-limiter";
import { recoveryCodes, sessions, users } from "./schema";
import { purgeAbandonedUploads } from "./uploads";
import { purgeExpiredDevices, rememberDevice, rememberedDevice } from "./devices";

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

/** Sessions of one user that have just been revoked: their sockets must close. */
export interface Revocation {
  userId: string;
  /** Each with its expiry: until then its user object remembers that it was revoked. */
  sessions: Array<{ sessionId: string; expiresAt: number }>;
}

const db = (env: Env) => drizzle(env.DB);

/**
 * Starts a session. A user keeps at most `sessionsPerUser` live sessions: starting one more
 * revokes the oldest (returned, so that their sockets are closed).
 */
async function startSession(env: Env, user: User, device: Device): Promise<{ token: string; user: User; session: Session; revoked: Revocation }> {
  const cfg = config(env);
  const token = newToken();
  const now = Date.now();
  const session: Session = { sessionId: newId(), tokenHash: await sha256Hex(token), expiresAt: now + cfg.sessionTtlMs, user, seenAt: now };
  const live = and(eq(sessions.userId, user.id), isNull(sessions.revokedAt), gt(sessions.expiresAt, now));
  const newest = db(env).select({ id: sessions.id }).from(sessions).where(live).orderBy(desc(sessions.createdAt), desc(sessions.id)).limit(cfg.sessionsPerUser);
  const [, evicted] = await db(env).batch([
    db(env).insert(sessions).values({
      id: session.sessionId,
      userId: user.id,
      tokenHash: session.tokenHash,
      createdAt: now,
      expiresAt: session.expiresAt,
      lastSeenAt: now,
      userAgent: device.userAgent,
      location: device.location ?? null,
    }),
    db(env)
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(live, notInArray(sessions.id, newest)))
      .returning({ sessionId: sessions.id, expiresAt: sessions.expiresAt }),
  ]);
  return { token, user, session, revoked: { userId: user.id, sessions: evicted } };
}

export async function register(env: Env, r: RequestOf<"register">, ip: string, device: Device) {
  const verdict = await limiter(env, `register-ip:${addressKey(ip)}`).take(config(env).registerPerAddress);
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
    // Two registrations racing for the same name or address: the unique index decides. The
    // query error wraps D1's, whose message names the index.
    const d1 = err instanceof Error && err.cause instanceof Error ? err.cause.message : "";
    if (d1.includes("UNIQUE constraint failed")) {
      if (d1.includes("email_key")) throw new ApiError(409, "email_taken", "an account with this email address exists", { email: "is taken" });
      throw new ApiError(409, "username_taken", `the username ${r.username} is taken`, { username: "is taken" });
    }
    throw err;
  }
  const started = await startSession(env, user, device);
  return { ...started, deviceToken: await rememberDevice(env, user.id, null, Date.now()) };
}

/** The longest a login waits for its turn under the per-username limit before it is refused. */
export const MAX_LOGIN_DELAY_MS = 10_000;

/**
 * Logs in. Every attempt is counted as a failure before the password is checked, and given
 * back when it was right, so guesses sent at once cannot all pass a check made before any
 * of them failed. Three limits: strict per (username, address) and per address, so a
 * guesser runs out from where they guess; per username only a looser one that makes
 * attempts wait their turn (up to MAX_LOGIN_DELAY_MS) before it refuses, so guessing from
 * elsewhere cannot lock the owner out with a few failures. A remembered device (its
 * `device_token`, checked first) skips the per-username queue; see devices.ts.
 */
export async function auth(env: Env, r: RequestOf<"auth">, ip: string, device: Device) {
  const usernameKey = r.username.toLowerCase();
  const deviceId = r.device_token ? await rememberedDevice(env, r.device_token, usernameKey, Date.now()) : null;
  // A deleted account is unknown here: its name stays taken, but nobody logs in as it.
  const load = async () => (await db(env).select().from(users).where(and(eq(users.usernameKey, usernameKey), isNull(users.deletedAt))).limit(1))[0];
  const wrong = new ApiError(401, "invalid_credentials", "wrong username or password");
  const { row, rehash } = await checkUnderLoginLimits(env, usernameKey, ip, r.password, load, wrong, deviceId);
  if (rehash) await db(env).update(users).set({ passwordHash: await hashPassword(r.password) }).where(eq(users.id, row.id));
  const started = await startSession(env, { id: row.id, username: row.username }, device);
  const known = deviceId && r.device_token ? { id: deviceId, token: r.device_token } : null;
  return { ...started, deviceToken: await rememberDevice(env, row.id, known, Date.now()) };
}

/**
 * Checks a password under the failed-login limits of `usernameKey` and the address (auth,
 * and a logged-in user's changePassword and deleteAccount). `load` finds the account, or
 * nothing: then a decoy is checked, so the time does not tell who exists. A wrong password
 * throws `wrong`; over a limit, 429 before anything is checked. `deviceId`: a remembered
 * device of this account, whose failures count per device (strictly) instead of in the
 * username's queue.
 */
export async function checkUnderLoginLimits<T extends { passwordHash: string }>(
  env: Env,
  usernameKey: string,
  ip: string,
  password: string,
  load: () => Promise<T | undefined>,
  wrong: ApiError,
  deviceId: string | null = null,
): Promise<{ row: T; rehash: boolean }> {
  const cfg = config(env);
  const address = addressKey(ip);
  const taken = await takeAll(
    [
      { stub: limiter(env, `auth-ip:${address}`), limit: cfg.authFailsPerAddress },
      { stub: limiter(env, `auth-user-ip:${JSON.stringify([usernameKey, address])}`), limit: cfg.authFailsPerUsernameAndAddress },
      deviceId
        ? { stub: limiter(env, `auth-device:${deviceId}`), limit: cfg.authFailsPerUsernameAndAddress }
        : { stub: limiter(env, `auth-user:${usernameKey}`), limit: cfg.authFailsPerUsername, maxDelayMs: MAX_LOGIN_DELAY_MS },
    ],
    "failed logins",
  );
  if (taken.delayMs) await scheduler.wait(taken.delayMs);
  const row = await load();
  const check = await verifyPassword(password, row?.passwordHash ?? DECOY_HASH);
  if (!row || !check.ok) throw wrong;
  await taken.giveBack();
  return { row, rehash: check.rehash };
}

interface Take {
  stub: DurableObjectStub<RateLimiter>;
  limit: Limit;
  maxDelayMs?: number;
}

/**
 * Takes one event from each limiter, all or none: when one refuses, the others are given
 * back and the answer is 429 with the longest wait. Resolves to the longest delay granted.
 */
async function takeAll(takes: Take[], what: string): Promise<{ delayMs: number; giveBack: () => Promise<void> }> {
  const verdicts = await Promise.all(takes.map((t) => t.stub.take(t.limit, t.maxDelayMs)));
  const giveBack = async (which: Take[]) => void (await Promise.all(which.map((t) => t.stub.giveBack(t.limit))));
  if (verdicts.some((v) => !v.ok)) {
    await giveBack(takes.filter((_, i) => verdicts[i]!.ok));
    throw rateLimited(Math.max(...verdicts.map((v) => v.retryAfterMs)), what);
  }
  return { delayMs: Math.max(...verdicts.map((v) => v.delayMs)), giveBack: () => giveBack(takes) };
}

/** The session of a token, or null when it is unknown, revoked or expired, or its account deleted. */
export async function sessionOf(env: Env, token: string | undefined): Promise<Session | null> {
  if (!token) return null;
  const tokenHash = await sha256Hex(token);
  const row = (
    await db(env)
      .select({ id: sessions.id, expiresAt: sessions.expiresAt, seenAt: sessions.lastSeenAt, userId: users.id, username: users.username })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, Date.now()), isNull(users.deletedAt)))
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

/** Revokes one session of a user; its sockets are for the caller to close. */
export async function revokeSession(env: Env, userId: string, sessionId: string): Promise<void> {
  await db(env)
    .update(sessions)
    .set({ revokedAt: Date.now() })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

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
  const row = (await db(env).select().from(users).where(and(eq(column, key), isNull(users.deletedAt))).limit(1))[0];
  // Where both are given they must name the same account.
  if (!row || (r.username !== undefined && r.username.toLowerCase() !== row.usernameKey)) return;
  const verdict = await limiter(env, `recovery-user:${row.id}`).take(config(env).recoveryPerAccount);
  if (!verdict.ok) return;
  const code = newRecoveryCode();
  const now = Date.now();
  await db(env)
    .insert(recoveryCodes)
    .values({ id: newId(), userId: row.id, codeHash: await sha256Hex(code), createdAt: now, expiresAt: now + RECOVERY_TTL_MS });
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
    db(env).update(users).set({ passwordHash: await hashPassword(r.new_password) }).where(eq(users.id, userId)),
    db(env)
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .returning({ sessionId: sessions.id, expiresAt: sessions.expiresAt }),
    db(env).update(recoveryCodes).set({ usedAt: now }).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt))),
  ]);
  return { userId: row.id, sessions: revoked };
}

/**
 * What nobody needs any more: sessions that expired or were revoked (a revoked token finds
 * no row either way; user objects remember revoked ids themselves), recovery codes that
 * were used or expired, the places of uploads whose Worker died, and devices not seen for
 * DEVICE_TTL_MS. Run from the Worker's
 * cron trigger.
 */
export async function purgeExpired(env: Env, now = Date.now()): Promise<{ sessions: number; codes: number; uploads: number; devices: number }> {
  const [gone, codes] = await db(env).batch([
    db(env).delete(sessions).where(or(lte(sessions.expiresAt, now), isNotNull(sessions.revokedAt))),
    db(env).delete(recoveryCodes).where(or(lte(recoveryCodes.expiresAt, now), isNotNull(recoveryCodes.usedAt))),
  ]);
  return { sessions: gone.meta.changes, codes: codes.meta.changes, uploads: await purgeAbandonedUploads(env, now), devices: await purgeExpiredDevices(env, now) };
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
