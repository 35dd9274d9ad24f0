// Replies, reactions and mentions (protocol.md, "Replies, reactions and mentions"), each
// rule in a direct chat, a small group and a large group (more than LARGE_AT members).
import { describe, expect, it } from "vitest";
import { api, directChat, groupOf, LARGE_AT, listening, rested, unique, until, type Account, type Frame } from "./helpers";

type Kind = "direct" | "small" | "large";

interface Chat {
  kind: Kind;
  a: Account;
  b: Account;
  chatId: string;
  send(who: Account, content: string, extra?: Frame): Promise<{ status: number; body: Frame }>;
}

async function chatOf(kind: Kind): Promise<Chat> {
  const prefix = unique(kind[0]);
  if (kind === "direct") {
    const { a, b, chatId } = await directChat(prefix);
    return {
      kind,
      a,
      b,
      chatId,
      send: (who, content, extra = {}) =>
        api({ mode: "sendMessage", chat_id: chatId, content, content_type: "text", ...extra }, { token: who.token }),
    };
  }
  const { owner, rest, chatId } = await groupOf(kind === "small" ? 3 : LARGE_AT + 1, prefix);
  return {
    kind,
    a: owner,
    b: rest[0]!,
    chatId,
    send: (who, content, extra = {}) =>
      api({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text", ...extra }, { token: who.token }),
  };
}

const call = (who: Account, frame: Frame) => api(frame, { token: who.token });
const page = (c: Chat, who: Account, extra: Frame = {}) => call(who, { mode: "getMessages", chat_id: c.chatId, ...extra });
const bySeq = async (c: Chat, who: Account, seq: number) => ((await page(c, who)).body.messages as Frame[]).find((m) => m.seq === seq)!;

/** Everything a member can replay of the chat: their log (sync), and a large group's updates. */
async function replays(c: Chat, who: Account): Promise<string> {
  const log = await call(who, { mode: "sync", since: 0, limit: 500 });
  const updates = c.kind === "large" ? await call(who, { mode: "getChatUpdates", chat_id: c.chatId, since_ev: 0 }) : null;
  return JSON.stringify([log.body, updates?.body]);
}

describe.each(["direct", "small", "large"] as Kind[])("in a %s chat", (kind) => {
  it("a reply quotes its original, kept current on edit and emptied on delete, everywhere", async () => {
    const c = await chatOf(kind);
    const orig = (await c.send(c.a, "the original words")).body.message;
    const res = await c.send(c.b, "my answer", { reply_to: orig.seq });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.message.reply_to).toEqual({ seq: orig.seq, sender: c.a.username, preview: "the original words" });
    expect(c.kind === "large" ? res.body.ev : res.body.pts).toBeGreaterThan(0);
    const reply = res.body.message.seq as number;

    expect((await call(c.a, { mode: "editMessage", chat_id: c.chatId, seq: orig.seq, content: "secret second words" })).status).toBe(200);
    expect((await bySeq(c, c.b, reply)).reply_to).toEqual({ seq: orig.seq, sender: c.a.username, preview: "secret second words" });

    expect((await call(c.a, { mode: "deleteMessage", chat_id: c.chatId, seq: orig.seq })).status).toBe(200);
    expect((await bySeq(c, c.b, reply)).reply_to).toEqual({ seq: orig.seq, sender: c.a.username, preview: "", deleted: true });
    for (const who of [c.a, c.b]) {
      const all = await replays(c, who);
      expect(all).not.toContain("secret second words");
      expect(all).not.toContain("the original words");
    }
  });

  it("a reply to a missing or deleted message is refused and stores nothing", async () => {
    const c = await chatOf(kind);
    const one = (await c.send(c.a, "one")).body.message;
    await call(c.a, { mode: "deleteMessage", chat_id: c.chatId, seq: one.seq });
    for (const replyTo of [one.seq, one.seq + 5]) {
      const res = await c.send(c.b, "to nothing", { reply_to: replyTo });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: "invalid_request", fields: { reply_to: expect.any(String) } });
    }
    const bad = await c.send(c.b, "to nothing", { reply_to: "x" });
    expect(bad.body).toMatchObject({ error: "invalid_request", fields: { reply_to: expect.any(String) } });
    expect(((await page(c, c.b)).body.messages as Frame[]).map((m) => m.seq)).toEqual([one.seq]);
  });

  it("getMessages around a seq: it and its nearest, evenly split, with has_more_before and _after", async () => {
    const c = await chatOf(kind);
    for (let i = 1; i <= 9; i++) await c.send(c.a, `m${i}`);
    const first = ((await page(c, c.a, { limit: 1, after_seq: 0 })).body.messages as Frame[])[0]!.seq as number;
    const mid = await page(c, c.b, { around_seq: first + 4, limit: 5 });
    expect((mid.body.messages as Frame[]).map((m) => m.content)).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect(mid.body).toMatchObject({ has_more_before: true, has_more_after: true });
    const start = await page(c, c.b, { around_seq: first, limit: 4 });
    expect((start.body.messages as Frame[]).map((m) => m.content)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(start.body).toMatchObject({ has_more_before: first > 1, has_more_after: true });
    const end = await page(c, c.b, { around_seq: first + 8, limit: 4 });
    expect((end.body.messages as Frame[]).map((m) => m.content)).toEqual(["m6", "m7", "m8", "m9"]);
    expect(end.body).toMatchObject({ has_more_after: false });
    const unknown = await page(c, c.b, { around_seq: first + 100 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("message_not_found");
  });

  it("reactions: counts in first-come order, mine in answers, a push to every member, idempotent", async () => {
    const c = await chatOf(kind);
    const seq = (await c.send(c.a, "react to me")).body.message.seq as number;
    const watcher = await listening(c.a.token);
    const react = (who: Account, emoji: string, mode = "react") => call(who, { mode, chat_id: c.chatId, seq, emoji });

    const first = await react(c.b, "👍");
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.message.reactions).toEqual([{ emoji: "👍", count: 1, mine: true }]);
    expect(c.kind === "large" ? first.body.ev : first.body.pts).toBeGreaterThan(0);
    const push = await watcher.nextPush("reactionChanged");
    expect(push).toMatchObject({
      chat_id: c.chatId,
      seq,
      username: c.b.username,
      emoji: "👍",
      added: true,
      reactions: [{ emoji: "👍", count: 1 }],
    });
    expect(c.kind === "large" ? push.ev : push.pts).toBeGreaterThan(0);
    expect(push.reactions[0].mine).toBeUndefined();

    // A second identical react changes nothing: no pts, no push.
    const again = await react(c.b, "👍");
    expect(again.status).toBe(200);
    expect(again.body.pts).toBeUndefined();
    expect(again.body.ev).toBeUndefined();

    await react(c.a, "🎉");
    await react(c.a, "👍");
    const mine = (await bySeq(c, c.a, seq)).reactions;
    expect(mine).toEqual([
      { emoji: "👍", count: 2, mine: true },
      { emoji: "🎉", count: 1, mine: true },
    ]);
    expect((await bySeq(c, c.b, seq)).reactions).toEqual([
      { emoji: "👍", count: 2, mine: true },
      { emoji: "🎉", count: 1, mine: false },
    ]);

    const gone = await react(c.b, "👍", "unreact");
    expect(gone.body.message.reactions).toEqual([
      { emoji: "👍", count: 1, mine: false },
      { emoji: "🎉", count: 1, mine: false },
    ]);
    expect((await react(c.b, "👍", "unreact")).body.pts).toBeUndefined();
    const who = await call(c.b, { mode: "getReactions", chat_id: c.chatId, seq });
    expect(who.body).toEqual(expect.objectContaining({ has_more: false }));
    expect(who.body.reactions).toEqual([
      { username: c.a.username, emoji: "🎉" },
      { username: c.a.username, emoji: "👍" },
    ]);
    if (c.kind !== "large") {
      const log = (await call(c.a, { mode: "sync", since: 0, limit: 500 })).body.updates as Frame[];
      expect(log.filter((u) => u.mode === "reactionChanged").map((u) => [u.username, u.emoji, u.added])).toEqual([
        [c.b.username, "👍", true],
        [c.a.username, "🎉", true],
        [c.a.username, "👍", true],
        [c.b.username, "👍", false],
      ]);
    } else {
      const updates = (await call(c.b, { mode: "getChatUpdates", chat_id: c.chatId, since_ev: 0 })).body.updates as Frame[];
      expect(updates.filter((u) => u.mode === "reactionChanged")).toHaveLength(4);
    }
    watcher.close();
  });

  it("reaction limits and bad input: refused, nothing stored", async () => {
    const c = await chatOf(kind);
    const seq = (await c.send(c.a, "limits")).body.message.seq as number;
    const react = (who: Account, emoji: unknown, s = seq) => call(who, { mode: "react", chat_id: c.chatId, seq: s, emoji });
    for (const bad of ["👍👍", "ok", "a", "", "👍🏽x", 7]) {
      const res = await react(c.b, bad);
      expect(res.status, String(bad)).toBe(400);
      expect(res.body).toMatchObject({ error: "invalid_request", fields: { emoji: expect.any(String) } });
    }
    // One cluster each, however many code points: a flag, a skin tone, a family, a keycap.
    for (const good of ["🇫🇷", "👍🏽", "👩‍👩‍👧"]) expect((await react(c.b, good)).status, good).toBe(200);
    const fourth = await react(c.b, "1️⃣");
    expect(fourth.status).toBe(400);
    expect(fourth.body.fields.emoji).toBeDefined();
    expect((await call(c.b, { mode: "getReactions", chat_id: c.chatId, seq })).body.reactions).toHaveLength(3);
    expect((await react(c.b, "🎉", seq + 50)).body.error).toBe("message_not_found");
    const deleted = (await c.send(c.a, "gone soon")).body.message.seq as number;
    await react(c.b, "🎉", deleted);
    await call(c.a, { mode: "deleteMessage", chat_id: c.chatId, seq: deleted });
    const onDeleted = await react(c.b, "🎉", deleted);
    expect(onDeleted.status).toBe(404);
    expect(onDeleted.body.error).toBe("message_not_found");
    expect((await bySeq(c, c.a, deleted)).reactions).toBeUndefined();
  });

  it("mentions: members only, as they spell them; at most 50; an edit without mentions keeps them", async () => {
    const c = await chatOf(kind);
    const res = await c.send(c.a, "hey", { mentions: [c.b.username.toUpperCase(), "nobody_here", c.b.username] });
    expect(res.status).toBe(200);
    expect(res.body.message.mentions).toEqual([c.b.username]);
    const seq = res.body.message.seq as number;
    const edited = await call(c.a, { mode: "editMessage", chat_id: c.chatId, seq, content: "hey again" });
    expect(edited.body.message.mentions).toEqual([c.b.username]);
    const cleared = await call(c.a, { mode: "editMessage", chat_id: c.chatId, seq, content: "hey all", mentions: [c.a.username] });
    expect(cleared.body.message.mentions).toEqual([c.a.username]);
    const many = Array.from({ length: 51 }, (_, i) => `name${i}`);
    const over = await c.send(c.a, "too many", { mentions: many });
    expect(over.status).toBe(400);
    expect(over.body).toMatchObject({ error: "invalid_request", fields: { mentions: expect.any(String) } });
    expect((await page(c, c.a)).body.messages).toHaveLength(1);
  });

  it("unread_mentions counts messages mentioning me after my read position; markRead lowers it", async () => {
    const c = await chatOf(kind);
    const chatOfB = async () => ((await call(c.b, { mode: "getChats" })).body.chats as Frame[]).find((x) => x.chat_id === c.chatId)!;
    // Sending reads the chat up to one's own message: mine come first.
    await c.send(c.b, "I mention myself", { mentions: [c.b.username] });
    await c.send(c.a, "not you");
    const first = (await c.send(c.a, "you, secret mention", { mentions: [c.b.username] })).body.message.seq as number;
    const second = (await c.send(c.a, "you again", { mentions: [c.b.username] })).body.message.seq as number;
    await until(async () => (await chatOfB()).unread_mentions === 2, "two unread mentions");
    if (c.kind === "large") {
      // An offline member learns of it from their own log.
      const log = (await call(c.b, { mode: "sync", since: 0, limit: 500 })).body.updates as Frame[];
      expect(log.filter((u) => u.mode === "mentioned").map((u) => [u.chat_id, u.message.seq])).toEqual([
        [c.chatId, first],
        [c.chatId, second],
      ]);
    }
    expect((await call(c.b, { mode: "markRead", chat_id: c.chatId, seq: first })).status).toBe(200);
    expect((await chatOfB()).unread_mentions).toBe(1);
    // A deleted mention counts no more, and its text is gone from every replay.
    await call(c.a, { mode: "deleteMessage", chat_id: c.chatId, seq: first });
    await call(c.a, { mode: "deleteMessage", chat_id: c.chatId, seq: second });
    await until(async () => (await chatOfB()).unread_mentions === undefined, "no unread mentions");
    await until(async () => !(await replays(c, c.b)).includes("secret mention"), "the deleted mention's text gone");
  });

  it("an edit that drops my name lowers unread_mentions, and one that names me again raises it", async () => {
    const c = await chatOf(kind);
    const unread = async () =>
      ((await call(c.b, { mode: "getChats" })).body.chats as Frame[]).find((x) => x.chat_id === c.chatId)!.unread_mentions;
    const seq = (await c.send(c.a, "you there?", { mentions: [c.b.username] })).body.message.seq as number;
    await until(async () => (await unread()) === 1, "one unread mention");
    const edit = (mentions: string[]) => call(c.a, { mode: "editMessage", chat_id: c.chatId, seq, content: "anyone there?", mentions });
    expect((await edit([])).status).toBe(200);
    await until(async () => (await unread()) === undefined, "the mention dropped");
    expect((await edit([c.b.username])).status).toBe(200);
    await until(async () => (await unread()) === 1, "the mention back");
  });
});

describe("reactions, once", () => {
  it("a reaction storm is held by the send limit and leaves the counts exact", async () => {
    const c = await chatOf("small");
    const seq = (await c.send(c.a, "storm")).body.message.seq as number;
    await rested(c.b, 10_000);
    let added = false;
    let limited = 0;
    for (let i = 0; i < 40; i++) {
      const res = await call(c.b, { mode: added ? "unreact" : "react", chat_id: c.chatId, seq, emoji: "🔥" });
      if (res.status === 429) {
        limited++;
        expect(res.body.error).toBe("rate_limited");
        continue;
      }
      expect(res.status).toBe(200);
      added = !added;
    }
    expect(limited).toBeGreaterThan(0);
    const reactions = (await bySeq(c, c.a, seq)).reactions;
    expect(reactions).toEqual(added ? [{ emoji: "🔥", count: 1, mine: false }] : undefined);
  });

  it("a burst of reactions in a large group reaches a member online as every event, in ev order, none left to fetch", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT + 1, unique("rb"));
    const sent = await call(owner, { mode: "sendGroupMessage", chat_id: chatId, content: "burst", content_type: "text" });
    const seq = sent.body.message.seq as number;
    // Its getChats has told the group that this socket is open.
    const watcher = await listening(owner.token);
    // At once: events stored while the member's previous push is on its way ride in one batch.
    const answers = await Promise.all(rest.slice(0, 8).map((r) => call(r, { mode: "react", chat_id: chatId, seq, emoji: "🔥" })));
    const evs = answers.map((a) => a.body.ev as number).sort((x, y) => x - y);
    const got: number[] = [];
    while (got.at(-1) !== evs.at(-1)) got.push((await watcher.nextPush("reactionChanged")).ev as number);
    expect(got).toEqual(evs);
    watcher.close();
  });

  it("a message takes at most 20 distinct emojis: the 21st is refused, a count on one of the 20 is not", async () => {
    const { owner, rest, chatId } = await groupOf(8, unique("e"));
    const seq = (await call(owner, { mode: "sendGroupMessage", chat_id: chatId, content: "many", content_type: "text" })).body.message
      .seq as number;
    const emojis = [
      "😀",
      "😁",
      "😂",
      "🤣",
      "😃",
      "😄",
      "😅",
      "😆",
      "😉",
      "😊",
      "😋",
      "😎",
      "😍",
      "😘",
      "🥰",
      "😗",
      "😙",
      "🥲",
      "😚",
      "🙂",
      "🤗",
    ];
    const react = (who: Account, emoji: string) => call(who, { mode: "react", chat_id: chatId, seq, emoji });
    const people = [owner, ...rest];
    for (let i = 0; i < 20; i++) expect((await react(people[Math.floor(i / 3)]!, emojis[i]!)).status).toBe(200);
    const over = await react(people[6]!, emojis[20]!);
    expect(over.status).toBe(400);
    expect(over.body.fields.emoji).toBeDefined();
    expect((await react(people[6]!, emojis[0]!)).status).toBe(200);
    const summary = (await call(owner, { mode: "getMessages", chat_id: chatId })).body.messages[0].reactions as Frame[];
    expect(summary.map((r) => r.emoji)).toEqual(emojis.slice(0, 20));
    expect(summary[0]).toEqual({ emoji: "😀", count: 2, mine: true });
  });

  it("a reply's preview is the first 100 characters, or an attachment's name", async () => {
    const c = await chatOf("small");
    const long = "🙂".repeat(150);
    const orig = (await c.send(c.a, long)).body.message;
    const reply = (await c.send(c.b, "r", { reply_to: orig.seq })).body.message;
    expect(reply.reply_to.preview).toBe("🙂".repeat(100));
  });
});
