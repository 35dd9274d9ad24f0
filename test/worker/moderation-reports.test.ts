// Slow mode (by the chat's clock), reports, and the operator's /admin/ endpoints: listing
// reports, suspending and unsuspending accounts, and /admin/ being 404 without ADMIN_TOKEN.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { api, connect, groupOf, inChatObject, LARGE_AT, registerUser, type Account, type Frame } from "./helpers";

const ask = (a: Account, frame: Frame) => api(frame, { token: a.token });
const say = (chatId: string, content: string) => ({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text" });
/** ADMIN_TOKEN is an optional secret (vitest.config.ts sets one), so the generated Env leaves it out. */
const TOKEN = (env as Env & { ADMIN_TOKEN: string }).ADMIN_TOKEN;

async function admin(method: string, path: string, body?: Frame, token: string | null = TOKEN, over: Record<string, unknown> = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://chat.test${path}`, { method, headers, ...(body && method !== "GET" && { body: JSON.stringify(body) }) }),
    { ...env, ...over } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as Frame };
}

describe.each([
  ["a small group", 3],
  ["a large group", LARGE_AT + 1],
] as const)("slow mode in %s", (_kind, size) => {
  it("a member sends one message per slow_mode_s (sooner: 429 slow_mode, nothing stored); owner and admins are exempt", async () => {
    const { owner, rest, chatId } = await groupOf(size, "sm");
    const [a, b] = rest as [Account, Account];
    await ask(owner, { mode: "setRole", chat_id: chatId, username: a.username, role: "admin" });
    for (const seconds of [-1, 3_601, 1.5])
      expect((await ask(owner, { mode: "setSlowMode", chat_id: chatId, seconds })).body).toMatchObject({
        status: 400,
        error: "invalid_request",
        fields: { seconds: expect.any(String) },
      });
    const now = Date.now();
    await inChatObject(chatId, (o) => o.clock.stopAt(now));
    expect((await ask(a, { mode: "setSlowMode", chat_id: chatId, seconds: 30 })).body).toMatchObject({
      status: 200,
      chat_id: chatId,
      slow_mode_s: 30,
    });
    expect(((await ask(b, { mode: "getChats" })).body.chats as Frame[])[0]).toMatchObject({ chat_id: chatId, slow_mode_s: 30 });
    expect((await ask(b, say(chatId, "one"))).body.status).toBe(200);
    await inChatObject(chatId, (o) => o.clock.advance(10_000));
    const held = await ask(b, say(chatId, "two"));
    expect(held.body).toMatchObject({ status: 429, error: "slow_mode", retry_after_ms: 20_000 });
    const history = (await ask(owner, { mode: "getMessages", chat_id: chatId })).body.messages as Frame[];
    expect(history.map((m) => m.content)).toEqual(["one"]);
    for (const exempt of [owner, a, owner, a]) expect((await ask(exempt, say(chatId, "exempt"))).body.status).toBe(200);
    await inChatObject(chatId, (o) => o.clock.advance(20_000));
    expect((await ask(b, say(chatId, "two"))).body.status).toBe(200);
    expect((await ask(owner, { mode: "setSlowMode", chat_id: chatId, seconds: 0 })).body.slow_mode_s).toBe(0);
    expect((await ask(b, say(chatId, "three"))).body.status).toBe(200);
  });
});

describe("reports", () => {
  it("a member reports a message (202); the operator lists it with its text then; a deleted one's text is not kept", async () => {
    const { rest, chatId } = await groupOf(3, "rp");
    const [a, b] = rest as [Account, Account];
    const kept = (await ask(a, say(chatId, "buy cheap pills"))).body.message;
    const removed = (await ask(a, say(chatId, "worse things"))).body.message;
    await ask(a, { mode: "deleteMessage", chat_id: chatId, seq: removed.seq });
    const first = await ask(b, { mode: "reportMessage", chat_id: chatId, seq: kept.seq, reason: "spam" });
    expect(first.body).toEqual({ mode: "reportMessage", timestamp: expect.any(Number), status: 202, report_id: expect.any(String) });
    // The message's text as it was when reported: an edit later changes the report nothing.
    await ask(a, { mode: "editMessage", chat_id: chatId, seq: kept.seq, content: "hello" });
    const second = await ask(b, { mode: "reportMessage", chat_id: chatId, seq: removed.seq, reason: "abuse" });
    expect(second.body.status).toBe(202);
    for (const [f, err] of [
      [{ seq: 99 }, { status: 404, error: "message_not_found" }],
      [{ reason: "" }, { status: 400, error: "invalid_request", fields: { reason: expect.any(String) } }],
      [{ reason: "r".repeat(501) }, { status: 400, error: "invalid_request", fields: { reason: expect.any(String) } }],
    ] as const)
      expect((await ask(b, { mode: "reportMessage", chat_id: chatId, seq: kept.seq, reason: "x", ...f })).body).toMatchObject(err);
    const outsider = await registerUser("rpO");
    expect((await ask(outsider, { mode: "reportMessage", chat_id: chatId, seq: kept.seq, reason: "x" })).body).toMatchObject({
      status: 404,
      error: "chat_not_found",
    });
    const list = await admin("GET", "/admin/reports?limit=500");
    expect(list.status).toBe(200);
    const mine = (list.body.reports as Frame[]).filter((r) => r.chat_id === chatId);
    expect(mine).toEqual([
      {
        report_id: second.body.report_id,
        chat_id: chatId,
        seq: removed.seq,
        reporter: b.username,
        reason: "abuse",
        message: expect.objectContaining({ seq: removed.seq, deleted: true, content: "" }),
        created_at: expect.any(Number),
      },
      expect.objectContaining({ report_id: first.body.report_id, message: expect.objectContaining({ content: "buy cheap pills" }) }),
    ]);
  });

  it("GET /admin/reports pages with limit and before", async () => {
    const { owner, chatId } = await groupOf(2, "rq");
    const seq = (await ask(owner, say(chatId, "x"))).body.message.seq;
    for (const reason of ["one", "two", "three"]) await ask(owner, { mode: "reportMessage", chat_id: chatId, seq, reason });
    const first = await admin("GET", "/admin/reports?limit=1");
    expect(first.body).toMatchObject({ has_more: true, cursor: expect.any(String) });
    expect(first.body.reports).toHaveLength(1);
    const next = await admin("GET", `/admin/reports?limit=1&before=${encodeURIComponent(first.body.cursor)}`);
    expect(next.body.reports[0].report_id).not.toBe(first.body.reports[0].report_id);
    expect((await admin("GET", "/admin/reports?limit=0")).body).toMatchObject({ status: 400, error: "invalid_request" });
    expect((await admin("GET", "/admin/reports?before=nonsense")).body).toMatchObject({ status: 400, error: "invalid_request" });
  });
});

describe("the operator's endpoints", () => {
  it("are 404 where ADMIN_TOKEN is not set, and 401 with a wrong or missing token", async () => {
    for (const [method, path] of [
      ["GET", "/admin/reports"],
      ["POST", "/admin/suspend"],
      ["GET", "/admin/anything"],
    ] as const) {
      expect((await admin(method, path, { username: "x" }, TOKEN, { ADMIN_TOKEN: undefined })).status).toBe(404);
      expect((await admin(method, path, { username: "x" }, null)).body).toMatchObject({ status: 401, error: "unauthorized" });
      expect((await admin(method, path, { username: "x" }, `${TOKEN}x`)).status).toBe(401);
      expect((await admin(method, path, { username: "x" }, "")).status).toBe(401);
    }
    expect((await admin("GET", "/admin/nothing")).status).toBe(404);
  });

  it("suspend: the account cannot log in (401 invalid_credentials), its sessions end and sockets close 4001; unsuspend lifts it", async () => {
    const user = await registerUser("su");
    const socket = await connect(user.token);
    expect(await socket.request({ mode: "ping" })).toMatchObject({ mode: "pong" });
    expect(await admin("POST", "/admin/suspend", { username: user.username.toUpperCase() })).toEqual({
      status: 200,
      body: { username: user.username, suspended: true },
    });
    expect((await socket.closedWith()).code).toBe(4001);
    expect((await ask(user, { mode: "getChats" })).body).toMatchObject({ status: 401, error: "unauthorized" });
    const login = () => api({ mode: "auth", username: user.username, password: user.password });
    expect((await login()).body).toMatchObject({ status: 401, error: "invalid_credentials" });
    expect(await admin("POST", "/admin/unsuspend", { username: user.username })).toEqual({
      status: 200,
      body: { username: user.username, suspended: false },
    });
    expect((await login()).body).toMatchObject({ status: 200, token: expect.any(String) });
    expect((await admin("POST", "/admin/suspend", { username: "no-such-user-zz" })).body).toMatchObject({
      status: 404,
      error: "user_not_found",
    });
    expect((await admin("POST", "/admin/suspend", { name: "x" })).body).toMatchObject({ status: 400, error: "invalid_request" });
  });
});
