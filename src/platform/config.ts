// Settings from [vars] in wrangler.toml, read with defaults fit for production.
export interface Limit {
  limit: number;
  windowMs: number;
}

export interface Config {
  sessionTtlMs: number;
  allowedOrigins: string[];
  authFailsPerUsername: Limit;
  authFailsPerAddress: Limit;
  recoveryPerAccount: Limit;
  registerPerAddress: Limit;
  /** Sends and edits per user: `limit` at once, then `limit / windowMs` steadily. */
  sendsPerUser: Limit;
  /** createGroup and addMembers requests per user. */
  groupChangesPerUser: Limit;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function num(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** A burst of `burst` and a steady `perSecond`, as a limit over the window that refills the burst. */
function sendRate(burst: number, perSecond: number): Limit {
  return { limit: burst, windowMs: (burst / perSecond) * 1000 };
}

export function config(env: Env): Config {
  return {
    sessionTtlMs: num(env.SESSION_TTL_DAYS, 30) * 24 * HOUR,
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    authFailsPerUsername: { limit: num(env.AUTH_FAILS_PER_USERNAME_PER_MINUTE, 10), windowMs: MINUTE },
    authFailsPerAddress: { limit: num(env.AUTH_FAILS_PER_ADDRESS_PER_MINUTE, 30), windowMs: MINUTE },
    recoveryPerAccount: { limit: num(env.RECOVERY_PER_ACCOUNT_PER_HOUR, 5), windowMs: HOUR },
    registerPerAddress: { limit: num(env.REGISTER_PER_ADDRESS_PER_HOUR, 1000), windowMs: HOUR },
    sendsPerUser: sendRate(num(env.SENDS_PER_USER_BURST, 30), num(env.SENDS_PER_USER_PER_SECOND, 5)),
    groupChangesPerUser: { limit: num(env.GROUP_CHANGES_PER_USER_PER_HOUR, 50), windowMs: HOUR },
  };
}
