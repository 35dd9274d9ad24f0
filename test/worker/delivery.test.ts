// Messages are never lost or doubled: ordering under concurrent senders, retried fan-out,
// sync after being offline, and objects rebuilt from storage.
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, captureLog, chatStub, connect, failDeliveries, registerUser, untilPts, userStub, type Frame } from "./helpers";

/** A direct chat of two new users, with a socket of B's that has already seen chatCreated. */
async function directChatWatchedByB(prefix: string) {
  const [a, b] = await Promise.all([registerUser(`${prefix}A`), registerUser(`${prefix}B`)]);
  const sb = await connect(b.token);
  const chatId: string = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id;
  await sb.nextPush("chatCreated");
  return { a, b, sb, chatId };
}

describe("ordering", () => {
  it("5 senders × 25 messages into one group: seq exactly 1..125, each member gets each once", async () => {
    // Pushes carry seq; a sender's own message may reach its other devices ahead of
    // concurrent messages of others (it is applied as the send returns), so clients order by seq.
    // 25 a sender stays within the per-user send burst (SENDS_PER_USER_BURST), and 5 members
    // keep the group small (LARGE_GROUP_MEMBERS is 5 in the pool): its pushes carry pts.
    const users = await Promise.all(Array.from({ length: 5 }, (_, i) => registerUser(`o${i}`)));
    const [owner, ...rest] = users;
    const sockets = await Promise.all(users.map((u) => connect(u.token)));
    const watchers = await Promise.all(users.map((u) => connect(u.token)));
    const g = (await api({ mode: "createGroup", title: "busy", members: rest.map((u) => u.username) }, { token: owner!.token })).body.chat
      .chat_id;
    // Wait until everyone has the group (their chatCreated), so pushes below are all messages.
    await Promise.all([...watchers, ...sockets].map((w) => w.nextPush("chatCreated")));

    await Promise.all(
      sockets.map((s, i) =>
        Promise.all(
          Array.from({ length: 25 }, (_, k) =>
            s.request({ mode: "sendGroupMessage", chat_id: g, content: `${i}-${k}`, content_type: "text" }),
          ),
        ),
      ),
    );
    const page1 = await api({ mode: "getMessages", chat_id: g, limit: 200 }, { token: owner!.token });
    expect(page1.body.messages.map((m: Frame) => m.seq)).toEqual(Array.from({ length: 125 }, (_, i) => i + 1));
    expect(new Set(page1.body.messages.map((m: Frame) => m.content)).size).toBe(125);

    for (const w of watchers) {
      const got: Frame[] = [];
      for (let n = 0; n < 125; n++) got.push(await w.nextPush("newMessage"));
      expect(got.map((p) => p.message.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 125 }, (_, i) => i + 1));
      const pts = got.map((p) => p.pts);
      expect(pts).toEqual(Array.from({ length: 125 }, (_, i) => pts[0] + i));
    }
    // One more message: it reaches each member after anything sent before it, so nothing
    // else came if it comes next.
    await api({ mode: "sendGroupMessage", chat_id: g, content: "last", content_type: "text" }, { token: owner!.token });
    for (const w of watchers)
      await w.nothingBefore(
        (f) => f.message?.content === "last",
        (f) => f.mode === "newMessage",
      );
    for (const s of [...sockets, ...watchers]) s.close();
  });
});

describe("fan-out retries", () => {
  it("a delivery that fails is retried from the alarm and shown exactly once", async () => {
    const { a, b, sb, chatId } = await directChatWatchedByB("f");

    let sent: Awaited<ReturnType<typeof api>> | undefined;
    const logged = await captureLog(async () => {
      await failDeliveries(b.user.id, async () => {
        sent = await api({ mode: "sendMessage", chat_id: chatId, content: "survives", content_type: "text" }, { token: a.token });
        expect(sent.status).toBe(200);
      });
      // The retry is the alarm's (it may also have run by itself meanwhile).
      await runDurableObjectAlarm(chatStub(chatId));
      const push = await sb.nextPush("newMessage");
      expect(push.message).toEqual(sent!.body.message);
    });
    // An operator sees the failure and the retry.
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: "warn",
        event: "delivery_failed",
        chat_id: chatId,
        user_id: b.user.id,
        attempt: 1,
        retry_in_ms: expect.any(Number),
      }),
    );
    expect(logged).toContainEqual(expect.objectContaining({ level: "info", event: "delivery_retry", chat_id: chatId, user_id: b.user.id }));
    expect(JSON.stringify(logged)).not.toContain("survives");
    // A second alarm run (and a resend) shows nothing again.
    await runDurableObjectAlarm(chatStub(chatId));
    await api({ mode: "sendMessage", chat_id: chatId, content: "next", content_type: "text" }, { token: a.token });
    expect((await sb.nextPush("newMessage")).message.seq).toBe(2);
    await api({ mode: "sendMessage", chat_id: chatId, content: "last", content_type: "text" }, { token: a.token });
    await sb.nothingBefore((f) => f.message?.content === "last");
    const sync = await sb.request({ mode: "sync", since: 0 });
    expect(sync.updates.filter((u: Frame) => u.mode === "newMessage").map((u: Frame) => u.message.seq)).toEqual([1, 2, 3]);
    sb.close();
  });

  it("a message delivered late does not replace a later last message", async () => {
    const [a, b] = await Promise.all([registerUser("lA"), registerUser("lB")]);
    const chatId = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id;
    await untilPts(b.token, 1);
    // a's message (seq 1) cannot reach b until b's own (seq 2) is applied from b's answer.
    await failDeliveries(b.user.id, async () => {
      await api({ mode: "sendMessage", chat_id: chatId, content: "first", content_type: "text" }, { token: a.token });
      await api({ mode: "sendMessage", chat_id: chatId, content: "second", content_type: "text" }, { token: b.token });
    });
    await runDurableObjectAlarm(chatStub(chatId));
    await untilPts(b.token, 3);
    const chat = (await api({ mode: "getChats" }, { token: b.token })).body.chats[0];
    expect(chat).toMatchObject({ last_message: { seq: 2, content: "second" }, last_read_seq: 2, unread: 0 });
    const seqs = (await api({ mode: "sync", since: 0 }, { token: b.token })).body.updates
      .filter((u: Frame) => u.mode === "newMessage")
      .map((u: Frame) => u.message.seq);
    expect(seqs).toEqual([2, 1]);
  });

  it("a chat object restarted mid-way redelivers and the user object ignores repeats", async () => {
    const [a, b] = await Promise.all([registerUser("rA"), registerUser("rB")]);
    const chatId = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id;
    for (let i = 0; i < 3; i++)
      await api({ mode: "sendMessage", chat_id: chatId, content: `m${i}`, content_type: "text" }, { token: a.token });
    // Delivery cursors are persisted lazily; a restart before that redelivers.
    await evictDurableObject(chatStub(chatId));
    await runDurableObjectAlarm(chatStub(chatId));
    await api({ mode: "sendMessage", chat_id: chatId, content: "after restart", content_type: "text" }, { token: a.token });
    await untilPts(b.token, 5);
    const sync = await api({ mode: "sync", since: 0 }, { token: b.token });
    expect(sync.body.updates.map((u: Frame) => u.mode)).toEqual(["chatCreated", "newMessage", "newMessage", "newMessage", "newMessage"]);
    expect(sync.body.updates.map((u: Frame) => u.pts)).toEqual([1, 2, 3, 4, 5]);
    expect(sync.body.updates.at(-1).message.seq).toBe(4);
  });
});

