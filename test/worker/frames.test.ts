// Bad input, on every door: each bad frame gets the contract's status and code, the socket
// stays open, and nothing is stored.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, connect, registerUser, type Frame, type TestSocket } from "./helpers";

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
  [
    "a field of the wrong type",
    '{"mode":"register","username":5,"password":"password1","email":"a@b.co","request_id":"q2"}',
    400,
    "invalid_request",
    "register",
  ],
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

  it("answers a binary frame over 64 KiB with too_large", async () => {
    const s = await open();
    s.ws.send(new Uint8Array(MAX + 1));
    expect(await s.next()).toMatchObject({ mode: "error", status: 413, error: "too_large" });
    await expectAlive(s);
    s.close();
  });

  it("echoes at most 64 characters of an unknown mode", async () => {
    const s = await open();
    s.send({ mode: "😀".repeat(16_000), request_id: "long" });
    const res = await s.next();
    expect(res).toMatchObject({ status: 400, error: "unknown_mode", request_id: "long" });
    expect(res.mode).toBe("😀".repeat(64));
    expect(res.message.length).toBeLessThan(400);
    s.close();
  });
});

describe("text that is not well-formed Unicode", () => {
  const lone = "x\ud800y";
  const cases: Array<[string, Frame, string]> = [
    ["register's username", { mode: "register", username: `a${lone}`, password: "password123", email: "a@example.com" }, "username"],
    ["register's password", { mode: "register", username: "wellformed", password: `pass${lone}word`, email: "a@example.com" }, "password"],
    ["auth's password", { mode: "auth", username: "someone", password: lone }, "password"],
    [
      "a message's content",
      { mode: "sendMessage", chat_id: "d_00000000000000000000000000000000", content: lone, content_type: "text" },
      "content",
    ],
    [
      "a client_msg_id",
      {
        mode: "sendGroupMessage",
        chat_id: "g_00000000000000000000000000000000",
        content: "hi",
        content_type: "text",
        client_msg_id: lone,
      },
      "client_msg_id",
    ],
    ["a group's title", { mode: "createGroup", title: lone, members: [] }, "title"],
    ["a member's name", { mode: "createGroup", title: "ok", members: ["fine", lone] }, "members.1"],
    ["an edit", { mode: "editMessage", chat_id: "d_00000000000000000000000000000000", seq: 1, content: `\udfff${lone}` }, "content"],
    ["a request_id", { mode: "ping", request_id: lone }, "request_id"],
  ];

  it.each(cases)("refuses a lone surrogate in %s, naming the field", async (_what, frame, field) => {
    const a = await registerUser("wf");
    const res = await api({ ...frame, token: a.token });
    expect(res.status).toBe(400);
    // A username has a pattern that already refuses it; everything else says why.
    const why = field === "username" ? expect.any(String) : expect.stringContaining("well-formed");
    expect(res.body).toMatchObject({ error: "invalid_request", fields: { [field]: why } });
  });

  it("refuses it on a socket too, and names it with the other bad fields", async () => {
    const a = await registerUser("wf");
    const s = await connect(a.token);
    const res = await s.request({ mode: "createGroup", title: "", members: [`b\udc00`] });
    expect(res).toMatchObject({ status: 400, error: "invalid_request" });
    expect(Object.keys(res.fields).sort()).toEqual(["members.0", "title"]);
    // A well-formed astral character is fine.
    expect(await s.request({ mode: "createGroup", title: "😀", members: [] })).toMatchObject({ status: 201 });
    s.close();
  });
});

describe("binary frames on a socket that logs in late", () => {
  it("still answers them as binary once the socket is a user's, never as text", async () => {
    const a = await registerUser("bin");
    const s = await connect();
    expect(await s.request({ mode: "auth", username: a.username, password: a.password })).toMatchObject({
      status: 200,
    });
    s.ws.send(new Uint8Array(MAX + 1));
    expect(await s.next()).toMatchObject({ mode: "error", status: 413, error: "too_large" });
    s.ws.send(new TextEncoder().encode(JSON.stringify({ mode: "getChats", request_id: "b1" })));
    expect(await s.next()).toMatchObject({
      mode: "error",
      status: 400,
      error: "bad_request",
      message: expect.stringContaining("binary"),
    });
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

  it("stops reading a body without Content-Length once it is over 64 KiB", async () => {
    const chunk = new TextEncoder().encode(`{"mode":"ping","pad":"${"x".repeat(16_384)}`);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 64 MiB at most, so a server that reads it all still ends.
        if (pulled >= 64 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await SELF.fetch("http://chat.test/api", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: endless,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ mode: "error", status: 413, error: "too_large" });
    // Buffers on the way may pull a little ahead of the reader, but not megabytes.
    expect(pulled).toBeLessThan(1024 * 1024);
  });

  it("reads a chunked body of exactly 64 KiB", async () => {
    const frame = new TextEncoder().encode(pingOf(MAX));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < frame.byteLength; i += 1000) controller.enqueue(frame.slice(i, i + 1000));
        controller.close();
      },
    });
    const res = await SELF.fetch("http://chat.test/api", { method: "POST", body: chunked });
    expect(await res.json()).toMatchObject({ mode: "pong", status: 200 });
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
    const reg = await s.request({
      mode: "register",
      username,
      password: "password123",
      email: `${username}@example.com`,
    });
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
