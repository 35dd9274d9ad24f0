// Ending a user's sessions from outside their user object (the Worker after a password
// reset or a login past the session cap; another user's object likewise). One failed call
// must not leave a revoked session's socket open for the rest of the session's life, so
// the call is retried, after the answer, with the service's one backoff (platform/retry.ts).
import type { Defer, Revocation } from "../accounts";
import { errorSummary, log } from "../platform/log";
import { retryDelay } from "../platform/retry";

/** Tries in all: past the last, the sessions end anyway when they expire. */
const ATTEMPTS = 6;

export async function endSessionsOf(env: Env, revoked: Revocation, defer: Defer): Promise<void> {
  // A stub that has thrown may stay broken: each attempt gets a fresh one.
  const attempt = () => env.USERS.get(env.USERS.idFromName(revoked.userId)).endSessions(revoked.sessions, null);
  const failed = (n: number, err: unknown): number | undefined => {
    const retryIn = n < ATTEMPTS ? retryDelay(n) : undefined;
    log({
      level: retryIn === undefined ? "error" : "warn",
      event: "end_sessions_failed",
      user_id: revoked.userId,
      attempt: n,
      ...(retryIn !== undefined && { retry_in_ms: Math.round(retryIn) }),
      exception: errorSummary(err),
    });
    return retryIn;
  };
  let wait: number | undefined;
  try {
    return await attempt();
  } catch (err) {
    wait = failed(1, err);
  }
  defer(
    (async () => {
      for (let n = 2; wait !== undefined; n++) {
        await scheduler.wait(wait);
        try {
          return await attempt();
        } catch (err) {
          wait = failed(n, err);
        }
      }
    })(),
  );
}
