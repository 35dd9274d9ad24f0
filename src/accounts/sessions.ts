// Sessions in D1: started at login (at most `sessionsPerUser` live per user), looked up by
// token, listed, revoked and touched. A session is what a token stands for; the token
// itself is never stored, only its SHA-256.
import { and, desc, eq, gt, isNull, notInArray, sql } from "drizzle-orm";
import type { User } from "../contract/protocol";
import { config } from "../platform/config";
import { perEnv } from "../platform/per-env";
import { newId, newToken, sha256Hex } from "./crypto";
import { db } from "./db";
import { sessions, users } from "./schema";

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

/** What a device told us about itself when it logged in. */
export interface Device {
  /** Its User-Agent, cut to USER_AGENT_MAX characters; "" when it sent none. */
  userAgent: string;
  /** Its country code, where the edge knew one (request.cf.country). */
  location?: string;
}

const USER_AGENT_MAX = 256;

export function device(userAgent: string | null | undefined, country: unknown): Device {
  return {
    userAgent: [...(userAgent ?? "")].slice(0, USER_AGENT_MAX).join(""),
    ...(typeof country === "string" && country && { location: country }),
  };
}

export interface DeviceSessionRow {
  id: string;
  createdAt: number;
  lastSeenAt: number | null;
  userAgent: string | null;
  location: string | null;
}

/**
 * Starts a session. A user keeps at most `sessionsPerUser` live sessions: starting one more
 * revokes the oldest (returned, so that their sockets are closed).
 */
export async function startSession(
  env: Env,
  user: User,
  device: Device,
): Promise<{ token: string; user: User; session: Session; revoked: Revocation }> {
  const cfg = config(env);
  const token = newToken();
  const now = Date.now();
  const session: Session = {
    sessionId: newId(),
    tokenHash: await sha256Hex(token),
    expiresAt: now + cfg.sessionTtlMs,
    user,
    seenAt: now,
  };
  const live = and(eq(sessions.userId, user.id), isNull(sessions.revokedAt), gt(sessions.expiresAt, now));
  const newest = db(env)
    .select({ id: sessions.id })
    .from(sessions)
    .where(live)
    .orderBy(desc(sessions.createdAt), desc(sessions.id))
    .limit(cfg.sessionsPerUser);
  const [, evicted] = await db(env).batch([
    db(env)
      .insert(sessions)
      .values({
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

// Asked on every request and every socket: prepared once (its SQL built once per env).
const sessionByToken = perEnv((env) =>
  db(env)
    .select({
      id: sessions.id,
      expiresAt: sessions.expiresAt,
      seenAt: sessions.lastSeenAt,
      userId: users.id,
      username: users.username,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, sql.placeholder("tokenHash")),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql.placeholder("now")),
        isNull(users.deletedAt),
        isNull(users.suspendedAt),
      ),
    )
    .limit(1)
    .prepare(),
);

/** The session of a token, or null when it is unknown, revoked or expired, or its account deleted. */
export async function sessionOf(env: Env, token: string | undefined): Promise<Session | null> {
  if (!token) return null;
  const tokenHash = await sha256Hex(token);
  const row = (await sessionByToken(env).all({ tokenHash, now: Date.now() }))[0];
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

/** The user's live sessions, newest first. */
export function liveSessions(env: Env, userId: string, now: number): Promise<DeviceSessionRow[]> {
  return db(env)
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      userAgent: sessions.userAgent,
      location: sessions.location,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.createdAt), sessions.id);
}

/** Revokes one live session of this user; nothing revoked when there is none by that id. */
export async function revokeUserSession(env: Env, userId: string, sessionId: string, now: number): Promise<Revocation> {
  const revoked = await db(env)
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .returning({ sessionId: sessions.id, expiresAt: sessions.expiresAt });
  return { userId, sessions: revoked };
}

/** Last seen, written by the user object at most every few minutes a session. */
export async function touchSession(env: Env, sessionId: string, at: number): Promise<void> {
  await db(env).update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, sessionId));
}
