// The search index off the message path (#18): storing a message does no FTS work; a search
// first indexes what came since, and the alarm job keeps that backlog small. Each object's
// clock is stopped an hour ahead, so its search alarm (set by that clock) cannot ring by
// itself while a test runs: only the test rings it.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BACKLOG_NOW, BACKLOG_WAIT_MS } from "../../src/search";
import {
  api,
  chatStub,
  directChat,
  groupOf,
  imageBytes,
  inChatObject,
  inUserObject,
  LARGE_AT,
  registerUser,
  rested,
  sendMany,
  text,
  until,
  upload,
  userStub,
  type Account,
  type Frame,
} from "./helpers";

const HOUR = 3_600_000;

const userBacklog = (a: Account) => inUserObject(a.user.id, (o) => o.probe.searchBacklog());
const chatBacklog = (chatId: string) => inChatObject(chatId, (o) => o.probe.searchBacklog());
/** Stops the object's clock an hour ahead, and gives that time. */
const hold = (clock: { stopAt(ms: number): void; now(): number }) => {
  clock.stopAt(Date.now() + HOUR);
  return clock.now();
};
const holdUser = (a: Account) => inUserObject(a.user.id, (o) => hold(o.clock));
const holdChat = (chatId: string) => inChatObject(chatId, (o) => hold(o.clock));

