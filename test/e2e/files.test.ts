// Files against a real `wrangler dev` (its local R2 bucket): a 10 MiB file up and down
// through the client library, byte for byte, as bytes and as a stream of known size.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/local-server";
import { ChatClient } from "../../src/client";
import { post } from "./helpers";

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(async () => {
  await server?.stop();
});

const MIB = 2 ** 20;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function register(prefix: string): Promise<{ token: string; username: string }> {
  const username = `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const { body } = await post(server.url, { mode: "register", username, password: "e2e password", email: `${username}@example.com` });
  return { token: body.token as string, username };
}

it("a 10 MiB file goes up and comes down with the same SHA-256, as bytes and as a stream with its size", async () => {
  const [a, b] = await Promise.all([register("fa"), register("fb")]);
  const alice = new ChatClient({ url: server.wsUrl, token: a.token });
  const bob = new ChatClient({ url: server.wsUrl, token: b.token });
  try {
    const { chat } = await alice.createChat({ username: b.username });
    const bytes = new Uint8Array(randomBytes(10 * MIB));
    const { message, file } = await alice.sendFile(chat.chat_id, bytes, {
      name: "ten.bin",
      type: "application/octet-stream",
      caption: "10 MiB",
    });
    expect(file.size).toBe(10 * MIB);
    expect(message.attachment).toEqual(file);

    const { urls } = await bob.getFileUrls({ chat_id: chat.chat_id, file_ids: [file.file_id] });
    const res = await fetch(urls[file.file_id]!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(10 * MIB));
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(bytes));
    // Resuming: the last MiB by range, with a token.
    const tail = await fetch(`${server.url}/files/${file.file_id}`, {
      headers: { Authorization: `Bearer ${b.token}`, Range: `bytes=${9 * MIB}-` },
    });
    expect(tail.status).toBe(206);
    expect(sha(new Uint8Array(await tail.arrayBuffer()))).toBe(sha(bytes.subarray(9 * MIB)));

    // A stream with its size: streamed to R2 as it arrives; without one, refused (411).
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.byteLength) return c.close();
        const from = at;
        at += 256 * 1024;
        c.enqueue(bytes.slice(from, at));
      },
    });
    const noLength = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(1024));
        c.close();
      },
    });
    expect(await alice.uploadFile(chat.chat_id, noLength, { name: "unsized.bin" }).catch((e: unknown) => e)).toMatchObject({
      status: 411,
      error: "invalid_request",
      fields: { "Content-Length": expect.any(String) },
    });
    const chunked = await alice.uploadFile(chat.chat_id, stream, { name: "ten-chunked.bin", size: bytes.byteLength });
    expect(chunked.size).toBe(10 * MIB);
    const again = await fetch(`${server.url}/files/${chunked.file_id}`, {
      headers: { Authorization: `Bearer ${a.token}` },
    });
    expect(sha(new Uint8Array(await again.arrayBuffer()))).toBe(sha(bytes));
  } finally {
    alice.close();
    bob.close();
  }
});
