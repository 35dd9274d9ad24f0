// Rate limits (exact, from a Durable Object per key) and the password hashing scheme.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { config } from "../../src/platform/config";
import { PBKDF2_ITERATIONS, hashPassword } from "../../src/accounts/crypto";
import { api, mailsTo, registerUser, unique } from "./helpers";

describe("rate limits", () => {
  it("limits failed logins per username, and a good password does not get past it", async () => {
    const a = await registerUser("rl");
    for (let i = 0; i < 10; i++) {
      const res = await api({ mode: "auth", username: a.username, password: "wrong password" }, { ip: unique("ip") });
      expect(res.status).toBe(401);
    }
    const over = await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: "rate_limited", retry_after_ms: expect.any(Number) });
    expect(over.body.retry_after_ms).toBeGreaterThan(0);
    expect(over.body.retry_after_ms).toBeLessThanOrEqual(60_000);
  });

  it("limits failed logins per address across usernames", async () => {
    const ip = unique("ip");
    for (let i = 0; i < 30; i++) expect((await api({ mode: "auth", username: unique("x"), password: "nope nope" }, { ip })).status).toBe(401);
    const over = await api({ mode: "auth", username: unique("x"), password: "nope nope" }, { ip });
    expect(over.status).toBe(429);
    // Another address is not affected.
    expect((await api({ mode: "auth", username: unique("x"), password: "nope nope" }, { ip: unique("ip") })).status).toBe(401);
  });

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
    expect(defaults.authFailsPerUsername).toEqual({ limit: 10, windowMs: 60_000 });
  });

  it("stops mailing recovery codes over the per-account limit, with the same answer", async () => {
    const a = await registerUser("rc");
    const answers: Array<Awaited<ReturnType<typeof api>>> = [];
    const mails = await mailsTo(a.email, async () => {
      for (let i = 0; i < 7; i++) answers.push(await api({ mode: "recovery", known_data: a.username, known_data_type: "username" }));
    }, 7, 500);
    expect(new Set(answers.map((r) => `${r.status} ${r.body.message}`)).size).toBe(1);
    expect(answers[0]!.status).toBe(202);
    expect(mails).toHaveLength(5);
  });
});

describe("passwords", () => {
  it("hashes with PBKDF2-SHA256 at exactly the 100,000 iterations production allows", async () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    const a = await registerUser("pw");
    const row = await env.DB.prepare("SELECT password_hash AS h FROM users WHERE id = ?").bind(a.user.id).first<{ h: string }>();
    const [scheme, iterations, salt, hash] = row!.h.split("$");
    expect(scheme).toBe("pbkdf2-sha256");
    expect(Number(iterations)).toBe(100_000);
    expect(salt!.length).toBeGreaterThanOrEqual(16);
    expect(hash!.length).toBeGreaterThanOrEqual(40);
    expect(row!.h).not.toContain(a.password);
  });

  it("rehashes an older, weaker hash at login", async () => {
    const a = await registerUser("pw");
    await env.DB.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(await hashPassword(a.password, 1_000), a.user.id).run();
    expect((await api({ mode: "auth", username: a.username, password: a.password })).status).toBe(200);
    const row = await env.DB.prepare("SELECT password_hash AS h FROM users WHERE id = ?").bind(a.user.id).first<{ h: string }>();
    expect(row!.h.split("$")[1]).toBe("100000");
  });

  it("costs an unknown user exactly one PBKDF2 of today's scheme, even the isolate's first", async () => {
    vi.resetModules();
    const fresh = await import("../../src/accounts/accounts");
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    try {
      await expect(fresh.auth(env, { mode: "auth", username: unique("ghost"), password: "a guess" }, unique("ip"))).rejects.toMatchObject({ status: 401 });
      expect(derive).toHaveBeenCalledTimes(1);
      expect(derive.mock.calls[0]![0]).toMatchObject({ name: "PBKDF2", iterations: PBKDF2_ITERATIONS });
    } finally {
      derive.mockRestore();
    }
  });

  it("stores tokens only as hashes", async () => {
    const a = await registerUser("pw");
    const rows = await env.DB.prepare("SELECT token_hash FROM sessions WHERE user_id = ?").bind(a.user.id).all<{ token_hash: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]!.token_hash).not.toBe(a.token);
    expect(rows.results[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
