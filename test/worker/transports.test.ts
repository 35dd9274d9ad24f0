// The same flows over a socket and over POST /api give the same answers.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expireSessions } from "../../src/accounts/testing";
import { api, connect, registerUser, unique, untilPts, upgrade, type Frame, type TestSocket } from "./helpers";

type Call = (frame: Frame) => Promise<Frame>;
type Driver = (token: string) => Promise<{ call: Call; done: () => void }>;

const overApi: Driver = async (token) => ({
  call: async (frame) => {
    const { status, body } = await api(frame, { token });
    expect(body.status).toBe(status);
    return body;
  },
  done: () => {},
});

const overSocket: Driver = async (token) => {
  const s: TestSocket = await connect(token);
  return { call: (frame) => s.request(frame), done: () => s.close() };
};

describe.each([
  ["POST /api", overApi],
  ["a socket", overSocket],
])("over %s", (_name, drive) => {
  it("runs a whole conversation with the contract's answers", async () => {
    const [a, b] = await Promise.all([registerUser("tA"), registerUser("tB")]);
    const [da, db] = await Promise.all([drive(a.token), drive(b.token)]);
    const chat = await da.call({ mode: "createChat", username: b.username });
    expect(chat).toMatchObject({
      mode: "createChat",
      status: 201,
      chat: { type: "direct", title: b.username },
      pts: 1,
    });
    const id = chat.chat.chat_id;
    const sent = await da.call({
      mode: "sendMessage",
      chat_id: id,
      content: "hi",
      content_type: "text",
      client_msg_id: "k1",
    });
    expect(sent).toMatchObject({ status: 200, message: { seq: 1, content: "hi", client_msg_id: "k1" }, pts: 2 });
    await untilPts(b.token, 2);
    expect(await db.call({ mode: "getMessages", chat_id: id })).toMatchObject({
      status: 200,
      chat_id: id,
      messages: [{ seq: 1 }],
      has_more: false,
    });
    expect(await db.call({ mode: "markRead", chat_id: id, seq: 1 })).toMatchObject({
      status: 200,
      last_read_seq: 1,
      unread: 0,
      pts: 3,
    });
    expect(await db.call({ mode: "typing", chat_id: id })).toMatchObject({ status: 200 });
    expect(await da.call({ mode: "editMessage", chat_id: id, seq: 1, content: "hello" })).toMatchObject({
      status: 200,
      message: { content: "hello" },
    });
    expect(await da.call({ mode: "deleteMessage", chat_id: id, seq: 1 })).toMatchObject({
      status: 200,
      message: { deleted: true },
    });
    await untilPts(b.token, 5);
    const group = await da.call({ mode: "createGroup", title: "g", members: [b.username] });
    expect(group).toMatchObject({ status: 201, chat: { type: "group", owner: a.username } });
    expect(await da.call({ mode: "sendGroupMessage", chat_id: group.chat.chat_id, content: "all", content_type: "text" })).toMatchObject({
      status: 200,
    });
    await untilPts(b.token, 7);
    expect(await db.call({ mode: "leaveChat", chat_id: group.chat.chat_id })).toMatchObject({
      status: 200,
      chat_id: group.chat.chat_id,
    });
    await untilPts(b.token, 8);
    const chats = await db.call({ mode: "getChats" });
    expect(chats.chats.map((c: Frame) => c.chat_id)).toEqual([id]);
    const sync = await db.call({ mode: "sync", since: 0 });
    expect(sync.updates.map((u: Frame) => u.pts)).toEqual(sync.updates.map((_: Frame, i: number) => i + 1));
    expect(sync.updates.map((u: Frame) => u.mode)).toEqual([
      "chatCreated",
      "newMessage",
      "readReceipt",
      "messageEdited",
      "messageDeleted",
      "chatCreated",
      "newMessage",
      "removedFromChat",
    ]);
    // Errors carry the same codes too.
    expect(await db.call({ mode: "sendGroupMessage", chat_id: group.chat.chat_id, content: "x", content_type: "text" })).toMatchObject({
      status: 404,
      error: "chat_not_found",
    });
    expect(await db.call({ mode: "editMessage", chat_id: id, seq: 1, content: "x" })).toMatchObject({
      status: 403,
      error: "forbidden",
    });
    expect(await db.call({ mode: "createChat", username: unique("ghost") })).toMatchObject({
      status: 404,
      error: "user_not_found",
    });
    expect(await da.call({ mode: "ping" })).toMatchObject({ mode: "pong", status: 200 });
    da.done();
    db.done();
  });
});

describe("session expiry", () => {
  it("an expired session is refused at the upgrade and over the API", async () => {
    const a = await registerUser("exp");
    await expireSessions(env, { userId: a.user.id }, Date.now() - 1);
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(401);
    expect((await upgrade(`?token=${a.token}`)).status).toBe(401);
    expect((await api({ mode: "auth", username: a.username, password: a.password })).status).toBe(200);
  });
});
