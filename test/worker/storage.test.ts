// What requests leave behind: asking about a chat that does not exist, or that is not
// yours, creates no object and writes nothing anywhere.
import { env, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatObject } from "../../src/chat";
import type { UserObject } from "../../src/user";
import { api, chatStub, connect, registerUser, userStub, type Frame } from "./helpers";

const randomId = (kind: "d" | "g") => `${kind}_${crypto.randomUUID().replace(/-/g, "")}`;

/** Every chat mode, about `chatId`. */
const chatModes = (chatId: string, someone: string): Frame[] => [
  { mode: "getMessages", chat_id: chatId },
  { mode: "sendMessage", chat_id: chatId, content: "hello?", content_type: "text", client_msg_id: "probe" },
  { mode: "sendGroupMessage", chat_id: chatId, content: "hello?", content_type: "text" },
  { mode: "addMembers", chat_id: chatId, members: [someone] },
  { mode: "removeMember", chat_id: chatId, username: someone },
  { mode: "leaveChat", chat_id: chatId },
  { mode: "markRead", chat_id: chatId, seq: 1 },
  { mode: "typing", chat_id: chatId },
  { mode: "editMessage", chat_id: chatId, seq: 1, content: "changed" },
  { mode: "deleteMessage", chat_id: chatId, seq: 1 },
];

async function storedChatIds(): Promise<Set<string>> {
  return new Set((await listDurableObjectIds(env.CHATS)).map((id) => id.toString()));
}

const chatSize = (stub: DurableObjectStub<ChatObject>) => runInDurableObject(stub, (o: ChatObject) => o.probe.databaseSize());
const userSize = (stub: DurableObjectStub<UserObject>) => runInDurableObject(stub, (o: UserObject) => o.probe.databaseSize());

describe("asking about chats that are not yours", () => {
  it("a burst about unknown chats and another pair's chat: 404 each, no chat object woken, nothing written", async () => {
    const [a, b, c] = await Promise.all([registerUser("probeA"), registerUser("probeB"), registerUser("probeC")]);
    const theirs: string = (await api({ mode: "createChat", username: c.username }, { token: b.token })).body.chat.chat_id;
    await api({ mode: "sendMessage", chat_id: theirs, content: "private", content_type: "text" }, { token: b.token });
    const probes = [...Array.from({ length: 10 }, () => randomId("d")), ...Array.from({ length: 10 }, () => randomId("g"))];
    // Connected first: a socket sets its user object's alarm for its session's expiry.
    const s = await connect(a.token);
    const before = {
      chats: await storedChatIds(),
      theirs: await chatSize(chatStub(theirs)),
      mine: await userSize(userStub(a.user.id)),
    };

    const answers = await Promise.all([
      ...[...probes, theirs].flatMap((id) => chatModes(id, b.username)).map((f) => api(f, { token: a.token }).then((r) => r.body)),
      ...chatModes(probes[0]!, b.username).map((f) => s.request(f)),
    ]);
    for (const answer of answers) expect(answer).toMatchObject({ status: 404, error: "chat_not_found" });
    s.close();

    const after = await storedChatIds();
    for (const id of probes) expect(after.has(env.CHATS.idFromName(id).toString())).toBe(false);
    expect([...after].filter((id) => !before.chats.has(id))).toEqual([]);
    expect(await chatSize(chatStub(theirs))).toBe(before.theirs);
    expect(await userSize(userStub(a.user.id))).toBe(before.mine);
  });

  it("a chat object that was never created answers chat_not_found to every request and writes nothing, not even its schema", async () => {
    const a = await registerUser("probeD");
    const id = randomId("g");
    const chat = chatStub(id);
    const origin = { userId: a.user.id, socketId: "" };
    const results = await Promise.all([
      chat.getMessages(a.user.id, { mode: "getMessages", chat_id: id }),
      chat.send(a.user, "group", "hi", undefined, origin),
      chat.addMembers(a.user.id, [a.user], origin),
      chat.removeMember(a.user.id, a.user, origin),
      chat.leave(a.user.id, origin),
      chat.markRead(a.user.id, 1, origin),
      chat.typing(a.user.id),
      chat.edit(a.user.id, 1, "x", origin),
      chat.remove(a.user.id, 1, origin),
    ]);
    for (const r of results) expect(r).toMatchObject({ ok: false, error: { status: 404, error: "chat_not_found" } });
    // Woken, but it wrote nothing: no table, no alarm.
    const stored = await runInDurableObject(chat, async (o: ChatObject, state) => ({
      tables: o.probe.tables(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(stored).toEqual({ tables: [], alarm: null });
  });
});
