// searchMessages against a real `wrangler dev`, through the client library: a message is
// found by its words in any order and without its accents, by a substring in Japanese, by
// its new text once edited, and never once deleted.
import { expect, it } from "vitest";
import { ChatClient } from "edge-chat/client";
import { serverForThisFile } from "./server";

const server = serverForThisFile();

// biome-ignore lint/suspicious/noExplicitAny: a test reads any answer's fields loosely; the contract's schemas check frames elsewhere.
type Frame = Record<string, any>;

async function api(frame: Frame, token?: string): Promise<Frame> {
  const res = await fetch(`${server().url}/api`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token && { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify(frame),
  });
  return (await res.json()) as Frame;
}

async function until<T>(fn: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("finds messages by words, accents aside, by Japanese substrings, and never a deleted one", async () => {
  const tag = Date.now().toString(36);
  const [ann, bob] = await Promise.all(
    ["ann", "bob"].map(async (n) => {
      const username = `se${n}${tag}`;
      const r = await api({ mode: "register", username, password: "e2e password", email: `${username}@example.com` });
      expect(r.status, JSON.stringify(r)).toBe(201);
      return { username, token: r.token as string };
    }),
  );
  const chatId = (await api({ mode: "createChat", username: bob!.username }, ann!.token)).chat.chat_id as string;
  const say = async (content: string) =>
    (await api({ mode: "sendMessage", chat_id: chatId, content, content_type: "text" }, ann!.token)).message.seq as number;
  const first = await say("Rendez-vous au Café de Flore");
  await say("東京都庁で会いましょう");

  const client = new ChatClient({ url: server().wsUrl, token: bob!.token });
  client.connect();
  try {
    const find = async (query: string) => (await client.searchMessages({ query })).results;
    const [hit] = await until(async () => {
      const r = await find("flore cafe");
      return r.length === 1 && r;
    }, "the café message");
    expect(hit).toMatchObject({ chat_id: chatId, message: { seq: first }, snippet: "Rendez-vous au «Café» de «Flore»" });
    expect(await find("京都")).toMatchObject([{ snippet: "東«京都»庁で会いましょう" }]);

    expect((await api({ mode: "editMessage", chat_id: chatId, seq: first, content: "Rendez-vous à la gare" }, ann!.token)).status).toBe(
      200,
    );
    await until(async () => (await find("gare")).length === 1, "the edited text");
    expect(await find("flore")).toEqual([]);
    expect((await api({ mode: "deleteMessage", chat_id: chatId, seq: first }, ann!.token)).status).toBe(200);
    await until(async () => (await find("gare")).length === 0, "the deleted message gone");
    await expect(client.searchMessages({ query: "x".repeat(201) })).rejects.toMatchObject({ status: 400, error: "invalid_request" });
  } finally {
    client.close();
  }
});
