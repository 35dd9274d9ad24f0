// A user's devices: getSessions lists the live sessions, revokeSession ends one, and its
// sockets close at once wherever they are held (the user object, or piped through the
// Worker from an anonymous start).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sessionRow } from "../../src/accounts/testing";
import { LAST_SEEN_EVERY_MS } from "../../src/user/sessions";
import { api, connect, inUserObject, login, registerUser, unique, type Frame } from "./helpers";

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

async function lastSeenInD1(sessionId: string): Promise<number | null> {
  return (await sessionRow(env, sessionId))!.lastSeenAt;
}

describe("getSessions", () => {
  it("lists live sessions newest first, with user agent, country, and which one asks", async () => {
    const a = await registerUser("dev");
    const phone = await login(a, { headers: { "User-Agent": FIREFOX }, cf: { country: "DE" } });
    const { status, body } = await api({ mode: "getSessions", request_id: "s" }, { token: phone });
    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: "getSessions", status: 200, request_id: "s" });
    const [newest, first, ...more] = body.sessions as Frame[];
    expect(more).toEqual([]);
    expect(newest).toMatchObject({ user_agent: FIREFOX, location: "DE", current: true });
    expect(first).toMatchObject({ current: false });
    expect(first!.location).toBeUndefined();
    expect(newest!.created_at).toBeGreaterThanOrEqual(first!.created_at);
    expect(newest!.last_seen_at).toBeGreaterThanOrEqual(newest!.created_at);
    // A session that ended is not listed.
    await api({ mode: "logout" }, { token: a.token });
    const after = await api({ mode: "getSessions" }, { token: phone });
    expect(after.body.sessions.map((s: Frame) => s.session_id)).toEqual([newest!.session_id]);
  });

  it("answers the same on a socket", async () => {
    const a = await registerUser("dev");
    const s = await connect(a.token);
    const res = await s.request({ mode: "getSessions" });
    expect(res).toMatchObject({ mode: "getSessions", status: 200, sessions: [{ current: true }] });
    s.close();
  });

  it("writes last seen to D1 at most every few minutes, not per frame", async () => {
    const a = await registerUser("seen");
    const sessionId = (await api({ mode: "getSessions" }, { token: a.token })).body.sessions[0].session_id as string;
    const created = (await lastSeenInD1(sessionId))!;
    const s = await connect(a.token);
    const t0 = created + 1000;
    await inUserObject(a.user.id, (o) => o.clock.stopAt(t0));
    for (let i = 0; i < 5; i++) expect((await s.request({ mode: "getChats" })).status).toBe(200);
    await inUserObject(a.user.id, (o) => o.clock.advance(LAST_SEEN_EVERY_MS - 2000));
    expect((await s.request({ mode: "getChats" })).status).toBe(200);
    expect(await lastSeenInD1(sessionId)).toBe(created);
    // A few minutes on, the next frame writes it once.
    await inUserObject(a.user.id, (o) => o.clock.advance(1000));
    expect((await s.request({ mode: "getChats" })).status).toBe(200);
    const seen = t0 + LAST_SEEN_EVERY_MS - 1000;
    await expect.poll(() => lastSeenInD1(sessionId)).toBe(seen);
    await inUserObject(a.user.id, (o) => o.clock.advance(1000));
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(200);
    expect(await lastSeenInD1(sessionId)).toBe(seen);
    const listed = (await api({ mode: "getSessions" }, { token: a.token })).body.sessions[0];
    expect(listed.last_seen_at).toBe(seen);
    s.close();
  });
});

describe("revokeSession", () => {
  it("ends another session: its sockets get sessionRevoked and close 4001, the asker's stay", async () => {
    const a = await registerUser("rev");
    const other = await login(a);
    const [mine, theirs1, theirs2] = await Promise.all([connect(a.token), connect(other), connect(other, "protocol")]);
    const sessions = (await mine.request({ mode: "getSessions" })).sessions as Frame[];
    const target = sessions.find((s) => !s.current)!.session_id;
    const res = await mine.request({ mode: "revokeSession", session_id: target });
    expect(res).toMatchObject({ mode: "revokeSession", status: 200 });
    for (const t of [theirs1, theirs2]) {
      expect(await t.nextPush("sessionRevoked")).toMatchObject({ mode: "sessionRevoked", reason: "revoked" });
      expect((await t.closedWith()).code).toBe(4001);
    }
    expect((await api({ mode: "getChats" }, { token: other })).status).toBe(401);
    expect((await mine.request({ mode: "getChats" })).status).toBe(200);
    expect((await mine.request({ mode: "getSessions" })).sessions).toHaveLength(1);
    mine.close();
  });

  it("reaches a socket that started anonymous and is piped through the Worker", async () => {
    const a = await registerUser("pipe");
    const anon = await connect();
    const authed = await anon.request({ mode: "auth", username: a.username, password: a.password });
    expect(authed.status).toBe(200);
    const piped = (await anon.request({ mode: "getSessions" })).sessions.find((s: Frame) => s.current).session_id;
    expect((await api({ mode: "revokeSession", session_id: piped }, { token: a.token })).status).toBe(200);
    expect(await anon.nextPush("sessionRevoked")).toMatchObject({ reason: "revoked" });
    expect((await anon.closedWith()).code).toBe(4001);
  });

  it("ends the asking session as logout does: the answer, then close 4001", async () => {
    const a = await registerUser("self");
    const s = await connect(a.token);
    const same = await connect(a.token);
    const own = (await s.request({ mode: "getSessions" })).sessions[0].session_id;
    expect(await s.request({ mode: "revokeSession", session_id: own })).toMatchObject({ status: 200 });
    expect((await s.closedWith()).code).toBe(4001);
    expect(s.pending()).toEqual([]);
    expect(await same.nextPush("sessionRevoked")).toBeDefined();
    expect((await same.closedWith()).code).toBe(4001);
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(401);
  });

  it("answers 404 session_not_found for an id that is not a live session of this user", async () => {
    const [a, b] = await Promise.all([registerUser("nf"), registerUser("nf")]);
    const bSession = (await api({ mode: "getSessions" }, { token: b.token })).body.sessions[0].session_id;
    for (const session_id of [unique("nope"), bSession]) {
      const { status, body } = await api({ mode: "revokeSession", session_id }, { token: a.token });
      expect(status).toBe(404);
      expect(body).toMatchObject({ mode: "revokeSession", error: "session_not_found" });
    }
    // B's session is untouched; an already revoked one is not live either.
    expect((await api({ mode: "getChats" }, { token: b.token })).status).toBe(200);
    const second = await login(a);
    const secondId = (await api({ mode: "getSessions" }, { token: second })).body.sessions.find((s: Frame) => s.current).session_id;
    expect((await api({ mode: "revokeSession", session_id: secondId }, { token: a.token })).status).toBe(200);
    expect((await api({ mode: "revokeSession", session_id: secondId }, { token: a.token })).status).toBe(404);
    const missing = await api({ mode: "revokeSession" }, { token: a.token });
    expect(missing.body).toMatchObject({
      status: 400,
      error: "invalid_request",
      fields: { session_id: "is required" },
    });
  });

  it("needs a login", async () => {
    const anon = await connect();
    expect(await anon.request({ mode: "getSessions" })).toMatchObject({ status: 401, error: "unauthorized" });
    expect((await api({ mode: "revokeSession", session_id: "x" })).status).toBe(401);
    anon.close();
  });
});
