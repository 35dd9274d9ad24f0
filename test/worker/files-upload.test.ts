// POST /upload: what is stored (R2 object, its metadata, the chat object's record) and
// every refusal, each of which stores nothing.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatObject } from "../../src/chat";
import { directChat, imageBytes, registerUser, sha256, upload } from "./helpers";

const MAX = 6 * 2 ** 20;

/** The R2 objects of one chat, by the chat id in their metadata. */
async function objectsOf(chatId: string): Promise<R2Object[]> {
  const listed = await env.FILES.list({ prefix: "files/", include: ["customMetadata"] });
  return listed.objects.filter((o) => o.customMetadata?.chat_id === chatId);
}

/** A body the test hands out piece by piece, with no Content-Length: the Worker sees it chunked. */
function chunked(total: number, piece = 64 * 1024, fill = 7): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= total) return c.close();
      const n = Math.min(piece, total - sent);
      const chunk = new Uint8Array(n).map((_, i) => (sent + i + fill) % 251);
      sent += n;
      c.enqueue(chunk);
    },
  });
}

describe("uploading", () => {
  it("stores a member's file in R2 and answers 201 with its id, name, size and type", async () => {
    const { a, chatId } = await directChat("up");
    const bytes = new TextEncoder().encode("minutes of the meeting\n".repeat(100));
    const res = await upload(chatId, bytes, {
      token: a.token,
      type: "text/plain; charset=utf-8",
      name: "Notes – März.txt",
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      file_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: "Notes – März.txt",
      size: bytes.byteLength,
      mime: "text/plain",
    });
    const obj = await env.FILES.get(`files/${res.body.file_id}`);
    expect(obj).not.toBeNull();
    expect(obj!.customMetadata).toEqual({
      chat_id: chatId,
      uploader_id: a.user.id,
      name: encodeURIComponent("Notes – März.txt"),
      mime: "text/plain",
    });
    expect(await sha256(await obj!.arrayBuffer())).toBe(await sha256(bytes));
  });

  it("reads width and height of PNG, JPEG, GIF and WebP images", async () => {
    const { a, chatId } = await directChat("dim");
    for (const [kind, w, h] of [
      ["png", 640, 480],
      ["jpeg", 1024, 768],
      ["gif", 32, 16],
      ["webp", 300, 200],
    ] as const) {
      const res = await upload(chatId, imageBytes(kind, w, h, 2048), {
        token: a.token,
        type: `image/${kind}`,
        name: `pic.${kind}`,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ mime: `image/${kind}`, width: w, height: h, size: 2048 });
    }
  });

  it("takes a body up to the limit in one streamed put, byte for byte", async () => {
    const { a, chatId } = await directChat("chunk");
    const res = await upload(chatId, chunked(MAX), {
      token: a.token,
      type: "application/octet-stream",
      name: "big.bin",
      headers: { "Content-Length": String(MAX) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.size).toBe(MAX);
    const stored = await env.FILES.get(`files/${res.body.file_id}`);
    const expected = new Uint8Array(await new Response(chunked(MAX)).arrayBuffer());
    expect(await sha256(await stored!.arrayBuffer())).toBe(await sha256(expected));
  });

  it("refuses a body over MAX_UPLOAD_BYTES by its Content-Length before reading it, and one without a length (411); nothing stays in R2", async () => {
    const { a, chatId } = await directChat("big");
    // A body that never ends: only an answer that does not wait for it can arrive.
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(1024)) });
    const declared = await upload(chatId, endless, { token: a.token, headers: { "Content-Length": String(MAX + 1) } });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ status: 413, error: "too_large" });
    const streamed = await upload(chatId, chunked(MAX + 1), { token: a.token });
    expect(streamed.status).toBe(411);
    expect(streamed.body).toMatchObject({ error: "invalid_request", fields: { "Content-Length": expect.any(String) } });
    expect(await objectsOf(chatId)).toEqual([]);
    const listed = await env.FILES.list({ prefix: "files/" });
    const uploads = await env.FILES.list();
    expect(uploads.objects.length).toBe(listed.objects.length);
  });

  it("refuses missing and wrong headers, all named at once, and an empty body", async () => {
    const { a, chatId } = await directChat("hdr");
    // Bytes, not a string: fetch would give a string a Content-Type of its own.
    const none = await upload(chatId, new Uint8Array([1]), { token: a.token, type: null, name: null });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({
      error: "invalid_request",
      fields: { "Content-Type": expect.any(String), "X-File-Name": expect.any(String) },
    });
    const cases: Array<[Record<string, string>, string]> = [
      [{ "Content-Type": "not a type" }, "Content-Type"],
      [{ "Content-Type": "multipart/form-data; boundary=x" }, "Content-Type"],
      [{ "X-File-Name": "%E0%A4%A" }, "X-File-Name"],
      [{ "X-File-Name": "%ED%A0%80" }, "X-File-Name"],
      [{ "X-File-Name": encodeURIComponent("../etc/passwd") }, "X-File-Name"],
      [{ "X-File-Name": encodeURIComponent("a".repeat(256)) }, "X-File-Name"],
      // Format characters (Unicode category Cf): a right-to-left override shows this as "invoiceexe.pdf".
      [{ "X-File-Name": encodeURIComponent("invoice\u202Efdp.exe") }, "X-File-Name"],
      [{ "X-File-Name": encodeURIComponent("a\u200Bb.txt") }, "X-File-Name"],
    ];
    for (const [headers, field] of cases) {
      const res = await upload(chatId, "x", { token: a.token, headers });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual([field]);
    }
    const noChat = await upload("", "x", { token: a.token });
    expect(noChat.body.fields).toHaveProperty("chat_id");
    const empty = await upload(chatId, new Uint8Array(0), { token: a.token });
    expect(empty.body).toMatchObject({ status: 400, error: "invalid_request", fields: { body: expect.any(String) } });
    const emptyStream = await upload(chatId, chunked(0), { token: a.token, headers: { "Content-Length": "0" } });
    expect(emptyStream.body).toMatchObject({ status: 400, fields: { body: expect.any(String) } });
    expect(await objectsOf(chatId)).toEqual([]);
  });

  it("refuses an image type whose bytes are not that image, storing nothing", async () => {
    const { a, chatId } = await directChat("fake");
    const notPng = await upload(chatId, new TextEncoder().encode("<svg onload=alert(1)>"), {
      token: a.token,
      type: "image/png",
      name: "x.png",
    });
    expect(notPng.status).toBe(400);
    expect(notPng.body).toMatchObject({
      error: "invalid_request",
      fields: { "Content-Type": expect.stringContaining("PNG") },
    });
    const gifAsJpeg = await upload(chatId, imageBytes("gif", 10, 10), {
      token: a.token,
      type: "image/jpeg",
      name: "x.jpg",
    });
    expect(gifAsJpeg.status).toBe(400);
    // A long one too: checked once stored, and deleted again.
    const longFake = await upload(chatId, chunked(MAX), {
      token: a.token,
      type: "image/webp",
      name: "x.webp",
      headers: { "Content-Length": String(MAX) },
    });
    expect(longFake.status).toBe(400);
    expect(await objectsOf(chatId)).toEqual([]);
    // SVG is not an image type that is checked or shown: it is stored as any file.
    const svg = await upload(chatId, "<svg/>", { token: a.token, type: "image/svg+xml", name: "x.svg" });
    expect(svg.status).toBe(201);
    expect(svg.body.width).toBeUndefined();
  });

  it("lets only members upload: no token 401, a non-member or an unknown chat 404, creating nothing", async () => {
    const { chatId } = await directChat("mem");
    const stranger = await registerUser("memC");
    expect((await upload(chatId, "x")).status).toBe(401);
    expect((await upload(chatId, "x", { token: "not-a-token-of-anyone-at-all-000000" })).status).toBe(401);
    const res = await upload(chatId, "x", { token: stranger.token });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("chat_not_found");
    expect((await upload("no-such-chat", "x", { token: stranger.token })).body.error).toBe("chat_not_found");
    const ghost = `g_${crypto.randomUUID()}`;
    expect((await upload(ghost, "x", { token: stranger.token })).body.error).toBe("chat_not_found");
    // The chat object for that id was asked, and wrote nothing: no table, no alarm.
    const stored = await runInDurableObject(env.CHATS.get(env.CHATS.idFromName(ghost)), async (o: ChatObject, state) => ({
      tables: o.probe.tables(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(stored).toEqual({ tables: [], alarm: null });
    expect(await objectsOf(chatId)).toEqual([]);
    expect(await objectsOf(ghost)).toEqual([]);
  });

  it("limits uploads per user per hour (429 with retry_after_ms), counting only accepted ones", async () => {
    const { a, b, chatId } = await directChat("rate");
    // Refusals before the body is read do not count.
    expect((await upload(chatId, "x", { token: a.token, type: "bad type" })).status).toBe(400);
    for (let i = 0; i < 12; i++) expect((await upload(chatId, `file ${i}`, { token: a.token })).status).toBe(201);
    const over = await upload(chatId, "one more", { token: a.token });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: "rate_limited", retry_after_ms: expect.any(Number) });
    expect(over.body.retry_after_ms).toBeGreaterThan(60_000);
    expect(await objectsOf(chatId)).toHaveLength(12);
    // Per user: the other member still may.
    expect((await upload(chatId, "mine", { token: b.token })).status).toBe(201);
  });
});
