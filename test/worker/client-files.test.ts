// The client library's files: uploadFile, sendFile and getFileUrls against the real Worker.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ClientError, type ChatClient, type HttpFetch } from "../../src/client";
import { directChat, imageBytes, sha256 } from "./helpers";
import { PoolNetwork } from "./pool-network";

const httpFetch: HttpFetch = (url, init) => SELF.fetch(url, init as RequestInit);

async function pair(prefix: string): Promise<{ client: ChatClient; other: string; chatId: string }> {
  const { a, b, chatId } = await directChat(prefix);
  return { client: new PoolNetwork().client({ token: a.token, httpFetch }), other: b.token, chatId };
}

describe("the client's files", () => {
  it("uploads a file, reports progress, and sends an image as an image with a caption", async () => {
    const { client, chatId } = await pair("cf");
    const seen: Array<[number, number | null]> = [];
    const file = await client.uploadFile(chatId, new Blob([imageBytes("gif", 40, 30, 1000)], { type: "image/gif" }), {
      name: "cat.gif",
      onProgress: (s, t) => seen.push([s, t]),
    });
    expect(file).toMatchObject({ name: "cat.gif", mime: "image/gif", size: 1000, width: 40, height: 30 });
    expect(seen).toEqual([
      [0, 1000],
      [1000, 1000],
    ]);
    const sent = await client.sendFile(chatId, imageBytes("png", 2, 3), {
      name: "dot.png",
      type: "image/png",
      caption: "look",
    });
    expect(sent.message).toMatchObject({
      content: "look",
      content_type: "image",
      attachment: { name: "dot.png", width: 2, height: 3 },
    });
    const doc = await client.sendFile(chatId, new TextEncoder().encode("a,b\n1,2\n"), {
      name: "t.csv",
      type: "text/csv",
    });
    expect(doc.message).toMatchObject({ content: "", content_type: "file", attachment: { mime: "text/csv" } });
    client.close();
  });

  it("gives absolute download links that need no token", async () => {
    const { client, chatId } = await pair("cu");
    const bytes = new TextEncoder().encode("hello file");
    const { file } = await client.sendFile(chatId, bytes, { name: "h.txt", type: "text/plain" });
    const { urls } = await client.getFileUrls({ chat_id: chatId, file_ids: [file.file_id] });
    expect(urls[file.file_id]).toMatch(/^http:\/\/chat\.test\/files\/[0-9a-f]{32}\?exp=\d+&sig=/);
    const res = await SELF.fetch(urls[file.file_id]!);
    expect(await sha256(await res.arrayBuffer())).toBe(await sha256(bytes));
    client.close();
  });

  it("fails with the server's error, and with `aborted` when cancelled", async () => {
    const { client, chatId } = await pair("ce");
    const err = await client.uploadFile(chatId, new Uint8Array(0), { name: "empty" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ status: 400, error: "invalid_request", fields: { body: expect.any(String) } });
    const notMine = await client.uploadFile(`d_${"0".repeat(32)}`, new Uint8Array(1), { name: "x" }).catch((e: unknown) => e);
    expect(notMine).toMatchObject({ status: 404, error: "chat_not_found" });
    const cancel = new AbortController();
    cancel.abort();
    expect(await client.uploadFile(chatId, new Uint8Array(1), { name: "x", signal: cancel.signal }).catch((e: unknown) => e)).toMatchObject(
      {
        error: "aborted",
      },
    );
    client.close();
  });
});
