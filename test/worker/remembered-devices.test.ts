// Remembered devices: a device that logged in before gets past a username's full login
// queue at once; everyone else still waits or is refused, and the per-address limits hold.
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_LOGIN_DELAY_MS } from "../../src/accounts/login-limits";
import { config } from "../../src/platform/config";
import { api, holdLimiterClock, unique, until } from "./helpers";
import { PoolNetwork } from "./pool-network";

const password = "correct horse battery";

async function registerWithDevice(prefix: string) {
  const username = unique(prefix);
  const { status, body } = await api({ mode: "register", username, password, email: `${username}@example.com` }, { ip: unique("ip") });
  expect(status).toBe(201);
  return { username, deviceToken: body.device_token as string };
}

/** Fills the username's queue so far that any attempt without a device is refused at once. */
async function floodUsername(username: string) {
  const byName = env.LIMITER.get(env.LIMITER.idFromName(`auth-user:${username.toLowerCase()}`));
  while ((await byName.take(config(env).authFailsPerUsername, MAX_LOGIN_DELAY_MS)).ok);
}

describe("a remembered device", () => {
  let clock: Awaited<ReturnType<typeof holdLimiterClock>>;
  beforeEach(async () => {
    clock = await holdLimiterClock();
  });
  afterEach(() => clock.release());

  it("gets a device_token from register and auth: random, and kept when sent back", async () => {
    const a = await registerWithDevice("dev");
    expect(a.deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await api({ mode: "auth", username: a.username, password, device_token: a.deviceToken }, { ip: unique("ip") });
    expect(again.body).toMatchObject({ status: 200, device_token: a.deviceToken });
    const elsewhere = await api({ mode: "auth", username: a.username, password }, { ip: unique("ip") });
    expect(elsewhere.body.device_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(elsewhere.body.device_token).not.toBe(a.deviceToken);
  });

  it("logs in at once while the username's queue is full; others, and other accounts' devices, are refused", async () => {
    const a = await registerWithDevice("flood");
    const b = await registerWithDevice("other");
    await floodUsername(a.username);
    const stranger = await api({ mode: "auth", username: a.username, password }, { ip: unique("ip") });
    expect(stranger.status).toBe(429);
    const borrowed = await api({ mode: "auth", username: a.username, password, device_token: b.deviceToken }, { ip: unique("ip") });
    expect(borrowed.status).toBe(429);
    const made = await api({ mode: "auth", username: a.username, password, device_token: "not-a-device-token" }, { ip: unique("ip") });
    expect(made.status).toBe(429);
    const owner = await api({ mode: "auth", username: a.username, password, device_token: a.deviceToken }, { ip: unique("ip") });
    expect(owner.status).toBe(200);
    expect(owner.body.token).toEqual(expect.any(String));
  });

  it("still counts its wrong passwords: per device, strictly, and per address", async () => {
    const a = await registerWithDevice("wrong");
    await floodUsername(a.username);
    const { limit } = config(env).authFailsPerUsernameAndAddress;
    for (let i = 0; i < limit; i++)
      expect(
        (await api({ mode: "auth", username: a.username, password: "wrong password", device_token: a.deviceToken }, { ip: unique("ip") }))
          .status,
      ).toBe(401);
    const over = await api({ mode: "auth", username: a.username, password, device_token: a.deviceToken }, { ip: unique("ip") });
    expect(over.status).toBe(429);
  });

  it("is kept by the client library, which sends it with auth: a new client given it gets past the full queue", async () => {
    const a = await registerWithDevice("lib");
    const first = new PoolNetwork().client();
    first.connect();
    await first.auth({ username: a.username, password });
    expect(first.deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    first.close();
    await floodUsername(a.username);
    const again = new PoolNetwork().client({ deviceToken: first.deviceToken });
    again.connect();
    const { token } = await again.auth({ username: a.username, password });
    expect(token).toEqual(expect.any(String));
    await until(() => again.state === "ready", "ready");
    expect(again.deviceToken).toBe(first.deviceToken);
    again.close();
    // Without it, the same login is refused.
    const stranger = new PoolNetwork().client();
    stranger.connect();
    await expect(stranger.auth({ username: a.username, password })).rejects.toMatchObject({ error: "rate_limited" });
    stranger.close();
  });
});
