// A socket whose session expires is ended at that moment by the user object's alarm, without
// a frame from it. The tests move the object's clock and ring its alarm by hand.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expireSessions, sessionRow } from "../../src/accounts/testing";
import { api, connect, inUserObject, login, registerUser, userStub } from "./helpers";

const HOUR = 3_600_000;

async function sessionIdOf(token: string): Promise<string> {
  return (await api({ mode: "getSessions" }, { token })).body.sessions.find((s: { current: boolean }) => s.current).session_id;
}

describe("session expiry", () => {
  it("ends a socket at its session's expiry, and keeps the alarm for the next one", async () => {
    const a = await registerUser("exp");
    const short = await login(a);
    const t0 = Date.now();
    await expireSessions(env, { sessionId: await sessionIdOf(short) }, t0 + HOUR);
    const [soon, later] = await Promise.all([connect(short), connect(a.token)]);
    const laterExpiry = (await sessionRow(env, await sessionIdOf(a.token)))!.expiresAt;
    expect(await inUserObject(a.user.id, (_o, state) => state.storage.getAlarm())).toBe(t0 + HOUR);

    await inUserObject(a.user.id, (o) => o.clock.stopAt(t0 + HOUR));
    expect(await runDurableObjectAlarm(userStub(a.user.id))).toBe(true);
    expect(await soon.nextPush("sessionRevoked")).toMatchObject({ mode: "sessionRevoked", reason: "expired" });
    expect((await soon.closedWith()).code).toBe(4001);
    expect((await later.request({ mode: "getChats" })).status).toBe(200);
    expect(await inUserObject(a.user.id, (_o, state) => state.storage.getAlarm())).toBe(laterExpiry);

    await inUserObject(a.user.id, (o) => o.clock.stopAt(laterExpiry));
    expect(await runDurableObjectAlarm(userStub(a.user.id))).toBe(true);
    expect(await later.nextPush("sessionRevoked")).toMatchObject({ reason: "expired" });
    expect((await later.closedWith()).code).toBe(4001);
    expect(await inUserObject(a.user.id, (_o, state) => state.storage.getAlarm())).toBeNull();
  });

  it("ends a socket that sends a frame after its session expired, as the alarm would", async () => {
    const a = await registerUser("exp");
    const s = await connect(a.token);
    await inUserObject(a.user.id, (o) => o.clock.advance(31 * 24 * HOUR));
    s.send({ mode: "getChats", request_id: "late" });
    expect(await s.nextPush("sessionRevoked")).toMatchObject({ reason: "expired" });
    expect((await s.closedWith()).code).toBe(4001);
  });
});
