// What a user's uploads take: the bytes of their kept files (a quota) and the uploads whose
// bodies are on their way (a cap), both in D1 (`uploads`), so every Worker sees the same
// count. A place is taken before the body is read, in one statement that checks both, so
// uploads started at once cannot all pass a check made before any of them counted.
import { and, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import { ApiError, rateLimited } from "../contract/errors";
import { db } from "./db";
import { uploads } from "./schema";

/**
 * How long an upload under way counts. One that outlives it is taken for a Worker that died
 * half way: it no longer counts, and the hourly purge deletes its row.
 */
export const OPEN_UPLOAD_LEASE_MS = 3600_000;

export interface UploadPlace {
  openPerUser: number;
  quotaBytes: number;
}

/** Holds a place for an upload of `size` bytes; 429 when the user has too many under way, 413 over the quota. */
export async function reserveUpload(
  env: Env,
  userId: string,
  fileId: string,
  size: number,
  now: number,
  limits: UploadPlace,
): Promise<void> {
  const live = sql`${uploads.userId} = ${userId} AND (${uploads.storedAt} IS NOT NULL OR ${uploads.startedAt} > ${now - OPEN_UPLOAD_LEASE_MS})`;
  const done = await db(env).run(sql`
    INSERT INTO ${uploads} (file_id, user_id, size, started_at)
    SELECT ${fileId}, ${userId}, ${size}, ${now}
    WHERE (SELECT COUNT(*) FROM ${uploads} WHERE ${live} AND ${uploads.storedAt} IS NULL) < ${limits.openPerUser}
      AND (SELECT COALESCE(SUM(${uploads.size}), 0) FROM ${uploads} WHERE ${live}) + ${size} <= ${limits.quotaBytes}`);
  if (done.meta.changes === 1) return;
  const [use] = await db(env)
    .select({
      open: sql<number>`COALESCE(SUM(${uploads.storedAt} IS NULL), 0)`,
      bytes: sql<number>`COALESCE(SUM(${uploads.size}), 0)`,
    })
    .from(uploads)
    .where(live);
  if ((use?.open ?? 0) >= limits.openPerUser)
    throw rateLimited(1000, `uploads at once (at most ${limits.openPerUser}; wait for one to finish)`);
  throw new ApiError(
    413,
    "too_large",
    `your files take ${use?.bytes ?? 0} of your ${limits.quotaBytes} bytes; this one (${size}) does not fit: delete some first`,
  );
}

/** The upload's bytes are in R2: it no longer counts as under way. */
export async function uploadStored(env: Env, fileId: string, now: number): Promise<void> {
  await db(env).update(uploads).set({ storedAt: now }).where(eq(uploads.fileId, fileId));
}

/** These files are gone (or never arrived): their bytes no longer count. */
export async function releaseUploads(env: Env, fileIds: string[]): Promise<void> {
  // D1 binds at most 100 parameters a statement.
  for (let i = 0; i < fileIds.length; i += 90)
    await db(env)
      .delete(uploads)
      .where(inArray(uploads.fileId, fileIds.slice(i, i + 90)));
}

/** Rows of uploads whose Worker died half way (hourly purge). */
export async function purgeAbandonedUploads(env: Env, now: number): Promise<number> {
  const gone = await db(env)
    .delete(uploads)
    .where(and(isNull(uploads.storedAt), lte(uploads.startedAt, now - OPEN_UPLOAD_LEASE_MS)));
  return gone.meta.changes;
}
