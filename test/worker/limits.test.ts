// Rate limits (exact, from a Durable Object per key) and the password hashing scheme.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RateLimiter } from "../../src/accounts";
import { addressKey } from "../../src/accounts/address";
import { MAX_LOGIN_DELAY_MS } from "../../src/accounts/login-limits";
import { config } from "../../src/platform/config";
import { sessionsOf, setPasswordHash, userRow } from "../../src/accounts/testing";
import { PBKDF2_ITERATIONS, hashPassword } from "../../src/accounts/crypto";
import { api, holdLimiterClock, mailsTo, registerUser, unique } from "./helpers";

describe("failed logins", () => {
  let clock: Awaited<ReturnType<typeof holdLimiterClock>>;
  beforeEach(async () => {
    clock = await holdLimiterClock();
  });
  afterEach(() => clock.release());

  const guess = (username: string, ip: string, password = "wrong password") => api({ mode: "auth", username, password }, { ip });
  const statuses = (answers: Array<{ status: number }>) =>
    answers.reduce<Record<number, number>>((n, a) => {
      n[a.status] = (n[a.status] ?? 0) + 1;
      return n;
    }, {});

  it("counts guesses sent at once before any is checked: 40 wrong and the right one get at most 10 checks", async () => {
    const a = await registerUser("burst");
    const ip = unique("ip");
    const answers = await Promise.all([...Array.from({ length: 40 }, () => guess(a.username, ip)), guess(a.username, ip, a.password)]);
    const n = statuses(answers);
    expect((n[401] ?? 0) + (n[200] ?? 0)).toBe(10);
    expect(n[429]).toBe(31);
    for (const over of answers.filter((x) => x.status === 429))
      expect(over.body).toMatchObject({ error: "rate_limited", retry_after_ms: expect.any(Number) });
    // Whatever got through, the limit for this address and name is spent now.
    expect((await guess(a.username, ip, a.password)).status).toBe(429);
  });

  it("gives a right password's attempt back", async () => {
    const a = await registerUser("back");
    const ip = unique("ip");
    for (let i = 0; i < 9; i++) expect((await guess(a.username, ip)).status).toBe(401);
    expect((await guess(a.username, ip, a.password)).status).toBe(200);
    expect((await guess(a.username, ip)).status).toBe(401);
    const over = await guess(a.username, ip, a.password);
    expect(over.status).toBe(429);
    expect(over.body.retry_after_ms).toBeGreaterThan(0);
    expect(over.body.retry_after_ms).toBeLessThanOrEqual(60_000);
  });

  it("does not lock the owner out when someone else guesses their password", async () => {
    const a = await registerUser("owner");
    const attacker = unique("ip");
    expect(statuses(await Promise.all(Array.from({ length: 12 }, () => guess(a.username, attacker))))).toEqual({
      401: 10,
      429: 2,
    });
    expect((await guess(a.username, unique("ip"), a.password)).status).toBe(200);
  });

  it("limits failed logins per address across usernames", async () => {
    const ip = unique("ip");
    expect(statuses(await Promise.all(Array.from({ length: 30 }, () => guess(unique("x"), ip))))).toEqual({ 401: 30 });
    expect((await guess(unique("x"), ip)).status).toBe(429);
    // Another address is not affected.
    expect((await guess(unique("x"), unique("ip"))).status).toBe(401);
  });

  it("counts an IPv6 client by its /64", async () => {
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => guess(unique("x"), `${net}::${(i + 1).toString(16)}`)));
    expect(statuses(answers)).toEqual({ 401: 30 });
    expect((await guess(unique("x"), `${net}:ffff:ffff:ffff:ffff`)).status).toBe(429);
    expect((await guess(unique("x"), `${net.replace(/:[0-9a-f]+$/, ":1")}::1`)).status).toBe(401);
  });

  it("per username from anywhere: past a looser limit attempts wait their turn, and only then are refused", async () => {
    const a = await registerUser("many");
    const { limit } = config(env).authFailsPerUsername;
    const perAddress = config(env).authFailsPerUsernameAndAddress.limit;
    const addresses = Array.from({ length: Math.ceil(limit / perAddress) }, () => unique("ip"));
    const answers = await Promise.all(Array.from({ length: limit }, (_, i) => guess(a.username, addresses[i % addresses.length]!)));
    expect(statuses(answers)).toEqual({ 401: limit });
    // The owner, from yet another address, waits one turn and gets in.
    const started = Date.now();
    expect((await guess(a.username, unique("ip"), a.password)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60_000 / limit);
    // Turns queued past the longest wait are refused.
    const byName = env.LIMITER.get(env.LIMITER.idFromName(`auth-user:${a.username.toLowerCase()}`));
    for (let i = 0; i < MAX_LOGIN_DELAY_MS / (60_000 / limit); i++) await byName.take(config(env).authFailsPerUsername, MAX_LOGIN_DELAY_MS);
    const over = await guess(a.username, unique("ip"), a.password);
    expect(over.status).toBe(429);
    expect(over.body.retry_after_ms).toBe(60_000 / limit);
  });
});

