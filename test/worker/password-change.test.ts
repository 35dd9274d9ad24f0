// changePassword: with the current password, a new hash; every other session ends and its
// sockets close; the asking session stays. A wrong password counts as a failed login.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { limiter } from "../../src/accounts";
import { api, connect, login, mailsTo, registerUser, unique } from "./helpers";

const NEW = "a new and better password";

describe("changePassword", () => {
  it("sets the new password, ends every other session and keeps the asking one", async () => {
    const a = await registerUser("pw");
    const other = await login(a);
    const [mine, mineToo, theirs] = await Promise.all([connect(a.token), connect(a.token), connect(other)]);
    const res = await mine.request({ mode: "changePassword", password: a.password, new_password: NEW });
    expect(res).toMatchObject({ mode: "changePassword", status: 200 });
    expect(await theirs.nextPush("sessionRevoked")).toMatchObject({ reason: "revoked" });
    expect((await theirs.closedWith()).code).toBe(4001);
    expect((await api({ mode: "getChats" }, { token: other })).status).toBe(401);
    // The asking session, and its other socket, carry on.
    expect((await mine.request({ mode: "getChats" })).status).toBe(200);
    expect((await mineToo.request({ mode: "getChats" })).status).toBe(200);
    expect((await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") })).status).toBe(401);
    expect((await api({ mode: "auth", username: a.username, password: NEW }, { ip: unique("ip") })).status).toBe(200);
    mine.close();
    mineToo.close();
  });

  it("voids recovery codes mailed before it", async () => {
    const a = await registerUser("pw");
    const [mail] = await mailsTo(a.email, () => api({ mode: "recovery", known_data: a.email, known_data_type: "email" }));
    expect((await api({ mode: "changePassword", password: a.password, new_password: NEW }, { token: a.token })).status).toBe(200);
    const reset = await api({ mode: "resetPassword", code: mail!.code, new_password: "someone else's password" });
    expect(reset.body.error).toBe("code_expired");
  });

  it("refuses a wrong password with 401 invalid_credentials and changes nothing", async () => {
    const a = await registerUser("pw");
    const other = await login(a);
    const { status, body } = await api(
      { mode: "changePassword", password: "not my password", new_password: NEW },
      { token: a.token, ip: unique("ip") },
    );
    expect(status).toBe(401);
    expect(body).toMatchObject({ mode: "changePassword", error: "invalid_credentials" });
    expect((await api({ mode: "getChats" }, { token: other })).status).toBe(200);
    expect((await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") })).status).toBe(200);
  });

  it("counts a wrong password as a failed login, and over the limit refuses even the right one", async () => {
    const a = await registerUser("pw");
    const ip = unique("ip");
    const byName = limiter(env, `auth-user:${a.username.toLowerCase()}`);
    const byAddress = limiter(env, `auth-ip:${ip}`);
    const before = Date.now();
    expect((await api({ mode: "changePassword", password: "wrong", new_password: NEW }, { token: a.token, ip })).status).toBe(401);
    // Each limiter moved by one failure's share of its window (GCRA: 60 s / limit).
    const tat = (l: typeof byName) => runInDurableObject(l, (_o, state) => state.storage.get<number>("tat"));
    expect(await tat(byName)).toBeGreaterThanOrEqual(before + 60_000 / Number(env.AUTH_FAILS_PER_USERNAME_PER_MINUTE));
    expect(await tat(byAddress)).toBeGreaterThanOrEqual(before + 60_000 / Number(env.AUTH_FAILS_PER_ADDRESS_PER_MINUTE));
    // Over the username's limit (here: spent an hour ahead), not even the right password is checked.
    await runInDurableObject(byName, (l) => {
      (l as unknown as { tat: number }).tat = Date.now() + 3_600_000;
    });
    const over = await api({ mode: "changePassword", password: a.password, new_password: NEW }, { token: a.token, ip: unique("ip") });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: "rate_limited", retry_after_ms: expect.any(Number) });
    expect((await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") })).status).toBe(429);
  });

  it("checks the new password like register does", async () => {
    const a = await registerUser("pw");
    const { status, body } = await api({ mode: "changePassword", password: a.password, new_password: "short" }, { token: a.token });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_request", fields: { new_password: expect.any(String) } });
    expect((await api({ mode: "changePassword", new_password: NEW }, { token: a.token })).body.fields).toEqual({
      password: "is required",
    });
  });
});
