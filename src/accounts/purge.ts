// The hourly purge (the Worker's cron trigger): what nobody needs any more.
import { isNotNull, lte, or } from "drizzle-orm";
import { db } from "./db";
import { purgeExpiredDevices } from "./devices";
import { recoveryCodes, sessions } from "./schema";
import { purgeAbandonedUploads } from "./uploads";

/**
 * What nobody needs any more: sessions that expired or were revoked (a revoked token finds
 * no row either way; user objects remember revoked ids themselves), recovery codes that
 * were used or expired, the places of uploads whose Worker died, and devices not seen for
 * DEVICE_TTL_MS. Run from the Worker's
 * cron trigger.
 */
export async function purgeExpired(
  env: Env,
  now = Date.now(),
): Promise<{ sessions: number; codes: number; uploads: number; devices: number }> {
  const [gone, codes] = await db(env).batch([
    db(env)
      .delete(sessions)
      .where(or(lte(sessions.expiresAt, now), isNotNull(sessions.revokedAt))),
    db(env)
      .delete(recoveryCodes)
      .where(or(lte(recoveryCodes.expiresAt, now), isNotNull(recoveryCodes.usedAt))),
  ]);
  return {
    sessions: gone.meta.changes,
    codes: codes.meta.changes,
    uploads: await purgeAbandonedUploads(env, now),
    devices: await purgeExpiredDevices(env, now),
  };
}
