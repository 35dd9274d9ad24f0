// Remembered devices. A few addresses guessing one username keep its per-username login
// queue full, so the owner would wait or be refused with everyone else; a device that has
// logged in before sends its `device_token` with `auth` and skips that queue. Its own
// failures are counted per device instead, strictly, and the per-address limits still apply.
import { and, desc, eq, gt, isNull, lte, notInArray } from "drizzle-orm";
import { newId, newToken, sha256Hex } from "./crypto";
import { db } from "./db";
import { devices, users } from "./schema";

/** How long a device is remembered after its last login. */
export const DEVICE_TTL_MS = 180 * 24 * 3600_000;
/** Devices remembered per user; one more forgets the least recently used. */
export const DEVICES_PER_USER = 50;

/** The id of the live device behind `token`, if it is one of the account named `usernameKey`. */
export async function rememberedDevice(env: Env, token: string, usernameKey: string, now: number): Promise<string | null> {
  const row = (
    await db(env)
      .select({ id: devices.id })
      .from(devices)
      .innerJoin(users, eq(users.id, devices.userId))
      .where(
        and(
          eq(devices.tokenHash, await sha256Hex(token)),
          gt(devices.expiresAt, now),
          eq(users.usernameKey, usernameKey),
          isNull(users.deletedAt),
        ),
      )
      .limit(1)
  )[0];
  return row?.id ?? null;
}

/** After a login: the device's token, a known device's kept (and its time moved on), else a new one. */
export async function rememberDevice(env: Env, userId: string, known: { id: string; token: string } | null, now: number): Promise<string> {
  if (known) {
    await db(env)
      .update(devices)
      .set({ expiresAt: now + DEVICE_TTL_MS })
      .where(eq(devices.id, known.id));
    return known.token;
  }
  const token = newToken();
  const newest = db(env)
    .select({ id: devices.id })
    .from(devices)
    .where(eq(devices.userId, userId))
    .orderBy(desc(devices.expiresAt), desc(devices.id))
    .limit(DEVICES_PER_USER);
  await db(env).batch([
    db(env)
      .insert(devices)
      .values({
        id: newId(),
        userId,
        tokenHash: await sha256Hex(token),
        createdAt: now,
        expiresAt: now + DEVICE_TTL_MS,
      }),
    db(env)
      .delete(devices)
      .where(and(eq(devices.userId, userId), notInArray(devices.id, newest))),
  ]);
  return token;
}

/** Forgotten devices (hourly purge). */
export async function purgeExpiredDevices(env: Env, now: number): Promise<number> {
  return (await db(env).delete(devices).where(lte(devices.expiresAt, now))).meta.changes;
}