describe("the RateLimiter object", () => {
  let clock: Awaited<ReturnType<typeof holdLimiterClock>>;
  const t0 = 1_800_000_000_000;
  beforeEach(async () => {
    clock = await holdLimiterClock(t0);
  });
  afterEach(() => clock.release());
  const stub = () => env.LIMITER.get(env.LIMITER.idFromName(unique("key")));
  const threePerThreeSeconds = { limit: 3, windowMs: 3_000 };

  it("takes exactly `limit` at once, then gives turns up to the allowed delay, then refuses", async () => {
    const l = stub();
    for (let i = 0; i < 3; i++) expect(await l.take(threePerThreeSeconds, 2_500)).toEqual({ ok: true, delayMs: 0, retryAfterMs: 0 });
    expect(await l.take(threePerThreeSeconds, 2_500)).toEqual({ ok: true, delayMs: 1_000, retryAfterMs: 0 });
    expect(await l.take(threePerThreeSeconds, 2_500)).toEqual({ ok: true, delayMs: 2_000, retryAfterMs: 0 });
    expect(await l.take(threePerThreeSeconds, 2_500)).toEqual({ ok: false, delayMs: 0, retryAfterMs: 500 });
    expect(await l.take(threePerThreeSeconds)).toEqual({ ok: false, delayMs: 0, retryAfterMs: 3_000 });
    await l.giveBack(threePerThreeSeconds);
    expect(await l.take(threePerThreeSeconds, 2_500)).toEqual({ ok: true, delayMs: 2_000, retryAfterMs: 0 });
    clock.set(t0 + 5_000);
    expect(await l.take(threePerThreeSeconds)).toEqual({ ok: true, delayMs: 0, retryAfterMs: 0 });
  });

  it("deletes its storage once its key has gone quiet", async () => {
    const l = stub();
    const stored = () =>
      runInDurableObject(l, async (_: RateLimiter, state) => ({
        tat: await state.storage.get("tat"),
        alarm: await state.storage.getAlarm(),
      }));
    await l.take(threePerThreeSeconds);
    await l.take(threePerThreeSeconds);
    expect(await stored()).toEqual({ tat: t0 + 2_000, alarm: expect.any(Number) });
    // Not drained yet: the alarm comes back later.
    clock.set(t0 + 1_999);
    expect(await runDurableObjectAlarm(l)).toBe(true);
    expect(await stored()).toEqual({ tat: t0 + 2_000, alarm: expect.any(Number) });
    clock.set(t0 + 2_000);
    expect(await runDurableObjectAlarm(l)).toBe(true);
    expect(await stored()).toEqual({ tat: undefined, alarm: null });
    expect(await runInDurableObject(l, (o: RateLimiter) => o.probe.databaseSize())).toBeLessThanOrEqual(8192);
  });

  it("a key whose only event was given back keeps nothing", async () => {
    const l = stub();
    await l.take(threePerThreeSeconds);
    await l.giveBack(threePerThreeSeconds);
    expect(
      await runInDurableObject(l, async (_: RateLimiter, state) => [await state.storage.get("tat"), await state.storage.getAlarm()]),
    ).toEqual([undefined, null]);
  });
});