async function contents(a: Account, query: string, extra: Frame = {}): Promise<string[]> {
  const res = await api({ mode: "searchMessages", query, ...extra }, { token: a.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results.map((r: Frame) => r.message.content as string);
}

async function say(a: Account, frame: Frame): Promise<number> {
  await rested(a);
  const res = await api(frame, { token: a.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.message.seq as number;
}

const edit = (a: Account, chatId: string, seq: number, content: string) => say(a, { mode: "editMessage", chat_id: chatId, seq, content });
const remove = (a: Account, chatId: string, seq: number) => say(a, { mode: "deleteMessage", chat_id: chatId, seq });

describe("a user's own index (direct chats and small groups)", () => {
  it("finds a message stored a moment before, edited before it was indexed only by its new text, deleted never", async () => {
    const { a, b, chatId } = await directChat("six");
    await Promise.all([holdUser(a), holdUser(b)]);
    const harbour = await say(a, text(chatId, "meet at the old harbour"));
    const secret = await say(a, text(chatId, "the password is swordfish"));
    await say(a, text(chatId, "plain lighthouse"));
    await edit(a, chatId, harbour, "meet at the new station");
    await remove(a, chatId, secret);
    // Five texts rows' worth of changes reached b's log; none is indexed yet.
    await until(async () => (await userBacklog(b)) === 3, "b's three texts stored");
    expect(await userBacklog(a)).toBe(3);
    for (const who of [a, b]) {
      expect(await contents(who, "lighthouse")).toEqual(["plain lighthouse"]);
      expect(await contents(who, "station")).toEqual(["meet at the new station"]);
      expect(await contents(who, "harbour")).toEqual([]);
      expect(await contents(who, "swordfish")).toEqual([]);
      expect(await userBacklog(who)).toBe(0);
    }
    // Indexed now: an edit or delete takes effect in the index at once.
    await edit(a, chatId, harbour, "meet at the harbour again");
    await say(a, text(chatId, "another lighthouse"));
    await until(async () => (await userBacklog(b)) === 1, "b's next text stored");
    expect(await contents(b, "harbour")).toEqual(["meet at the harbour again"]);
    expect(await contents(b, "lighthouse")).toEqual(["another lighthouse", "plain lighthouse"]);
  });

  it("the alarm job indexes the backlog, asked for some seconds after its first row", async () => {
    const { a, b, chatId } = await directChat("sjob");
    const [, t] = await Promise.all([holdUser(a), holdUser(b)]);
    const first = await say(a, text(chatId, "quiet evening"));
    await say(a, text(chatId, "quiet night"));
    await remove(a, chatId, first);
    await until(async () => (await userBacklog(b)) === 2, "b's texts stored");
    expect(await inUserObject(b.user.id, (_o, state) => state.storage.getAlarm())).toBe(t + BACKLOG_WAIT_MS);
    // Rung before its time (another job's, or a wish from before a restart), it waits.
    expect(await runDurableObjectAlarm(userStub(b.user.id))).toBe(true);
    expect(await userBacklog(b)).toBe(2);
    await inUserObject(b.user.id, (o) => o.clock.advance(BACKLOG_WAIT_MS));
    expect(await runDurableObjectAlarm(userStub(b.user.id))).toBe(true);
    expect(await userBacklog(b)).toBe(0);
    expect(await contents(b, "quiet")).toEqual(["quiet night"]);
  });

  it(`asks for the alarm job at once when ${BACKLOG_NOW} texts wait`, async () => {
    const { a, b, chatId } = await directChat("sbig");
    const [, t] = await Promise.all([holdUser(a), holdUser(b)]);
    await sendMany(a, chatId, BACKLOG_NOW - 1);
    await until(async () => (await userBacklog(b)) === BACKLOG_NOW - 1, "b's texts stored");
    expect(await inUserObject(b.user.id, (_o, state) => state.storage.getAlarm())).toBe(t + BACKLOG_WAIT_MS);
    await say(a, text(chatId, "the last straw"));
    await until(async () => (await userBacklog(b)) === BACKLOG_NOW, "b's last text stored");
    expect(await inUserObject(b.user.id, (_o, state) => state.storage.getAlarm())).toBe(t);
    expect(await runDurableObjectAlarm(userStub(b.user.id))).toBe(true);
    expect(await userBacklog(b)).toBe(0);
    expect(await contents(b, "straw")).toEqual(["the last straw"]);
    expect(await contents(b, "m7")).toContain("m7");
  });
});

describe("a chat object's index (large groups, and small groups' messages before a late joining)", () => {
  it("a large group: found at once, edited and deleted before indexing as they are now, then by the alarm job", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT + 1, "slx");
    const t = await holdChat(chatId);
    const group = (content: string) => ({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text" });
    const harbour = await say(owner, group("meet at the old harbour"));
    const secret = await say(owner, group("the password is swordfish"));
    await edit(owner, chatId, harbour, "meet at the new station");
    await remove(owner, chatId, secret);
    expect(await chatBacklog(chatId)).toBe(2);
    const reader = rest[0]!;
    expect(await contents(reader, "station")).toEqual(["meet at the new station"]);
    expect(await contents(reader, "harbour")).toEqual([]);
    expect(await contents(reader, "swordfish")).toEqual([]);
    expect(await chatBacklog(chatId)).toBe(0);

    await say(owner, group("a later harbour"));
    expect(await chatBacklog(chatId)).toBe(1);
    expect(await inChatObject(chatId, (_o, state) => state.storage.getAlarm())).toBeLessThanOrEqual(t + BACKLOG_WAIT_MS);
    await inChatObject(chatId, (o) => o.clock.advance(BACKLOG_WAIT_MS));
    expect(await runDurableObjectAlarm(chatStub(chatId))).toBe(true);
    expect(await chatBacklog(chatId)).toBe(0);
    expect(await contents(reader, "harbour")).toEqual(["a later harbour"]);
  });

  it("a late joiner of a small group finds what was said before, as it is now", async () => {
    const { owner, chatId } = await groupOf(3, "slate");
    await holdChat(chatId);
    const group = (content: string) => ({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text" });
    const before = await say(owner, group("lantern before"));
    const gone = await say(owner, group("lantern gone"));
    await edit(owner, chatId, before, "lantern before, edited");
    await remove(owner, chatId, gone);
    const late = await registerUser("slateL");
    expect((await api({ mode: "addMembers", chat_id: chatId, members: [late.username] }, { token: owner.token })).status).toBe(200);
    expect(await chatBacklog(chatId)).toBe(2);
    expect(await contents(late, "lantern")).toEqual(["lantern before, edited"]);
    expect(await chatBacklog(chatId)).toBe(0);
  });
});

describe("a user object's index table", () => {
  it("is made with the first text it indexes: a search before finds nothing and makes nothing", async () => {
    const { a, b, chatId } = await directChat("slazy");
    const tables = () => inUserObject(a.user.id, (o) => o.probe.tables());
    expect(await tables()).not.toContain("search");
    expect(await contents(a, "hello")).toEqual([]);
    expect(await tables()).not.toContain("search");
    expect((await api(text(chatId, "hello there"), { token: b.token })).status).toBe(200);
    // Delivered to a's object after the answer: searched until it is there.
    await until(async () => (await contents(a, "hello")).length > 0, "the message found");
    expect(await contents(a, "hello")).toEqual(["hello there"]);
    expect(await tables()).toContain("search");
  });

  it("is made by an edit that gives text to a message indexed with none (an image's caption)", async () => {
    const { a, chatId } = await directChat("scap");
    const tables = () => inUserObject(a.user.id, (o) => o.probe.tables());
    const up = await upload(chatId, imageBytes("png", 40, 30, 512), { token: a.token, type: "image/png", name: "pier.png" });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const seq = await say(a, {
      mode: "sendMessage",
      chat_id: chatId,
      content: "",
      content_type: "image",
      attachment: { file_id: up.body.file_id },
    });
    // The search indexes the image (no text: the mark moves past it, no table is made).
    expect(await contents(a, "pier")).toEqual([]);
    expect(await userBacklog(a)).toBe(0);
    expect(await tables()).not.toContain("search");
    await edit(a, chatId, seq, "the old pier at dawn");
    expect(await contents(a, "pier")).toEqual(["the old pier at dawn"]);
    expect(await tables()).toContain("search");
  });
});
