// GET /files/<file_id>: by a member's token, by a signed link from getFileUrls, ranges,
// revalidation, the headers that keep a file from running as a page, and one 404 for
// every way of not being let in.
import { describe, expect, it } from "vitest";
import { api, connect, download, imageBytes, registerUser, upload, type Account } from "./helpers";

const TEXT = "line of text\n".repeat(200);
const KEY = "test-signing-key-not-a-secret";

async function groupWithFile(prefix: string) {
  const [a, b, c] = await Promise.all([registerUser(`${prefix}A`), registerUser(`${prefix}B`), registerUser(`${prefix}C`)]);
  const chatId = (await api({ mode: "createGroup", title: "files", members: [b.username] }, { token: a.token })).body.chat
    .chat_id as string;
  const up = await upload(chatId, TEXT, { token: a.token, type: "text/html", name: "page <1>.html" });
  expect(up.status).toBe(201);
  // Sent: another member may read a file only once it is in a message.
  const sent = await api(
    {
      mode: "sendGroupMessage",
      chat_id: chatId,
      content: "",
      content_type: "file",
      attachment: { file_id: up.body.file_id },
    },
    { token: a.token },
  );
  expect(sent.status).toBe(200);
  return { a, b, stranger: c, chatId, fileId: up.body.file_id as string };
}

async function urls(token: string, chatId: string, fileIds: string[]) {
  return api({ mode: "getFileUrls", chat_id: chatId, file_ids: fileIds }, { token });
}

async function hmac(message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(KEY), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return btoa(String.fromCharCode(...mac))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function notFound(res: Response) {
  expect(res.status).toBe(404);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: 404, error: "file_not_found" });
  return body.message;
}

describe("downloading with a token", () => {
  it("gives a member the file as a download that cannot run as a page", async () => {
    const { b, fileId } = await groupWithFile("tok");
    const res = await download(fileId, { token: b.token });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(TEXT);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "application/octet-stream",
      "content-length": String(TEXT.length),
      "x-content-type-options": "nosniff",
      "content-disposition": `attachment; filename="page <1>.html"; filename*=UTF-8''page%20%3C1%3E.html`,
      "cache-control": expect.stringMatching(/^private/),
      etag: expect.stringMatching(/^".+"$/),
      "accept-ranges": "bytes",
      "content-security-policy": expect.stringContaining("sandbox"),
    });
  });

  it("serves every file but a checked image as application/octet-stream, same-origin only; the declared type stays in the attachment", async () => {
    const { a, chatId } = await groupWithFile("type");
    const script = await upload(chatId, "self.addEventListener('fetch', () => {})", {
      token: a.token,
      type: "text/javascript",
      name: "sw.js",
    });
    expect(script.body.mime).toBe("text/javascript");
    const css = await upload(chatId, "body { color: red }", { token: a.token, type: "text/css", name: "x.css" });
    const png = await upload(chatId, imageBytes("png", 4, 4), { token: a.token, type: "image/png", name: "x.png" });
    const served = async (fileId: string) => {
      const res = await download(fileId, { token: a.token });
      await res.arrayBuffer();
      return { type: res.headers.get("content-type"), corp: res.headers.get("cross-origin-resource-policy") };
    };
    expect(await served(script.body.file_id)).toEqual({ type: "application/octet-stream", corp: "same-origin" });
    expect(await served(css.body.file_id)).toEqual({ type: "application/octet-stream", corp: "same-origin" });
    expect(await served(png.body.file_id)).toEqual({ type: "image/png", corp: "same-origin" });
    // By a signed link too.
    const link = (await urls(a.token, chatId, [script.body.file_id])).body.urls[script.body.file_id] as string;
    const res = await download(link);
    await res.arrayBuffer();
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
  });

  it("shows the safe image types inline", async () => {
    const { a, chatId } = await groupWithFile("img");
    const up = (await upload(chatId, imageBytes("webp", 20, 10), { token: a.token, type: "image/webp", name: "ü.webp" })).body;
    const res = await download(up.file_id, { token: a.token });
    expect(res.headers.get("content-type")).toBe("image/webp");
    expect(res.headers.get("content-disposition")).toMatch(/^inline; /);
    const svg = (await upload(chatId, "<svg/>", { token: a.token, type: "image/svg+xml", name: "x.svg" })).body;
    expect((await download(svg.file_id, { token: a.token })).headers.get("content-disposition")).toMatch(/^attachment; /);
  });

  it("answers a non-member, an unknown id and a malformed id with the same 404; no or a bad token with 401", async () => {
    const { stranger, fileId } = await groupWithFile("deny");
    const messages = new Set([
      await notFound(await download(fileId, { token: stranger.token })),
      await notFound(await download("0".repeat(32), { token: stranger.token })),
      await notFound(await download("not-an-id", { token: stranger.token })),
    ]);
    expect(messages.size).toBe(1);
    expect((await download(fileId)).status).toBe(401);
    expect((await download(fileId, { token: "x".repeat(40) })).status).toBe(401);
  });

  it("stops at removal from the group", async () => {
    const { a, b, chatId, fileId } = await groupWithFile("rm");
    expect((await download(fileId, { token: b.token })).status).toBe(200);
    await api({ mode: "removeMember", chat_id: chatId, username: b.username }, { token: a.token });
    await notFound(await download(fileId, { token: b.token }));
  });
});

