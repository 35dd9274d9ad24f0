// searchMessages (#21): every chat the user can read, in every language, newest first,
// never a deleted or edited-away word, in a direct chat, a small group and a large group.
import { describe, expect, it } from "vitest";
import { api, directChat, groupOf, LARGE_AT, registerUser, rested, text, until, type Account, type Frame } from "./helpers";

interface Setup {
  sender: Account;
  reader: Account;
  chatId: string;
  say(content: string): Promise<number>;
}

async function setUp(kind: "direct" | "small" | "large"): Promise<Setup> {
  if (kind === "direct") {
    const { a, b, chatId } = await directChat("sd");
    return { sender: a, reader: b, chatId, say: (c) => saying(a, text(chatId, c)) };
  }
  const { owner, rest, chatId } = await groupOf(kind === "small" ? 3 : LARGE_AT + 1, kind === "small" ? "ss" : "sl");
  const say = (c: string) => saying(owner, { mode: "sendGroupMessage", chat_id: chatId, content: c, content_type: "text" });
  return { sender: owner, reader: rest[0]!, chatId, say };
}

async function saying(a: Account, frame: Frame): Promise<number> {
  await rested(a);
  const res = await api(frame, { token: a.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.message.seq as number;
}

const search = (a: Account, query: string, extra: Frame = {}) => api({ mode: "searchMessages", query, ...extra }, { token: a.token });
const found = async (a: Account, query: string, extra: Frame = {}) => {
  const res = await search(a, query, extra);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results as { chat_id: string; message: Frame; snippet: string }[];
};
/** Waits until `query` finds exactly `n` messages for `a` (deliveries are asynchronous), and gives them. */
const untilFound = (a: Account, query: string, n: number, extra: Frame = {}) =>
  until(async () => {
    const r = await found(a, query, extra);
    return r.length === n && r;
  }, `${n} results for ${query}`);

describe.each(["direct", "small", "large"] as const)("searchMessages in a %s chat", (kind) => {
  it("ignores case and accents, takes the words in any order, finds substrings of unspaced scripts", async () => {
    const s = await setUp(kind);
    await s.say("Café au LAIT à Paris");
    await s.say("東京都庁で会いましょう");
    for (const who of [s.reader, s.sender]) {
      const [hit] = await untilFound(who, "paris cafe", 1);
      expect(hit).toMatchObject({ chat_id: s.chatId, message: { content: "Café au LAIT à Paris", seq: 1 } });
      expect(hit!.snippet).toBe("«Café» au LAIT à «Paris»");
    }
    expect(await found(s.reader, "LAÎT CAFÉ")).toHaveLength(1);
    expect(await found(s.reader, "café thé")).toHaveLength(0);
    const [cjk] = await found(s.reader, "京都");
    expect(cjk).toMatchObject({ message: { seq: 2 }, snippet: "東«京都»庁で会いましょう" });
    expect(await found(s.reader, "都庁")).toHaveLength(1);
    expect(await found(s.reader, "大阪")).toHaveLength(0);
    // One chat only, and a chat that is not theirs.
    expect(await found(s.reader, "paris", { chat_id: s.chatId })).toHaveLength(1);
    const stranger = await registerUser("sx");
    expect(await found(stranger, "paris")).toHaveLength(0);
    const notTheirs = await search(stranger, "paris", { chat_id: s.chatId });
    expect(notTheirs.status).toBe(404);
    expect(notTheirs.body.error).toBe("chat_not_found");
  });

  it("never finds a deleted message, and an edited one only by its new text", async () => {
    const s = await setUp(kind);
    const harbour = await s.say("meet at the old harbour");
    const secret = await s.say("the secret password is swordfish");
    await untilFound(s.reader, "swordfish", 1);
    await rested(s.sender);
    const edit = await api(
      { mode: "editMessage", chat_id: s.chatId, seq: harbour, content: "meet at the new station" },
      { token: s.sender.token },
    );
    expect(edit.status).toBe(200);
    expect((await api({ mode: "deleteMessage", chat_id: s.chatId, seq: secret }, { token: s.sender.token })).status).toBe(200);
    for (const who of [s.reader, s.sender]) {
      await untilFound(who, "station", 1);
      await untilFound(who, "swordfish", 0);
      expect(await found(who, "harbour")).toHaveLength(0);
      expect(await found(who, "meet")).toMatchObject([{ message: { seq: harbour, content: "meet at the new station" } }]);
    }
  });

  it("pages newest first by cursor", async () => {
    const s = await setUp(kind);
    for (let i = 1; i <= 5; i++) await s.say(`page number ${i}`);
    await untilFound(s.reader, "page", 5);
    const seen: number[] = [];
    let before: string | undefined;
    for (let n = 0; n < 3; n++) {
      const res = await search(s.reader, "number page", { limit: 2, ...(before && { before }) });
      expect(res.status).toBe(200);
      seen.push(...res.body.results.map((r: Frame) => r.message.seq));
      expect(res.body.has_more).toBe(n < 2);
      before = res.body.cursor;
      expect(before === undefined).toBe(n === 2);
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });
});

describe("searchMessages and membership", () => {
  it.each(["small", "large"] as const)("drops a %s group the user left or was removed from", async (kind) => {
    const { owner, rest, chatId } = await groupOf(kind === "small" ? 3 : LARGE_AT + 1, `sm${kind[0]}`);
    const [leaver, removed] = [rest[0]!, rest[1]!];
    await saying(owner, { mode: "sendGroupMessage", chat_id: chatId, content: "farewell party", content_type: "text" });
    for (const who of [leaver, removed]) await untilFound(who, "farewell", 1);
    expect((await api({ mode: "leaveChat", chat_id: chatId }, { token: leaver.token })).status).toBe(200);
    expect((await api({ mode: "removeMember", chat_id: chatId, username: removed.username }, { token: owner.token })).status).toBe(200);
    for (const who of [leaver, removed]) {
      await untilFound(who, "farewell", 0);
      expect((await search(who, "farewell", { chat_id: chatId })).status).toBe(404);
    }
    expect(await found(owner, "farewell")).toHaveLength(1);
  });

  it("finds a small group's messages from before the user joined, once each, and none deleted", async () => {
    const { owner, chatId } = await groupOf(3, "sjoin");
    const late = await registerUser("sjoinL");
    const say = (content: string) => saying(owner, { mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text" });
    await say("harbour before one");
    const gone = await say("harbour before gone");
    expect((await api({ mode: "deleteMessage", chat_id: chatId, seq: gone }, { token: owner.token })).status).toBe(200);
    // The last message before the join comes in the joiner's chatCreated too.
    await say("harbour at the join");
    expect((await api({ mode: "addMembers", chat_id: chatId, members: [late.username] }, { token: owner.token })).status).toBe(200);
    await say("harbour after");
    const all = await untilFound(late, "harbour", 3);
    expect(all.map((r) => r.message.content)).toEqual(["harbour after", "harbour at the join", "harbour before one"]);
    // Paging crosses the join point without losing or repeating one.
    const first = await search(late, "harbour", { limit: 2 });
    expect(first.body.results.map((r: Frame) => r.message.content)).toEqual(["harbour after", "harbour at the join"]);
    const next = await search(late, "harbour", { limit: 2, before: first.body.cursor });
    expect(next.body.results.map((r: Frame) => r.message.content)).toEqual(["harbour before one"]);
    expect(next.body.has_more).toBe(false);
    expect(await found(late, "harbour", { chat_id: chatId })).toHaveLength(3);
  });

  it("keeps a deleted account's messages searchable by the others", async () => {
    const { a, b, chatId } = await directChat("sdel");
    await saying(a, text(chatId, "remember the lighthouse"));
    await untilFound(b, "lighthouse", 1);
    expect((await api({ mode: "deleteAccount", password: a.password }, { token: a.token })).status).toBe(200);
    expect(await found(b, "lighthouse")).toMatchObject([{ chat_id: chatId, snippet: "remember the «lighthouse»" }]);
  });

  it("merges a user's direct chats, small and large groups newest first", async () => {
    const { a, b, chatId: direct } = await directChat("smix");
    const small = await api({ mode: "createGroup", title: "small", members: [b.username] }, { token: a.token });
    const crowd = await Promise.all(Array.from({ length: LARGE_AT }, (_, i) => registerUser(`smx${i}`)));
    const large = await api(
      { mode: "createGroup", title: "large", members: [b.username, ...crowd.map((u) => u.username)] },
      { token: a.token },
    );
    expect(large.body.chat.large).toBe(true);
    const chats = [direct, small.body.chat.chat_id, large.body.chat.chat_id] as string[];
    for (const [i, chatId] of [...chats, ...chats].entries())
      await saying(a, {
        mode: i % 3 === 0 ? "sendMessage" : "sendGroupMessage",
        chat_id: chatId,
        content: `mixed ${i}`,
        content_type: "text",
      });
    await untilFound(b, "mixed", 6);
    const pages: string[] = [];
    let before: string | undefined;
    do {
      const res = await search(b, "mixed", { limit: 4, ...(before && { before }) });
      pages.push(...res.body.results.map((r: Frame) => r.message.content));
      before = res.body.cursor;
    } while (before);
    expect(pages).toEqual([5, 4, 3, 2, 1, 0].map((i) => `mixed ${i}`));
  });
});

describe("searchMessages bad input", () => {
  it("answers FTS5 syntax and punctuation as text, and refuses lengths and foreign cursors", async () => {
    const { a, chatId } = await directChat("sbad");
    await saying(a, text(chatId, 'he said "NEAR(x) -y ^z*" and left'));
    for (const q of ['"', "*", "NEAR(", "-", "^", '"unbalanced', "?!.,;:", 'a" OR "b', "NEAR(a b)", "x AND", "   ", "(", "{col}:x"]) {
      const res = await search(a, q);
      expect(res.status, `${q}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    expect(await found(a, '"near(x)')).toHaveLength(1);
    expect(await found(a, "-y ^z*")).toHaveLength(1);
    expect(await found(a, "x".repeat(200))).toHaveLength(0);
    for (const [q, extra, field] of [
      ["", {}, "query"],
      ["x".repeat(201), {}, "query"],
      ["x", { limit: 51 }, "limit"],
      ["x", { before: "not-a-cursor" }, "before"],
      ["x", { before: btoa('["a","b"]') }, "before"],
    ] as const) {
      const res = await search(a, q, extra);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toBe("invalid_request");
      expect(Object.keys(res.body.fields ?? {})).toContain(field);
    }
  });
});
