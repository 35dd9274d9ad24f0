// An edit costs the same however often the message was edited before; a message is edited
// at most 100 times. (Second security review: the k-th edit used to rewrite k events.)
import { describe, expect, it } from "vitest";
import type { LogQueue } from "../../src/chat/fanout/log-queue";
import { api, connect, directChat, failDeliveries, groupOf, inChatObject, inUserObject, LARGE_AT, rested, text } from "./helpers";

const edit = (token: string, chatId: string, seq: number, content: string) =>
  api({ mode: "editMessage", chat_id: chatId, seq, content }, { token });

describe("editing a message many times", () => {
  it("rewrites the same few events, and the log grows by a small stand-in per edit, whatever the count", async () => {
    const { a, b, chatId } = await directChat("ec");
    await inUserObject(a.user.id, (o) => o.clock.stopAt(Date.now()));
    const long = (i: number) => `${i} `.padEnd(4_000, "x");
    expect((await api({ mode: "sendMessage", chat_id: chatId, content: long(0), content_type: "text" }, { token: a.token })).status).toBe(
      200,
    );
    const costs: Array<{ rows: number; bytes: number; grew: number }> = [];
    for (let i = 1; i <= 30; i++) {
      await rested(a);
      const before = await inChatObject(chatId, (o) => o.probe.eventBytes());
      expect((await edit(a.token, chatId, 1, long(i))).status).toBe(200);
      const { rows, bytes, grew } = await inChatObject(chatId, (o) => ({
        ...o.probe.lastRewrite(),
        grew: o.probe.eventBytes() - before,
      }));
      costs.push({ rows, bytes, grew });
    }
    // From the second edit on, each edit rewrites the message's newMessage and its previous
    // edit (which becomes a stand-in without text): the same rows and bytes every time (a
    // few bytes more as `ev` gets a digit longer).
    for (const c of costs.slice(1)) {
      expect(c.rows).toBe(2);
      expect(Math.abs(c.bytes - costs[1]!.bytes)).toBeLessThanOrEqual(4);
      // The log holds one copy of the latest text in an edit event, plus a stand-in per earlier edit.
      expect(Math.abs(c.grew - costs[1]!.grew)).toBeLessThanOrEqual(4);
    }
    expect(costs[1]!.grew).toBeLessThan(300);
    // Every replay still shows the current text.
    const sb = await connect(b.token);
    const sync = await sb.request({ mode: "sync", since: 0, limit: 500 });
    const texts = sync.updates
      .filter((u: { message?: { seq: number } }) => u.message?.seq === 1)
      .map((u: { message: { content: string } }) => u.message.content);
    expect(texts.length).toBeGreaterThan(0);
    for (const t of texts) expect(t).toBe(long(30));
    const page = await api({ mode: "getMessages", chat_id: chatId }, { token: b.token });
    expect(page.body.messages[0]).toMatchObject({ content: long(30) });
    sb.close();
  });

  it("refuses the 101st edit of a message, naming seq, and stores nothing", async () => {
    const { a, chatId } = await directChat("ecap");
    await inUserObject(a.user.id, (o) => o.clock.stopAt(Date.now()));
    await api({ mode: "sendMessage", chat_id: chatId, content: "v0", content_type: "text" }, { token: a.token });
    for (let i = 1; i <= 100; i++) {
      await rested(a);
      expect((await edit(a.token, chatId, 1, `v${i}`)).status).toBe(200);
    }
    await rested(a);
    const before = await inChatObject(chatId, (o) => ({ ev: o.probe.lastEv(), bytes: o.probe.eventBytes() }));
    const refused = await edit(a.token, chatId, 1, "v101");
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: "invalid_request", fields: { seq: expect.stringContaining("100") } });
    expect(await inChatObject(chatId, (o) => ({ ev: o.probe.lastEv(), bytes: o.probe.eventBytes() }))).toEqual(before);
    const page = await api({ mode: "getMessages", chat_id: chatId }, { token: a.token });
    expect(page.body.messages[0]).toMatchObject({ content: "v100" });
    // Deleting it is still allowed.
    expect((await api({ mode: "deleteMessage", chat_id: chatId, seq: 1 }, { token: a.token })).status).toBe(200);
  });
});

describe("an edit in a large group", () => {
  it("reads only what members' waiting log entries hold of that message, however many are waiting", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT + 1, "eq");
    const b = rest[0]!;
    await inUserObject(owner.user.id, (o) => o.clock.stopAt(Date.now()));
    const mention = (i: number) =>
      api({ ...text(chatId, `m${i}`), mode: "sendGroupMessage", mentions: [b.username] }, { token: owner.token });
    let cost = { read: -1, written: -1 };
    // While b's object fails, every mention of them waits in the group's log queue.
    await failDeliveries(b.user.id, async () => {
      for (let i = 0; i < 30; i += 10) {
        await rested(owner, 6_000);
        for (const r of await Promise.all(Array.from({ length: 10 }, (_, k) => mention(i + k)))) expect(r.status).toBe(200);
      }
      await rested(owner);
      expect((await edit(owner.token, chatId, 1, "edited")).status).toBe(200);
      cost = await inChatObject(chatId, (o) => (o as unknown as { fanout: { logs: { queue: LogQueue } } }).fanout.logs.queue.lastRewrite);
    });
    // The one waiting mention of message 1, by index: not the 30 rows waiting.
    expect(cost.written).toBe(1);
    expect(cost.read).toBeLessThanOrEqual(2);
  });
});