describe("addresses", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0DB8:0001:0002::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["::ffff:198.51.100.4", "198.51.100.4"],
    ["64:ff9b::192.0.2.33", "64:ff9b:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["unknown", "unknown"],
  ])("counts %s as %s", (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});

describe("other rate limits", () => {
  let clock: Awaited<ReturnType<typeof holdLimiterClock>>;
  beforeEach(async () => {
    clock = await holdLimiterClock();
  });
  afterEach(() => clock.release());

  it("limits registrations per address, and counts nothing over the limit", async () => {
    const ip = unique("ip");
    const limit = Number(env.REGISTER_PER_ADDRESS_PER_HOUR);
    for (let i = 0; i < limit; i++) await registerUser("reg", ip);
    const username = unique("over");
    const over = await api({ mode: "register", username, password: "password123", email: `${username}@example.com` }, { ip });
    expect(over.status).toBe(429);
    expect(over.body.retry_after_ms).toBeGreaterThan(0);
    expect((await api({ mode: "auth", username, password: "password123" })).status).toBe(401);
  });

  it("keeps production defaults that let a test run register a few hundred accounts from one address", () => {
    const defaults = config({ ...env, REGISTER_PER_ADDRESS_PER_HOUR: "" } as Env);
    expect(defaults.registerPerAddress.limit).toBeGreaterThanOrEqual(500);
    expect(defaults.authFailsPerUsernameAndAddress).toEqual({ limit: 10, windowMs: 60_000 });
    expect(defaults.authFailsPerUsername).toEqual({ limit: 30, windowMs: 60_000 });
    expect(defaults.authFailsPerAddress).toEqual({ limit: 30, windowMs: 60_000 });
  });

  it("stops mailing recovery codes over the per-account limit, with the same answer", async () => {
    const a = await registerUser("rc");
    const answers: Array<Awaited<ReturnType<typeof api>>> = [];
    const mails = await mailsTo(
      a.email,
      async () => {
        for (let i = 0; i < 7; i++) answers.push(await api({ mode: "recovery", known_data: a.username, known_data_type: "username" }));
      },
      5,
    );
    expect(new Set(answers.map((r) => `${r.status} ${r.body.message}`)).size).toBe(1);
    expect(answers[0]!.status).toBe(202);
    expect(mails).toHaveLength(5);
  });
});

describe("passwords", () => {
  it("hashes with PBKDF2-SHA256 at exactly the 100,000 iterations production allows", async () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    const a = await registerUser("pw");
    const row = { h: (await userRow(env, a.user.id))!.passwordHash };
    const [scheme, iterations, salt, hash] = row.h.split("$");
    expect(scheme).toBe("pbkdf2-sha256");
    expect(Number(iterations)).toBe(100_000);
    expect(salt!.length).toBeGreaterThanOrEqual(16);
    expect(hash!.length).toBeGreaterThanOrEqual(40);
    expect(row.h).not.toContain(a.password);
  });

  it("rehashes an older, weaker hash at login", async () => {
    const a = await registerUser("pw");
    await setPasswordHash(env, a.user.id, await hashPassword(a.password, 1_000));
    expect((await api({ mode: "auth", username: a.username, password: a.password })).status).toBe(200);
    expect((await userRow(env, a.user.id))!.passwordHash.split("$")[1]).toBe("100000");
  });

  it("stores tokens only as hashes", async () => {
    const a = await registerUser("pw");
    const rows = await sessionsOf(env, a.user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toBe(a.token);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
