// Per-user limits, held by the user object and read off its clock, which these tests stop
// and move by hand: the edge is exact, and a request over it stores nothing.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, connect, directChat, inUserObject, registerUser, text, type Frame } from "./helpers";

const BURST = Number(env.SENDS_PER_USER_BURST);
const INTERVAL_MS = 1000 / Number(env.SENDS_PER_USER_PER_SECOND);
const GROUPS_PER_HOUR = Number(env.GROUP_CHANGES_PER_USER_PER_HOUR);

describe("sends per user", () => {
  it("allows exactly the burst, then one send per interval; over it 429 with the exact wait, and nothing stored", async () => {
    const { a, b, chatId } = await directChat("sl");
    const t0 = Date.now();
    await inUserObject(a.user.id, (o) => o.clock.stopAt(t0));
    const s = await connect(a.token);
    for (let i = 1; i <= BURST; i++) expect((await s.request(text(chatId, `m${i}`))).status).toBe(200);
    const over = await s.request(text(chatId, "one too many", { client_msg_id: "over" }));
    expect(over).toMatchObject({
      mode: "sendMessage",
      status: 429,
      error: "rate_limited",
      retry_after_ms: INTERVAL_MS,
    });
    // A millisecond short of the interval: still over, by exactly that millisecond.
    await inUserObject(a.user.id, (o) => o.clock.advance(INTERVAL_MS - 1));
    expect(await s.request(text(chatId, "still too soon"))).toMatchObject({ status: 429, retry_after_ms: 1 });
    const history = await api({ mode: "getMessages", chat_id: chatId, limit: 200 }, { token: b.token });
    expect(history.body.messages.map((m: Frame) => m.content)).toEqual(Array.from({ length: BURST }, (_, i) => `m${i + 1}`));
    // The refused client_msg_id was not stored either: sent now, it is a new message.
    await inUserObject(a.user.id, (o) => o.clock.advance(1));
    const after = await s.request(text(chatId, "one too many", { client_msg_id: "over" }));
    expect(after).toMatchObject({ status: 200, message: { seq: BURST + 1 } });
    expect(await s.request(text(chatId, "and again"))).toMatchObject({ status: 429, retry_after_ms: INTERVAL_MS });
    s.close();
  });

  it("counts edits and group sends with direct sends, per user", async () => {
    const { a, b, chatId } = await directChat("sl");
    const group = (await api({ mode: "createGroup", title: "g", members: [b.username] }, { token: a.token })).body.chat.chat_id as string;
    const t0 = Date.now();
    await inUserObject(a.user.id, (o) => o.clock.stopAt(t0));
    expect((await api(text(chatId, "first"), { token: a.token })).status).toBe(200);
    for (let i = 2; i < BURST; i++)
      expect(
        (await api({ mode: "sendGroupMessage", chat_id: group, content: `g${i}`, content_type: "text" }, { token: a.token })).status,
      ).toBe(200);
    expect((await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "edited" }, { token: a.token })).status).toBe(200);
    const edit = await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "edited twice" }, { token: a.token });
    expect(edit).toMatchObject({ status: 429, body: { error: "rate_limited", retry_after_ms: INTERVAL_MS } });
    expect((await api({ mode: "getMessages", chat_id: chatId }, { token: a.token })).body.messages[0].content).toBe("edited");
    // Another user has a burst of their own.
    expect((await api(text(chatId, "from b"), { token: b.token })).status).toBe(200);
  });
});

describe("group changes per user", () => {
  it(`allows ${GROUPS_PER_HOUR} createGroup and addMembers an hour, then 429 and no group`, async () => {
    const [a, b] = await Promise.all([registerUser("gl"), registerUser("gl")]);
    const t0 = Date.now();
    await inUserObject(a.user.id, (o) => o.clock.stopAt(t0));
    const first = (await api({ mode: "createGroup", title: "g0", members: [] }, { token: a.token })).body.chat.chat_id as string;
    for (let i = 1; i < GROUPS_PER_HOUR - 1; i++)
      expect((await api({ mode: "createGroup", title: `g${i}`, members: [] }, { token: a.token })).status).toBe(201);
    expect((await api({ mode: "addMembers", chat_id: first, members: [b.username] }, { token: a.token })).status).toBe(200);
    const over = await api({ mode: "createGroup", title: "one too many", members: [] }, { token: a.token });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: "rate_limited", retry_after_ms: 3_600_000 / GROUPS_PER_HOUR });
    expect((await api({ mode: "addMembers", chat_id: first, members: [b.username] }, { token: a.token })).status).toBe(429);
    expect((await api({ mode: "getChats" }, { token: a.token })).body.chats).toHaveLength(GROUPS_PER_HOUR - 1);
    // The count is stored: an object that restarts keeps it.
    expect(await inUserObject(a.user.id, (_o, state) => state.storage.kv.get("limits.group_changes"))).toBe(t0 + 3_600_000);
    await inUserObject(a.user.id, (o) => o.clock.advance(3_600_000 / GROUPS_PER_HOUR));
    expect((await api({ mode: "createGroup", title: "later", members: [] }, { token: a.token })).status).toBe(201);
  });
});
