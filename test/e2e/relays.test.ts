// Relay fan-out against a real `wrangler dev`: with a group large from 4 members and relays
// from 2 members online (over 4 shards), the group's pushes reach each client library through
// the relays, once each and in ev order; a client that was away catches up by ev.
import { ChatClient } from "edge-chat/client";
import { expect, it } from "vitest";
import { serverForThisFile } from "./server";

const server = serverForThisFile({ LARGE_GROUP_MEMBERS: "3", RELAY_FROM_ONLINE: "2", RELAY_SHARDS: "4" });

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

async function until<T>(fn: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function listen(token: string, chatId: string) {
  const client = new ChatClient({ url: server().wsUrl, token });
  const got: Frame[] = [];
  client.on("newMessage", (p) => {
    if (p.message.chat_id === chatId) got.push(p);
  });
  client.connect();
  return { client, got };
}

it("pushes a large group's messages through its relays to every client once, in ev order", async () => {
  const tag = Date.now().toString(36);
  const names = Array.from({ length: 5 }, (_, i) => `rl${tag}_${i}`);
  const tokens: string[] = [];
  for (const username of names) {
    const r = await api({ mode: "register", username, password: "e2e password", email: `${username}@example.com` });
    expect(r.status, JSON.stringify(r)).toBe(201);
    tokens.push(r.token);
  }
  const created = await api({ mode: "createGroup", title: "relayed", members: names.slice(1) }, tokens[0]);
  expect(created.chat).toMatchObject({ large: true, member_count: 5 });
  const chatId: string = created.chat.chat_id;

  const listeners = [1, 2, 3].map((i) => listen(tokens[i]!, chatId));
  try {
    for (const l of listeners) await until(() => l.client.state === "ready", "a client ready");
    const sent: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await api({ mode: "sendGroupMessage", chat_id: chatId, content: `relayed ${i}`, content_type: "text" }, tokens[0]);
      expect(r.status, JSON.stringify(r)).toBe(200);
      sent.push(r.ev);
    }
    for (const l of listeners) {
      await until(() => l.got.some((p) => p.ev === sent.at(-1)), "the last message pushed");
      const evs = l.got.map((p) => p.ev as number);
      expect(new Set(evs).size).toBe(evs.length);
      expect([...evs].sort((a, b) => a - b)).toEqual(evs);
      expect(l.got.filter((p) => p.message.content.startsWith("relayed")).map((p) => p.ev)).toEqual(sent);
    }

    // One client goes away, a message is sent, and a new client of that user catches up by ev.
    listeners[0]!.client.close();
    const missed = await api({ mode: "sendGroupMessage", chat_id: chatId, content: "while away", content_type: "text" }, tokens[0]);
    await until(() => listeners[1]!.got.some((p) => p.ev === missed.ev), "the others still pushed to");
    const back = listen(tokens[1]!, chatId);
    listeners[0] = back;
    await until(() => back.client.state === "ready", "the client back");
    const updates = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: sent.at(-1) }, tokens[1]);
    expect(updates.updates.map((u: Frame) => u.message?.content)).toEqual(["while away"]);
  } finally {
    for (const l of listeners) l.client.close();
  }
});
