// Large groups against a real `wrangler dev` with the deployed default LARGE_GROUP_MEMBERS
// (50): a group of 50 is small, the 51st member makes it large. The client library (Node's
// own WebSocket) follows the switch and then the group's pushes by ev.
import { expect, it } from "vitest";
import { ChatClient } from "edge-chat/client";
import { post, until, type Frame } from "./helpers";
import { serverForThisFile } from "./server";

const server = serverForThisFile();

const api = async (frame: Frame, token?: string) => (await post(server().url, frame, token)).body;

it("a group of 50 stays small and the 51st member makes it large; the client follows it by ev", async () => {
  const tag = Date.now().toString(36);
  const names = Array.from({ length: 52 }, (_, i) => `lg${tag}_${String(i).padStart(2, "0")}`);
  const tokens: string[] = [];
  // Registration runs a PBKDF2 each: a few at a time.
  for (let i = 0; i < names.length; i += 4) {
    const batch = await Promise.all(
      names
        .slice(i, i + 4)
        .map((username) => api({ mode: "register", username, password: "e2e password", email: `${username}@example.com` })),
    );
    for (const r of batch) {
      expect(r.status, JSON.stringify(r)).toBe(201);
      tokens.push(r.token);
    }
  }
  const [owner, bob] = [tokens[0]!, tokens[1]!];

  const created = await api({ mode: "createGroup", title: "fifty", members: names.slice(1, 50) }, owner);
  expect(created.chat).toMatchObject({ member_count: 50 });
  expect(created.chat.members).toHaveLength(50);
  expect(created.chat.large).toBeUndefined();
  const chatId: string = created.chat.chat_id;

  const client = new ChatClient({ url: server().wsUrl, token: bob });
  const messages: Frame[] = [];
  client.on("newMessage", (p) => messages.push(p));
  client.connect();
  try {
    await until(() => client.state === "ready", "bob's client ready");
    await api({ mode: "sendGroupMessage", chat_id: chatId, content: "while small", content_type: "text" }, owner);
    await until(() => messages.length === 1, "the small group's push");
    expect(messages[0]).toMatchObject({ pts: expect.any(Number), message: { content: "while small" } });

    const grown = await api({ mode: "addMembers", chat_id: chatId, members: [names[50]] }, owner);
    expect(grown.chat).toMatchObject({ large: true, member_count: 51, ev: expect.any(Number) });
    expect(grown.chat.members).toBeUndefined();
    await until(() => client.evs[chatId] === grown.chat.ev, "bob's client following the group from the switch");

    for (let i = 1; i <= 3; i++)
      await api({ mode: "sendGroupMessage", chat_id: chatId, content: `large ${i}`, content_type: "text" }, owner);
    await until(() => messages.length === 4, "three pushes by ev");
    expect(messages.slice(1).map((p) => [p.ev, p.pts, p.message.content])).toEqual([
      [grown.chat.ev + 1, undefined, "large 1"],
      [grown.chat.ev + 2, undefined, "large 2"],
      [grown.chat.ev + 3, undefined, "large 3"],
    ]);

    // The member who joined last reads the group from the chat object, not their log.
    const late = tokens[50]!;
    const log = await api({ mode: "sync", since: 0 }, late);
    expect(log.updates.map((u: Frame) => u.mode)).toEqual(["chatCreated"]);
    const updates = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0 }, late);
    expect(updates.updates.map((u: Frame) => u.message.content)).toEqual(["large 1", "large 2", "large 3"]);
    const members = await api({ mode: "getMembers", chat_id: chatId, limit: 40 }, late);
    const more = await api({ mode: "getMembers", chat_id: chatId, after: members.members.at(-1).username }, late);
    expect([...members.members, ...more.members].map((m: Frame) => m.username)).toEqual(names.slice(0, 51));
    expect(more.has_more).toBe(false);
    const outsider = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0 }, tokens[51]);
    expect(outsider).toMatchObject({ status: 404, error: "chat_not_found" });
  } finally {
    client.close();
  }
});