describe("sync", () => {
  it("replays every push missed while offline, gapless, in pages", async () => {
    const { a, b, sb, chatId } = await directChatWatchedByB("s");
    sb.close();
    for (let i = 1; i <= 7; i++)
      await api({ mode: "sendMessage", chat_id: chatId, content: `missed ${i}`, content_type: "text" }, { token: a.token });
    await api({ mode: "editMessage", chat_id: chatId, seq: 2, content: "edited" }, { token: a.token });
    await untilPts(b.token, 9);

    const back = await connect(b.token);
    const p1 = await back.request({ mode: "sync", since: 1, limit: 5 });
    expect(p1.updates.map((u: Frame) => u.pts)).toEqual([2, 3, 4, 5, 6]);
    expect(p1).toMatchObject({ pts: 6, has_more: true });
    const p2 = await back.request({ mode: "sync", since: p1.pts, limit: 5 });
    expect(p2.updates.map((u: Frame) => u.pts)).toEqual([7, 8, 9]);
    expect(p2.updates.at(-1)).toMatchObject({ mode: "messageEdited", message: { seq: 2, content: "edited" } });
    expect(p2).toMatchObject({ pts: 9, has_more: false });
    const none = await back.request({ mode: "sync", since: 9 });
    expect(none).toMatchObject({ updates: [], pts: 9, has_more: false });
    expect((await back.request({ mode: "sync", since: 0, limit: 501 })).error).toBe("invalid_request");
    back.close();
  });

  it("a user object rebuilt from storage serves the same chat list and log", async () => {
    const [a, b] = await Promise.all([registerUser("eA"), registerUser("eB")]);
    const chatId = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id;
    for (let i = 0; i < 4; i++)
      await api({ mode: "sendMessage", chat_id: chatId, content: `m${i}`, content_type: "text" }, { token: a.token });
    await untilPts(b.token, 5);
    await api({ mode: "markRead", chat_id: chatId, seq: 2 }, { token: b.token });
    const chatsBefore = (await api({ mode: "getChats" }, { token: b.token })).body.chats;
    const syncBefore = (await api({ mode: "sync", since: 0 }, { token: b.token })).body;
    await evictDurableObject(userStub(b.user.id));
    const chatsAfter = (await api({ mode: "getChats" }, { token: b.token })).body.chats;
    const syncAfter = (await api({ mode: "sync", since: 0 }, { token: b.token })).body;
    expect(chatsAfter).toEqual(chatsBefore);
    expect(chatsAfter[0]).toMatchObject({ unread: 2, last_read_seq: 2 });
    const { timestamp: _t1, ...restBefore } = syncBefore;
    const { timestamp: _t2, ...restAfter } = syncAfter;
    expect(restAfter).toEqual(restBefore);
    // And the next update continues the sequence.
    const next = await api({ mode: "sendMessage", chat_id: chatId, content: "more", content_type: "text" }, { token: b.token });
    expect(next.body.pts).toBe(syncBefore.pts + 1);
  });

  it("a hibernated socket still gets pushes", async () => {
    const { a, b, sb, chatId } = await directChatWatchedByB("h");
    await evictDurableObject(userStub(b.user.id), { webSockets: "hibernate" });
    await api({ mode: "sendMessage", chat_id: chatId, content: "wake up", content_type: "text" }, { token: a.token });
    expect((await sb.nextPush("newMessage")).message.content).toBe("wake up");
    expect(await sb.request({ mode: "getChats" })).toMatchObject({ status: 200 });
    sb.close();
  });
});
