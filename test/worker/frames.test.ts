// Bad input, on every door: each bad frame gets the contract's status and code, the socket
// stays open, and nothing is stored.
import { describe, expect, it } from "vitest";
import { api, connect, registerUser, type TestSocket } from "./helpers";

const MAX = 65_536;
/** A ping frame padded to exactly `bytes` bytes of UTF-8. */
const pingOf = (bytes: number) => {
  const base = JSON.stringify({ mode: "ping", pad: "" });
  return JSON.stringify({ mode: "ping", pad: "x".repeat(bytes - base.length) });
};

const badFrames: Array<[string, string, number, string, string]> = [
  ["not JSON", "{mode: ping", 400, "bad_request", "error"],
  ["a JSON array", "[1,2]", 400, "bad_request", "error"],
  ["a JSON string", '"ping"', 400, "bad_request", "error"],
  ["null", "null", 400, "bad_request", "error"],
  ["no mode", '{"request_id":"x"}', 400, "bad_request", "error"],
  ["a number mode", '{"mode":7}', 400, "bad_request", "error"],
  ["an unknown mode", '{"mode":"fly","request_id":"q1"}', 400, "unknown_mode", "fly"],
  ["a field of the wrong type", '{"mode":"register","username":5,"password":"password1","email":"a@b.co","request_id":"q2"}', 400, "invalid_request", "register"],
  ["a missing field", '{"mode":"auth","username":"someone"}', 400, "invalid_request", "auth"],
  ["an over-long request_id", JSON.stringify({ mode: "ping", request_id: "r".repeat(65) }), 400, "invalid_request", "ping"],
  ["a frame over 64 KiB", pingOf(MAX + 1), 413, "too_large", "error"],
];

async function expectAlive(s: TestSocket) {
  expect(await s.request({ mode: "ping" })).toMatchObject({ mode: "pong", status: 200 });
}

describe.each([
  ["an anonymous socket", async () => connect()],
  ["a logged-in socket", async () => connect((await registerUser("fr")).token)],
])("on %s", (_name, open) => {
  it.each(badFrames)("answers %s and stays open", async (_what, frame, status, error, mode) => {
    const s = await open();
    s.send(frame);
    const res = await s.next();
    expect(res).toMatchObject({ status, error, mode });
    expect(typeof res.message).toBe("string");
    expect(res.stack).toBeUndefined();
    if (error === "unknown_mode") expect(res.request_id).toBe("q1");
    if (error === "invalid_request") expect(Object.keys(res.fields).length).toBeGreaterThan(0);
    await expectAlive(s);
    s.close();
  });

  it("takes a frame of exactly 64 KiB", async () => {
    const s = await open();
    s.send(pingOf(MAX));
    expect(await s.next()).toMatchObject({ mode: "pong", status: 200 });
    s.close();
  });

  it("answers a binary frame with bad_request", async () => {
    const s = await open();
    s.ws.send(new Uint8Array([1, 2, 3]));
    expect(await s.next()).toMatchObject({ status: 400, error: "bad_request" });
    await expectAlive(s);
    s.close();
  });
});

describe("POST /api", () => {
  it.each(badFrames)("answers %s", async (_what, frame, status, error, mode) => {
    const res = await api(frame);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ status, error, mode });
  });

  it("needs a valid token for login-only modes", async () => {
    const none = await api({ mode: "getChats" });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ mode: "getChats", error: "unauthorized" });
    const bad = await api({ mode: "getChats", token: "x".repeat(43) });
    expect(bad.status).toBe(401);
    const a = await registerUser("api");
    expect((await api({ mode: "getChats", token: a.token })).status).toBe(200);
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(200);
  });
});

describe("login on a socket", () => {
  it("refuses login-only modes on an anonymous socket without a token", async () => {
    const s = await connect();
    const res = await s.request({ mode: "getChats" });
    expect(res).toMatchObject({ mode: "getChats", status: 401, error: "unauthorized" });
    const bad = await s.request({ mode: "getChats", token: "y".repeat(43) });
    expect(bad.status).toBe(401);
    await expectAlive(s);
    s.close();
  });

  it("binds an anonymous socket with a frame that carries a valid token", async () => {
    const a = await registerUser("bind");
    const s = await connect();
    expect(await s.request({ mode: "getChats", token: a.token })).toMatchObject({ status: 200, chats: [] });
    // From now on the socket is the user's: no token needed.
    expect(await s.request({ mode: "sync", since: 0 })).toMatchObject({ status: 200 });
    s.close();
  });

  it("register on an anonymous socket makes it the user's, and it gets pushes", async () => {
    const b = await registerUser("peer");
    const s = await connect();
    const username = `anon${Date.now().toString(36)}`;
    const reg = await s.request({ mode: "register", username, password: "password123", email: `${username}@example.com` });
    expect(reg).toMatchObject({ status: 201, user: { username } });
    await api({ mode: "createChat", username }, { token: b.token });
    expect(await s.nextPush("chatCreated")).toMatchObject({ chat: { title: b.username } });
    s.close();
  });

  it("refuses another user's token on a logged-in socket", async () => {
    const [a, b] = await Promise.all([registerUser("tA"), registerUser("tB")]);
    const s = await connect(a.token);
    const res = await s.request({ mode: "getChats", token: b.token });
    expect(res).toMatchObject({ status: 401, error: "unauthorized" });
    expect(await s.request({ mode: "getChats", token: a.token })).toMatchObject({ status: 200 });
    s.close();
  });
});
