// Structured logs: what a line carries, and what it never does (the end-to-end test in
// test/e2e/operator.test.ts greps a whole run's log for secrets).
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { insertUser } from "../../src/accounts/testing";
import { toErrorBody } from "../../src/contract/errors";
import worker from "../../src/index";
import { api, captureLog, connect, registerUser, unique } from "./helpers";

describe("log lines", () => {
  it("count a POST /api body cut off half way as the client's error (400 bad_request), not an internal one", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"mode":"ping","request_id":"'));
        c.error(new Error("connection reset"));
      },
    });
    let status = 0;
    const lines = await captureLog(async () => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request("http://chat.test/api", { method: "POST", body, duplex: "half" } as RequestInit),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      status = res.status;
      expect(await res.json()).toMatchObject({ status: 400, error: "bad_request" });
    });
    expect(status).toBe(400);
    expect(lines.filter((l) => l.event === "internal_error")).toEqual([]);
    expect(lines.find((l) => l.event === "request")).toMatchObject({
      level: "info",
      status: 400,
      error: "bad_request",
    });
  });

  it("summarise an internal error without the values of its query", async () => {
    const a = await registerUser("log");
    const hash = "pbkdf2-sha256$100000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
    const email = `${unique("dup")}@example.com`;
    // A real D1 error as drizzle throws it: its message lists the query's parameters.
    const err = await insertUser(env, {
      id: crypto.randomUUID(),
      username: a.username,
      usernameKey: a.username.toLowerCase(),
      email,
      emailKey: email,
      passwordHash: hash,
      createdAt: 0,
    }).catch((e: unknown) => e);
    expect(String(err)).toContain(hash);

    let body: ReturnType<typeof toErrorBody> | undefined;
    const lines = await captureLog(async () => {
      body = toErrorBody(err, "a test");
    });
    expect(body).toEqual({ status: 500, error: "internal", message: expect.any(String) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "error",
      event: "internal_error",
      where: "a test",
      exception: { name: expect.any(String), stack: expect.any(String) },
    });
    expect(lines[0]!.exception.message).toContain("Failed query");
    expect(lines[0]!.exception.cause.message).toContain("UNIQUE constraint failed");
    const text = JSON.stringify(lines);
    for (const value of [hash, email, a.username]) expect(text).not.toContain(value);
  });

  it("record a request: mode, status, error code, user, duration and an id, never the password or token", async () => {
    const a = await registerUser("log");
    const lines = await captureLog(async () => {
      await api({ mode: "auth", username: a.username, password: "not the password" }, { ip: unique("ip") });
      await api({ mode: "getChats" }, { token: a.token });
    });
    const requests = lines.filter((l) => l.event === "request");
    expect(requests).toEqual([
      expect.objectContaining({
        level: "info",
        method: "POST",
        path: "/api",
        mode: "auth",
        status: 401,
        error: "invalid_credentials",
      }),
      expect.objectContaining({
        level: "info",
        mode: "getChats",
        status: 200,
        user_id: a.user.id,
        duration_ms: expect.any(Number),
        request_id: expect.any(String),
      }),
    ]);
    for (const value of [a.token, a.password, "not the password"]) expect(JSON.stringify(lines)).not.toContain(value);
  });

  it("record a socket frame answered with an error, without what the frame said", async () => {
    const a = await registerUser("log");
    const s = await connect(a.token);
    const lines = await captureLog(async () => {
      expect(
        await s.request({
          mode: "sendMessage",
          chat_id: "nonsense",
          content: "my bank PIN is 4321",
          content_type: "text",
        }),
      ).toMatchObject({ status: 404 });
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: "info",
        event: "frame",
        mode: "sendMessage",
        status: 404,
        error: "chat_not_found",
        user_id: a.user.id,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("4321");
    s.close();
  });
});