describe("signed links", () => {
  it("getFileUrls gives members links that work without a token, over POST /api and the socket", async () => {
    const { a, b, chatId, fileId } = await groupWithFile("sig");
    const res = await urls(b.token, chatId, [fileId, "0".repeat(32)]);
    expect(res.status).toBe(200);
    // Files that are not (or no longer) in the chat are left out.
    expect(Object.keys(res.body.urls)).toEqual([fileId]);
    const link = res.body.urls[fileId] as string;
    expect(link).toMatch(new RegExp(`^/files/${fileId}\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));
    const exp = Number(new URL(link, "http://x").searchParams.get("exp"));
    expect(exp * 1000).toBeGreaterThanOrEqual(Date.now() + 3600_000 - 1000);
    const got = await download(link);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe(TEXT);
    const sa = await connect(a.token);
    const frame = await sa.request({ mode: "getFileUrls", chat_id: chatId, file_ids: [fileId] });
    expect(frame).toMatchObject({
      mode: "getFileUrls",
      status: 200,
      urls: { [fileId]: expect.stringMatching(/^\/files\//) },
    });
    sa.close();
  });

  it("answers a bad, borrowed or expired signature with the same 404 as an unknown file", async () => {
    const { b, chatId, fileId } = await groupWithFile("bad");
    const other = (await upload(chatId, "other", { token: b.token })).body.file_id as string;
    const link = (await urls(b.token, chatId, [fileId])).body.urls[fileId] as string;
    const { searchParams: q } = new URL(link, "http://x");
    const past = Math.floor(Date.now() / 1000) - 60;
    const bodies = new Set([
      await notFound(
        await download(`/files/${fileId}?exp=${q.get("exp")}&sig=${q.get("sig")!.replace(/^./, (c) => (c === "A" ? "B" : "A"))}`),
      ),
      await notFound(await download(`/files/${other}?exp=${q.get("exp")}&sig=${q.get("sig")}`)),
      await notFound(await download(`/files/${fileId}?exp=${Number(q.get("exp")) + 600}&sig=${q.get("sig")}`)),
      await notFound(await download(`/files/${fileId}?exp=${past}&sig=${await hmac(`${fileId}.${past}`)}`)),
      await notFound(await download(`/files/${fileId}?exp=${q.get("exp")}`)),
      await notFound(await download(`/files/${"0".repeat(32)}?exp=${q.get("exp")}&sig=${await hmac(`${"0".repeat(32)}.${q.get("exp")}`)}`)),
    ]);
    expect(bodies.size).toBe(1);
  });

  it("are only for members, at most 100 files a request", async () => {
    const { stranger, chatId, fileId } = await groupWithFile("only");
    expect((await urls(stranger.token, chatId, [fileId])).body).toMatchObject({ status: 404, error: "chat_not_found" });
    const many = await urls(
      stranger.token,
      chatId,
      Array.from({ length: 101 }, () => fileId),
    );
    expect(many.body).toMatchObject({
      status: 400,
      error: "invalid_request",
      fields: { file_ids: expect.any(String) },
    });
  });
});

describe("ranges and revalidation", () => {
  async function get(b: Account, fileId: string, headers: Record<string, string>) {
    const res = await download(fileId, { token: b.token, headers });
    return {
      status: res.status,
      range: res.headers.get("content-range"),
      length: res.headers.get("content-length"),
      body: await res.text(),
      etag: res.headers.get("etag"),
    };
  }

  it("answers a byte range with 206 and Content-Range, and a range past the end with 416", async () => {
    const { b, fileId } = await groupWithFile("rng");
    const n = TEXT.length;
    expect(await get(b, fileId, { Range: "bytes=0-9" })).toMatchObject({
      status: 206,
      range: `bytes 0-9/${n}`,
      length: "10",
      body: TEXT.slice(0, 10),
    });
    expect(await get(b, fileId, { Range: "bytes=100-" })).toMatchObject({
      status: 206,
      range: `bytes 100-${n - 1}/${n}`,
      body: TEXT.slice(100),
    });
    expect(await get(b, fileId, { Range: "bytes=-13" })).toMatchObject({
      status: 206,
      range: `bytes ${n - 13}-${n - 1}/${n}`,
      body: TEXT.slice(-13),
    });
    expect(await get(b, fileId, { Range: `bytes=${n - 5}-${n + 100}` })).toMatchObject({
      status: 206,
      range: `bytes ${n - 5}-${n - 1}/${n}`,
      body: TEXT.slice(-5),
    });
    expect(await get(b, fileId, { Range: `bytes=${n}-` })).toMatchObject({
      status: 416,
      range: `bytes */${n}`,
      body: "",
    });
    // Several ranges, or another unit: the whole file.
    expect(await get(b, fileId, { Range: "bytes=0-1,5-6" })).toMatchObject({ status: 200, body: TEXT });
    expect(await get(b, fileId, { Range: "lines=1-2" })).toMatchObject({ status: 200, body: TEXT });
  });

  it("resumes only the same version (If-Range), and revalidates with If-None-Match (304)", async () => {
    const { b, fileId } = await groupWithFile("etag");
    const { etag } = await get(b, fileId, {});
    expect(await get(b, fileId, { Range: "bytes=0-3", "If-Range": etag! })).toMatchObject({
      status: 206,
      body: TEXT.slice(0, 4),
    });
    expect(await get(b, fileId, { Range: "bytes=0-3", "If-Range": '"other"' })).toMatchObject({
      status: 200,
      body: TEXT,
    });
    expect(await get(b, fileId, { "If-None-Match": etag! })).toMatchObject({ status: 304, body: "" });
    expect(await get(b, fileId, { "If-None-Match": '"other"' })).toMatchObject({ status: 200, body: TEXT });
  });
});
