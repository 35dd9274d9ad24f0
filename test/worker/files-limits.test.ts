// What one user's uploads may hold: a length is required (so nothing is buffered), a body
// that stops sending is dropped, a few uploads at once, a storage quota that deleting frees,
// bytes per hour. Settings are given per request (`vars`), so each test sets its own.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, captureLog, registerUser, stallingBody, upload, type Account } from "./helpers";

async function directChat(prefix: string): Promise<{ a: Account; b: Account; chatId: string }> {
  const [a, b] = await Promise.all([registerUser(`${prefix}A`), registerUser(`${prefix}B`)]);
  const { body } = await api({ mode: "createChat", username: b.username }, { token: a.token });
  return { a, b, chatId: body.chat.chat_id };
}

async function objectsOf(chatId: string): Promise<R2Object[]> {
  const listed = await env.FILES.list({ prefix: "files/", include: ["customMetadata"] });
  return listed.objects.filter((o) => o.customMetadata?.chat_id === chatId);
}

const bytes = (n: number) => new Uint8Array(n).fill(7);
const length = (n: number) => ({ "Content-Length": String(n) });

describe("an upload's body", () => {
  it("must come with a Content-Length: 411 invalid_request naming it, before a byte is read", async () => {
    const { a, chatId } = await directChat("len");
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(1024)) });
    const res = await upload(chatId, endless, { token: a.token });
    expect(res.status).toBe(411);
    expect(res.body).toMatchObject({
      status: 411,
      error: "invalid_request",
      fields: { "Content-Length": expect.any(String) },
    });
    expect(await objectsOf(chatId)).toEqual([]);
  });

  it("is dropped when it sends nothing for UPLOAD_IDLE_MS: 408, nothing kept, the place given back", async () => {
    const { a, chatId } = await directChat("idle");
    const vars = { UPLOAD_IDLE_MS: "50", OPEN_UPLOADS_PER_USER: "1" };
    const body = stallingBody(bytes(100));
    const res = await upload(chatId, body.stream, { token: a.token, vars, headers: length(1000) });
    // The answer came because the Worker gave up on the body, which it cancelled.
    expect(await body.cancelled).toBeDefined();
    expect(res.status).toBe(408);
    expect(res.body).toMatchObject({ error: "invalid_request", fields: { body: expect.any(String) } });
    expect(await objectsOf(chatId)).toEqual([]);
    // Its place among the uploads at once is free again.
    expect((await upload(chatId, bytes(10), { token: a.token, vars })).status).toBe(201);
  });

  it("cut off half way is the client's error (400, logged as such), not an internal one; nothing kept", async () => {
    const { a, chatId } = await directChat("cut");
    const body = stallingBody(bytes(100));
    const lines = await captureLog(async () => {
      const answer = upload(chatId, body.stream, { token: a.token, vars: {}, headers: length(1000) });
      await body.reading;
      body.cut();
      const res = await answer;
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: "invalid_request", fields: { body: expect.any(String) } });
    });
    expect(lines.filter((l) => l.event === "internal_error")).toEqual([]);
    expect(lines.find((l) => l.event === "request" && l.path === "/upload")).toMatchObject({
      status: 400,
      error: "invalid_request",
    });
    expect(await objectsOf(chatId)).toEqual([]);
  });
});

describe("a user's uploads", () => {
  it("are at most OPEN_UPLOADS_PER_USER at once (429 rate_limited past it, before reading); per user", async () => {
    const { a, b, chatId } = await directChat("open");
    const vars = { OPEN_UPLOADS_PER_USER: "2" };
    const bodies = [stallingBody(bytes(10)), stallingBody(bytes(10))];
    const answers = bodies.map((body) => upload(chatId, body.stream, { token: a.token, vars, headers: length(20) }));
    // Both are reading their bodies: each has its place.
    await Promise.all(bodies.map((body) => body.reading));
    const third = await upload(chatId, bytes(10), { token: a.token, vars });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: "rate_limited", retry_after_ms: expect.any(Number) });
    expect((await upload(chatId, bytes(10), { token: b.token, vars })).status).toBe(201);
    for (const body of bodies) body.end(bytes(10));
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([201, 201]);
    expect((await upload(chatId, bytes(10), { token: a.token, vars })).status).toBe(201);
  });

  it("keep at most UPLOAD_QUOTA_BYTES, checked from Content-Length before reading (413); deleting a file frees its bytes", async () => {
    const { a, chatId } = await directChat("quota");
    const vars = { UPLOAD_QUOTA_BYTES: "3000" };
    const first = await upload(chatId, bytes(2000), { token: a.token, vars });
    expect(first.status).toBe(201);
    // A body that never ends: only an answer that does not wait for it can arrive.
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(100)) });
    const over = await upload(chatId, endless, { token: a.token, vars, headers: length(1500) });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ error: "too_large", message: expect.stringContaining("3000") });
    expect((await upload(chatId, bytes(1000), { token: a.token, vars })).status).toBe(201);
    // The first file goes with its message: its bytes are free again.
    const sent = await api(
      {
        mode: "sendMessage",
        chat_id: chatId,
        content: "",
        content_type: "file",
        attachment: { file_id: first.body.file_id },
      },
      { token: a.token },
    );
    expect(sent.status).toBe(200);
    expect((await api({ mode: "deleteMessage", chat_id: chatId, seq: sent.body.message.seq }, { token: a.token })).status).toBe(200);
    expect((await upload(chatId, bytes(1500), { token: a.token, vars })).status).toBe(201);
  });

  it("are at most UPLOAD_BYTES_PER_USER_PER_HOUR bytes an hour (429 rate_limited with retry_after_ms), deleted or not", async () => {
    const { a, chatId } = await directChat("hour");
    const vars = { UPLOAD_BYTES_PER_USER_PER_HOUR: "3000", MAX_UPLOAD_BYTES: "3000" };
    expect((await upload(chatId, bytes(2000), { token: a.token, vars })).status).toBe(201);
    const over = await upload(chatId, bytes(2000), { token: a.token, vars });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: "rate_limited" });
    expect(over.body.retry_after_ms).toBeGreaterThan(0);
    expect(await objectsOf(chatId)).toHaveLength(1);
  });
});
