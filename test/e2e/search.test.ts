// searchMessages against a real `wrangler dev`, through the client library: a message is
// found by its words in any order and without its accents, by a substring in Japanese, by
// its new text once edited, and never once deleted.
import { expect, it } from "vitest";
import { ChatClient } from "edge-chat/client";
import { post, until, type Frame } from "./helpers";
import { serverForThisFile } from "./server";

const server = serverForThisFile();

const api = async (frame: Frame, token?: string) => (await post(server().url, frame, token)).body;

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
