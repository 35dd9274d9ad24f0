// Retention: a user's log and a large group's events keep a bounded count (LOG_KEEP_UPDATES
// and EVENTS_KEEP, 300 and 60 in the pool); a sync or getChatUpdates from before what is
// kept answers too_long with where things stand, and one from what is kept pages as ever.
import { describe, expect, it } from "vitest";
import { api, directChat, type Frame, fillChatList, groupOf, registerUser, rested, sendMany, text, untilPts } from "./helpers";

const LOG_KEEP = 300;
const EVENTS_KEEP = 60;

describe("the update log", () => {
  it("keeps the latest LOG_KEEP_UPDATES: sync from before them is too_long with the latest pts; from them it pages on", async () => {
    const b = await registerUser("ret");
    // Two updates a chat (chatCreated, newMessage): past twice the bound.
    await fillChatList(b.user, LOG_KEEP + 5, (i) => `m${i}`);
    const latest = 2 * LOG_KEEP + 10;
    await untilPts(b.token, latest);

    const old = await api({ mode: "sync", since: 0 }, { token: b.token });
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ too_long: true, pts: latest });

    // The latest LOG_KEEP_UPDATES are there, text and all, and paging from them reaches the latest.
    let since = latest - LOG_KEEP;
    const seen: Frame[] = [];
    for (;;) {
      const page = (await api({ mode: "sync", since, limit: 100 }, { token: b.token })).body;
      expect(page.too_long).toBeUndefined();
      seen.push(...page.updates);
      since = page.pts;
      if (!page.has_more) break;
    }
    expect(seen.map((u) => u.pts)).toEqual(Array.from({ length: LOG_KEEP }, (_, i) => latest - LOG_KEEP + 1 + i));
    expect(seen.at(-1)).toMatchObject({ mode: "newMessage", message: { content: `m${LOG_KEEP + 4}` } });
    // A sync from the latest is an empty page, as ever.
    expect((await api({ mode: "sync", since: latest }, { token: b.token })).body).toEqual(
      expect.objectContaining({ updates: [], pts: latest, has_more: false }),
    );
  });

  it("a message whose log rows were pruned is still found by search, and gone from it once deleted", async () => {
    const { a, b, chatId } = await directChat("rets");
    const sent = await api(text(chatId, "zebracrossing at noon"), { token: a.token });
    expect(sent.status).toBe(200);
    // Past twice the bound in b's log: the message's newMessage is pruned there.
    await sendMany(a, chatId, 2 * LOG_KEEP + 5);
    await untilPts(b.token, 2 * LOG_KEEP + 7);
    expect((await api({ mode: "sync", since: 0 }, { token: b.token })).body).toMatchObject({ too_long: true });
    const find = async () => (await api({ mode: "searchMessages", query: "zebracrossing" }, { token: b.token })).body.results as Frame[];
    expect((await find()).map((r) => r.message.seq)).toEqual([sent.body.message.seq]);
    await rested(a);
    expect((await api({ mode: "deleteMessage", chat_id: chatId, seq: sent.body.message.seq }, { token: a.token })).status).toBe(200);
    await untilPts(b.token, 2 * LOG_KEEP + 8);
    expect(await find()).toEqual([]);
  });

  it("a bad since is still 400 invalid_request, whatever is kept", async () => {
    const b = await registerUser("retbad");
    expect((await api({ mode: "sync", since: -1 }, { token: b.token })).body).toMatchObject({ status: 400, error: "invalid_request" });
  });
});

describe("a large group's events", () => {
  it("keeps the latest EVENTS_KEEP: getChatUpdates from before them is too_long with the latest ev; from them it pages on", async () => {
    const { owner, rest, chatId } = await groupOf(11, "retg");
    await sendMany(owner, chatId, 2 * EVENTS_KEEP + 5, "sendGroupMessage");
    const member = rest[0]!;
    const first = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0 }, { token: member.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ chat_id: chatId, too_long: true });
    const latest = first.body.ev as number;
    expect(latest).toBeGreaterThan(2 * EVENTS_KEEP);

    const kept = await api(
      { mode: "getChatUpdates", chat_id: chatId, since_ev: latest - EVENTS_KEEP, limit: 500 },
      { token: member.token },
    );
    expect(kept.body.too_long).toBeUndefined();
    expect(kept.body.updates.map((u: Frame) => u.ev)).toEqual(Array.from({ length: EVENTS_KEEP }, (_, i) => latest - EVENTS_KEEP + 1 + i));
    expect(kept.body.updates.at(-1)).toMatchObject({ mode: "newMessage", message: { content: `m${2 * EVENTS_KEEP + 4}` } });
    // History stays whole: the first message is still there.
    const history = await api({ mode: "getMessages", chat_id: chatId, limit: 1, before_seq: 2 }, { token: member.token });
    expect(history.body.messages).toMatchObject([{ seq: 1, content: "m0" }]);
  });

  it("an idempotent resend of a message whose event was pruned answers as before", async () => {
    const { owner, chatId } = await groupOf(11, "retidem");
    const firstSend = await api({ ...text(chatId, "once", { client_msg_id: "c-1" }), mode: "sendGroupMessage" }, { token: owner.token });
    expect(firstSend.status).toBe(200);
    await sendMany(owner, chatId, 2 * EVENTS_KEEP + 5, "sendGroupMessage");
    await rested(owner, 6_000);
    const again = await api({ ...text(chatId, "once", { client_msg_id: "c-1" }), mode: "sendGroupMessage" }, { token: owner.token });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ message: firstSend.body.message, ev: firstSend.body.ev });
  });
});
