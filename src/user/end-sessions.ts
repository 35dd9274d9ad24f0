// Ending a user's sessions from outside their user object (the Worker after a password
// reset or a login past the session cap; another user's object likewise). One failed call
// must not leave a revoked session's socket open for the rest of the session's life, so
// the call is retried, after the answer, until it lands.
import type { Defer, Revocation } from "../accounts";
import { errorSummary, log } from "../platform/log";

const RETRY_AFTER_MS = [250, 1_000, 4_000, 15_000, 60_000];

export async function endSessionsOf(env: Env, revoked: Revocation, defer: Defer): Promise<void> {
  // A stub that has thrown may stay broken: each attempt gets a fresh one.
  const attempt = () => env.USERS.get(env.USERS.idFromName(revoked.userId)).endSessions(revoked.sessions, null);
  try {
    return await attempt();
  } catch (err) {
    log({ level: "warn", event: "end_sessions_failed", user_id: revoked.userId, attempt: 1, retry_in_ms: RETRY_AFTER_MS[0], exception: errorSummary(err) });
  }
  defer(
    (async () => {
      for (const [i, ms] of RETRY_AFTER_MS.entries()) {
        await scheduler.wait(ms);
        try {
          return await attempt();
        } catch (err) {
          const next = RETRY_AFTER_MS[i + 1];
          log({ level: next === undefined ? "error" : "warn", event: "end_sessions_failed", user_id: revoked.userId, attempt: i + 2, retry_in_ms: next, exception: errorSummary(err) });
        }
      }
    })(),
  );
}
