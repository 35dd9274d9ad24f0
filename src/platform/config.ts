// Settings from [vars] in wrangler.toml, read with defaults fit for production.
import { perEnv } from "./per-env";

export interface Limit {
  limit: number;
  windowMs: number;
}

export interface Config {
  /** Where recovery mail goes: the MAIL binding, or (local dev and tests) one log line per mail. */
  mailer: "send_email" | "console";
  sessionTtlMs: number;
  /** Live sessions a user may have; a new one past it ends the oldest. */
  sessionsPerUser: number;
  allowedOrigins: string[];
  /** Strict: failed logins of one username from one address. */
  authFailsPerUsernameAndAddress: Limit;
  /** Loose and delay-based: failed logins of one username from anywhere (see accounts/login-limits.ts). */
  authFailsPerUsername: Limit;
  /** Strict: failed logins from one address, whatever the username. */
  authFailsPerAddress: Limit;
  recoveryPerAccount: Limit;
  registerPerAddress: Limit;
  /** A group with more members than this is large: fan-out on read. */
  largeGroupMembers: number;
  /** Sends and edits per user: `limit` at once, then `limit / windowMs` steadily. */
  sendsPerUser: Limit;
  /** createGroup and addMembers requests per user; being added to a group counts too. */
  groupChangesPerUser: Limit;
  /** Groups a user may be in; creating or being added to one more is refused. */
  maxGroupsPerUser: number;
  /** Sockets a user may have open at once; an upgrade past it is refused. */
  maxSocketsPerUser: number;
  /** POST /upload: the largest file, and uploads per user. */
  maxUploadBytes: number;
  uploadsPerUser: Limit;
  /** Bytes a user may upload per hour (never less than one largest file). */
  uploadBytesPerUser: Limit;
  /** Bytes a user's kept files may take in all, uploads under way included. */
  uploadQuotaBytes: number;
  /** Uploads of one user whose bodies are on their way at once. */
  openUploadsPerUser: number;
  /** An upload whose body sends nothing for this long is stopped. */
  uploadIdleMs: number;
  /** Updates a user's log keeps (the latest; at most twice this is held between prunes). */
  logKeepUpdates: number;
  /** Events a large group keeps (likewise). */
  eventsKeep: number;
  /** A large group's relays (objects per group and shard): members online are spread over this many. */
  relayShards: number;
  /** From this many members online a large group pushes through its relays; under half of it, itself again. */
  relayFromOnline: number;
  /** Web Push: the deploy's VAPID pair (null: no pushes), previews of text, http endpoints (tests only). */
  push: PushConfig;
}

export interface PushConfig {
  vapid: { subject: string; publicKey: string; privateKey: string } | null;
  previews: boolean;
  allowHttp: boolean;
}

/** Web Push settings: the VAPID pair and PUSH_ALLOW_HTTP are secrets or test settings, so none is in [vars]. */
interface PushEnv {
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  PUSH_PREVIEWS?: string;
  PUSH_ALLOW_HTTP?: string;
}

function pushConfig(env: PushEnv): PushConfig {
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey } = env;
  return {
    vapid: publicKey && privateKey ? { subject: env.VAPID_SUBJECT || "mailto:ops@example.com", publicKey, privateKey } : null,
    previews: env.PUSH_PREVIEWS !== "false",
    allowHttp: env.PUSH_ALLOW_HTTP === "true",
  };
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

/**
 * Only the two exact names select a mail sink: a typo must not quietly select the console
 * sink, which logs recovery codes. Anything else stops every request (the Worker checks the
 * settings before it answers), with the reason in the log.
 */
function mailerOf(value: string | undefined): Config["mailer"] {
  if (value === "send_email" || value === "console") return value;
  throw new Error(`MAILER must be "send_email" (the MAIL binding) or "console" (local dev and tests only); fix wrangler.toml [vars]`);
}

/** The settings, read once per env object (each reading parses some thirty of them). */
export const config = perEnv(fromEnv);

function fromEnv(env: Env): Config {
  return {
    mailer: mailerOf(env.MAILER),
    sessionTtlMs: num(env.SESSION_TTL_DAYS, 30) * 24 * HOUR,
    sessionsPerUser: num(env.SESSIONS_PER_USER, 100),
    allowedOrigins: (env.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    authFailsPerUsernameAndAddress: {
      limit: num(env.AUTH_FAILS_PER_USERNAME_AND_ADDRESS_PER_MINUTE, 10),
      windowMs: MINUTE,
    },
    authFailsPerUsername: { limit: num(env.AUTH_FAILS_PER_USERNAME_PER_MINUTE, 30), windowMs: MINUTE },
    authFailsPerAddress: { limit: num(env.AUTH_FAILS_PER_ADDRESS_PER_MINUTE, 30), windowMs: MINUTE },
    recoveryPerAccount: { limit: num(env.RECOVERY_PER_ACCOUNT_PER_HOUR, 5), windowMs: HOUR },
    registerPerAddress: { limit: num(env.REGISTER_PER_ADDRESS_PER_HOUR, 1000), windowMs: HOUR },
    largeGroupMembers: Math.floor(num(env.LARGE_GROUP_MEMBERS, 50)),
    sendsPerUser: sendRate(num(env.SENDS_PER_USER_BURST, 30), num(env.SENDS_PER_USER_PER_SECOND, 5)),
    groupChangesPerUser: { limit: num(env.GROUP_CHANGES_PER_USER_PER_HOUR, 50), windowMs: HOUR },
    maxGroupsPerUser: Math.floor(num(env.MAX_GROUPS_PER_USER, 2_000)),
    maxSocketsPerUser: Math.floor(num(env.MAX_SOCKETS_PER_USER, 50)),
    maxUploadBytes: num(env.MAX_UPLOAD_BYTES, 25 * 2 ** 20),
    uploadsPerUser: { limit: num(env.UPLOADS_PER_USER_PER_HOUR, 200), windowMs: HOUR },
    uploadBytesPerUser: {
      limit: Math.max(num(env.UPLOAD_BYTES_PER_USER_PER_HOUR, 2 ** 29), num(env.MAX_UPLOAD_BYTES, 25 * 2 ** 20)),
      windowMs: HOUR,
    },
    uploadQuotaBytes: num(env.UPLOAD_QUOTA_BYTES, 2 ** 30),
    openUploadsPerUser: Math.floor(num(env.OPEN_UPLOADS_PER_USER, 4)),
    uploadIdleMs: num(env.UPLOAD_IDLE_MS, 30_000),
    push: pushConfig(env as PushEnv),
    logKeepUpdates: Math.floor(num(env.LOG_KEEP_UPDATES, 10_000)),
    eventsKeep: Math.floor(num(env.EVENTS_KEEP, 100_000)),
    relayShards: Math.max(1, Math.floor(num(env.RELAY_SHARDS, 64))),
    relayFromOnline: Math.max(1, Math.floor(num(env.RELAY_FROM_ONLINE, 1_000))),
  };
}
