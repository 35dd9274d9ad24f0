// The user object's chat stubs: a stub whose call threw is dropped and the next call gets a
// new one (Cloudflare: a stub that threw may be broken for good).
import { env, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import type { ChatObject } from "../../src/chat";
import { api, inUserObject, registerUser } from "./helpers";

it("drops a chat's stub after a call on it threw, and the next request works", async () => {
  const [a, b] = await Promise.all([registerUser("csA"), registerUser("csB")]);
  const chatId = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id;
  const dropped = () => inUserObject(a.user.id, (o) => (o as unknown as { calls: { dropped: number } }).calls.dropped);
  const chat = env.CHATS.get(env.CHATS.idFromName(chatId));
  const proto = await runInDurableObject(chat, (o: ChatObject) => Object.getPrototypeOf(o) as ChatObject);
  const real = proto.getMessages;
  proto.getMessages = () => {
    throw new Error("injected RPC failure");
  };
  try {
    expect((await api({ mode: "getMessages", chat_id: chatId }, { token: a.token })).body).toMatchObject({
      status: 500,
      error: "internal",
    });
  } finally {
    proto.getMessages = real;
  }
  expect(await dropped()).toBe(1);
  expect((await api({ mode: "getMessages", chat_id: chatId }, { token: a.token })).body).toMatchObject({
    status: 200,
    messages: [],
  });
  expect(await dropped()).toBe(1);
});
