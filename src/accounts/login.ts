// Registering and logging in. Every login attempt is checked under the failed-login limits
// (login-limits.ts); a remembered device skips the username's queue (devices.ts).
import { and, eq, isNull, or } from "drizzle-orm";
import { ApiError, rateLimited } from "../contract/errors";
import type { RequestOf, User } from "../contract/protocol";
import { config } from "../platform/config";
import { addressKey } from "./address";
import { hashPassword, newId } from "./crypto";
import { db } from "./db";
import { rememberDevice, rememberedDevice } from "./devices";
import { checkUnderLoginLimits } from "./login-limits";
import { limiter } from "./rate-limiter";
import { users } from "./schema";
import { startSession, type Device } from "./sessions";

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
      if (d1.includes("email_key"))
        throw new ApiError(409, "email_taken", "an account with this email address exists", { email: "is taken" });
      throw new ApiError(409, "username_taken", `the username ${r.username} is taken`, { username: "is taken" });
    }
    throw err;
  }
  const started = await startSession(env, user, device);
  return { ...started, deviceToken: await rememberDevice(env, user.id, null, Date.now()) };
}

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
  // A deleted or suspended account is unknown here: its name stays taken, but nobody logs in as it.
  const load = async () =>
    (
      await db(env)
        .select()
        .from(users)
        .where(and(eq(users.usernameKey, usernameKey), isNull(users.deletedAt), isNull(users.suspendedAt)))
        .limit(1)
    )[0];
  const wrong = new ApiError(401, "invalid_credentials", "wrong username or password");
  const { row, rehash } = await checkUnderLoginLimits(env, usernameKey, ip, r.password, load, wrong, deviceId);
  if (rehash)
    await db(env)
      .update(users)
      .set({ passwordHash: await hashPassword(r.password) })
      .where(eq(users.id, row.id));
  const started = await startSession(env, { id: row.id, username: row.username }, device);
  const known = deviceId && r.device_token ? { id: deviceId, token: r.device_token } : null;
  return { ...started, deviceToken: await rememberDevice(env, row.id, known, Date.now()) };
}
