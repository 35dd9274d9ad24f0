// The failed-login limits, shared by auth and by a logged-in user's password checks
// (changePassword, deleteAccount): strict per (username, address) and per address; per
// username a looser queue; per remembered device instead of that queue.
import { type ApiError, rateLimited } from "../contract/errors";
import { config, type Limit } from "../platform/config";
import { addressKey } from "./address";
import { DECOY_HASH, verifyPassword } from "./crypto";
import { limiter, type RateLimiter } from "./rate-limiter";

/** The longest a login waits for its turn under the per-username limit before it is refused. */
export const MAX_LOGIN_DELAY_MS = 10_000;

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
      {
        stub: limiter(env, `auth-user-ip:${JSON.stringify([usernameKey, address])}`),
        limit: cfg.authFailsPerUsernameAndAddress,
      },
      deviceId
        ? { stub: limiter(env, `auth-device:${deviceId}`), limit: cfg.authFailsPerUsernameAndAddress }
        : {
            stub: limiter(env, `auth-user:${usernameKey}`),
            limit: cfg.authFailsPerUsername,
            maxDelayMs: MAX_LOGIN_DELAY_MS,
          },
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
