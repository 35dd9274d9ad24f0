// Web Push (the contract's "Notifications"): every rule against the tests' own push service
// on 127.0.0.1, which checks each push's VAPID JWT and decrypts its aes128gcm body.
import { describe, expect, it } from "vitest";
import {
  type Account,
  api,
  captureLog,
  connect,
  directChat,
  groupOf,
  inUserObject,
  LARGE_AT,
  login,
  registerUser,
  text,
  until,
  watchLog,
} from "./helpers";
import { answer, holdClock, later, pushSessions, received, receivedN, subscribed } from "./push-helpers";

const send = async (token: string, chatId: string, content: string, mode = "sendMessage") => {
  const res = await api({ ...text(chatId, content), mode }, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.message.seq as number;
};

describe("registerPush and getPushConfig", () => {
  it("gives the deploy's public key, takes a good subscription and refuses bad ones naming the field", async () => {
    const a = await registerUser("pcfg");
    const cfg = await api({ mode: "getPushConfig" }, { token: a.token });
    expect(cfg.body).toMatchObject({ status: 200, vapid_public_key: expect.stringMatching(/^B[A-Za-z0-9_-]{86}$/) });
    const good = { endpoint: "https://push.example/x", keys: { p256dh: cfg.body.vapid_public_key, auth: "AAAAAAAAAAAAAAAAAAAAAA" } };
    expect((await api({ mode: "registerPush", subscription: good }, { token: a.token })).body).toMatchObject({ status: 200 });
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...good, endpoint: "http://push.example/x" }, "subscription.endpoint"],
      [{ ...good, endpoint: "http://127.0.0.2:80/x" }, "subscription.endpoint"],
      [{ ...good, endpoint: "not a url" }, "subscription.endpoint"],
      [{ ...good, endpoint: `https://push.example/${"x".repeat(2048)}` }, "subscription.endpoint"],
      [{ ...good, keys: { ...good.keys, p256dh: `B${"A".repeat(86)}` } }, "subscription.keys.p256dh"],
      [{ ...good, keys: { ...good.keys, p256dh: "not base64url!" } }, "subscription.keys.p256dh"],
      [{ ...good, keys: { ...good.keys, auth: "AAAA" } }, "subscription.keys.auth"],
    ];
    for (const [subscription, field] of bad) {
      const res = await api({ mode: "registerPush", subscription }, { token: a.token });
      expect(res.status, field).toBe(400);
      expect(res.body.error).toBe("invalid_request");
      expect(Object.keys(res.body.fields ?? {})).toContain(field);
    }
    expect((await api({ mode: "unregisterPush" }, { token: a.token })).body).toMatchObject({ status: 200 });
    expect((await api({ mode: "unregisterPush" }, { token: a.token })).body).toMatchObject({ status: 200 });
    expect(await pushSessions(a)).toEqual([]);
  });
});

describe("who gets a push", () => {
  it("an offline session gets one that decrypts to { chat_id, seq, title, body, count } with TTL and Urgency, and no token", async () => {
    const { a, b, chatId } = await directChat("pdir");
    const dev = await subscribed(b.token);
    const seq = await send(a.token, chatId, "lunch at noon?");
    const [got] = await receivedN(dev, 1);
    expect(got!.ok, got!.error).toBe(true);
    expect(got!.payload).toEqual({ chat_id: chatId, seq, title: a.username, body: `${a.username}: lunch at noon?`, count: 1 });
    expect(Number(got!.ttl)).toBeGreaterThan(0);
    expect(got!.urgency).toBe("high");
    expect(JSON.stringify(got)).not.toContain(a.token);
    expect(JSON.stringify(got)).not.toContain(b.token);
  });

  it("pushes to one push service carry one VAPID token, signed once, not per push", async () => {
    const { a, b, chatId } = await directChat("pvap");
    const devices = [await subscribed(b.token), await subscribed(await login(b))];
    await send(a.token, chatId, "one token");
    const got = await Promise.all(devices.map(async (d) => (await receivedN(d, 1))[0]!));
    for (const g of got) expect(g.ok, g.error).toBe(true);
    expect(got[0]!.authorization).toMatch(/^vapid t=/);
    expect(got[1]!.authorization).toBe(got[0]!.authorization);
  });

  it("a session with a socket open gets none, nor the sender's own sessions", async () => {
    const { a, b, chatId } = await directChat("pcon");
    const online = await subscribed(b.token);
    const socket = await connect(b.token);
    const offline = await subscribed(await login(b));
    const own = await subscribed(await login(a));
    const first = await send(a.token, chatId, "one");
    expect((await receivedN(offline, 1))[0]!.payload?.seq).toBe(first);
    // Once its socket closes, the session's first push is the next message's (sent at once,
    // as nothing was sent to it in this chat before): none was owed for the first.
    socket.close();
    await until(() => socket.closed, "the socket to close");
    const second = await send(a.token, chatId, "two");
    expect((await receivedN(online, 1))[0]!.payload).toMatchObject({ seq: second, count: 1 });
    // Likewise a's other session: b's answer is its first push, a's own messages were none.
    const reply = await send(b.token, chatId, "three");
    expect((await receivedN(own, 1))[0]!.payload).toMatchObject({ seq: reply, count: 1 });
  });

  it("levels: none and mentions keep a plain message quiet, all lets it through; Chat.notify shows it", async () => {
    const { owner, rest, chatId } = await groupOf(3, "plvl");
    const b = rest[0]!;
    const dev = await subscribed(b.token);
    const chats = await api({ mode: "getChats" }, { token: b.token });
    expect(chats.body.chats[0]).toMatchObject({ chat_id: chatId, notify: "all" });
    for (const level of ["none", "mentions"]) {
      const res = await api({ mode: "setNotify", chat_id: chatId, level }, { token: b.token });
      expect(res.body).toMatchObject({ status: 200, chat_id: chatId, notify: level });
      await send(owner.token, chatId, `quiet at ${level}`, "sendGroupMessage");
    }
    expect((await api({ mode: "getChats" }, { token: b.token })).body.chats[0].notify).toBe("mentions");
    await api({ mode: "setNotify", chat_id: chatId, level: "all" }, { token: b.token });
    const loud = await send(owner.token, chatId, "heard", "sendGroupMessage");
    const [got] = await receivedN(dev, 1);
    expect(got!.payload).toEqual({ chat_id: chatId, seq: loud, title: `plvl crowd`, body: `${owner.username}: heard`, count: 1 });
  });

  it("level mentions: a message naming the member notifies, a plain one does not", async () => {
    const { owner, rest, chatId } = await groupOf(3, "pmen");
    const b = rest[0]!;
    const dev = await subscribed(b.token);
    expect((await api({ mode: "setNotify", chat_id: chatId, level: "mentions" }, { token: b.token })).body.notify).toBe("mentions");
    await send(owner.token, chatId, "plain news", "sendGroupMessage");
    const res = await api({ ...text(chatId, "over to you"), mode: "sendGroupMessage", mentions: [b.username] }, { token: owner.token });
    expect(res.status).toBe(200);
    // The first push b's device gets is the mention, alone: the plain message owed nothing (it
    // would have left at once, being the chat's first, or been folded into this one's count).
    const [got] = await receivedN(dev, 1);
    expect(got!.payload).toEqual({
      chat_id: chatId,
      seq: res.body.message.seq,
      title: "pmen crowd",
      body: `${owner.username}: over to you`,
      count: 1,
    });
  });

  it("setNotify: a chat the user is not in is chat_not_found, a bad level invalid_request", async () => {
    const a = await registerUser("pbad");
    const other = await directChat("pbo");
    expect((await api({ mode: "setNotify", chat_id: other.chatId, level: "all" }, { token: a.token })).body.error).toBe("chat_not_found");
    const bad = await api({ mode: "setNotify", chat_id: other.chatId, level: "loud" }, { token: other.a.token });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.fields)).toContain("level");
  });

  it("never from someone the user blocks", async () => {
    const { owner, rest, chatId } = await groupOf(3, "pblk");
    const [b, c] = rest as [Account, Account];
    const dev = await subscribed(b.token);
    expect((await api({ mode: "blockUser", username: owner.username }, { token: b.token })).status).toBe(200);
    await send(owner.token, chatId, "from the blocked", "sendGroupMessage");
    // c's message is b's first push, sent at once: the blocked one's owed nothing.
    const seq = await send(c.token, chatId, "from a friend", "sendGroupMessage");
    expect((await receivedN(dev, 1))[0]!.payload).toMatchObject({ seq, count: 1, body: `${c.username}: from a friend` });
  });
});

describe("large groups", () => {
  it("wake only members whose level lets the message through: mentions by default, all where chosen", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT + 2, "plg");
    const [b, d] = rest as [Account, Account];
    const [devB, devD] = [await subscribed(b.token), await subscribed(d.token)];
    const listed = (await api({ mode: "getChats" }, { token: d.token })).body.chats[0];
    expect(listed).toMatchObject({ chat_id: chatId, large: true, notify: "mentions" });
    expect((await api({ mode: "setNotify", chat_id: chatId, level: "all" }, { token: b.token })).status).toBe(200);
    const first = await send(owner.token, chatId, "to the crowd", "sendGroupMessage");
    expect((await receivedN(devB, 1))[0]!.payload).toEqual({
      chat_id: chatId,
      seq: first,
      title: "plg crowd",
      body: `${owner.username}: to the crowd`,
      count: 1,
    });
    // d (mentions, the default) was not woken: once d chooses all, d's first push is the next message.
    expect((await api({ mode: "setNotify", chat_id: chatId, level: "all" }, { token: d.token })).status).toBe(200);
    const second = await send(owner.token, chatId, "again", "sendGroupMessage");
    expect((await receivedN(devD, 1))[0]!.payload).toMatchObject({ seq: second, count: 1 });
  });
});

describe("folding, failures and retries", () => {
  it("one push per chat per session per 10 s: later messages fold into the next (count, latest seq)", async () => {
    const { a, b, chatId } = await directChat("pfold");
    await holdClock(b);
    const dev = await subscribed(b.token);
    const s1 = await send(a.token, chatId, "one");
    await receivedN(dev, 1);
    await send(a.token, chatId, "two");
    const s3 = await send(a.token, chatId, "three");
    await later(b, 9_999);
    await later(b, 1);
    const got = await receivedN(dev, 2);
    expect(got.map((r) => r.payload)).toMatchObject([
      { seq: s1, count: 1 },
      { seq: s3, count: 2, body: `${a.username}: three` },
    ]);
    expect(got).toHaveLength(2);
  });

  it("404 and 410 end the subscription", async () => {
    for (const status of [404, 410]) {
      const { a, b, chatId } = await directChat(`pgone${status}`);
      const dev = await subscribed(b.token);
      await answer(dev, [status]);
      expect(await pushSessions(b)).toHaveLength(1);
      await send(a.token, chatId, "anyone there?");
      await receivedN(dev, 1);
      await until(async () => (await pushSessions(b)).length === 0, "the subscription to end");
    }
  });

  it("a 500 is tried again with backoff, and the push arrives whole", async () => {
    const { a, b, chatId } = await directChat("pretry");
    await holdClock(b);
    const dev = await subscribed(b.token);
    await answer(dev, [500, 503]);
    const lines = await captureLog(async () => {
      const seq = await send(a.token, chatId, "persist");
      const got = await until(async () => {
        await later(b, 61_000);
        const r = await received(dev);
        return r.length >= 3 && r;
      }, "the third try");
      expect(got.map((r) => r.status)).toEqual([500, 503, 201]);
      for (const r of got) expect(r.payload).toMatchObject({ seq, count: 1 });
    });
    const retries = lines.filter((l) => l.event === "push_retry");
    expect(retries.length).toBeGreaterThanOrEqual(2);
    // Logs name the push service's origin, never the path that names the device, nor the text.
    for (const l of lines.filter((l) => String(l.event).startsWith("push_"))) {
      expect(JSON.stringify(l)).not.toContain(dev.id);
      expect(JSON.stringify(l)).not.toContain("persist");
    }
  });

  it("is given up after an hour of failures, and nothing else is retried", async () => {
    const { a, b, chatId } = await directChat("pgive");
    await holdClock(b);
    const dev = await subscribed(b.token);
    await answer(dev, [...Array(100).fill(500)]);
    const log = watchLog();
    try {
      await send(a.token, chatId, "lost");
      await until(async () => {
        await later(b, 20 * 60_000);
        return log.lines.some((l) => l.event === "push_dropped");
      }, "the push to be given up");
      const tries = (await received(dev)).length;
      expect(tries).toBeGreaterThanOrEqual(3);
      expect(tries).toBeLessThan(10);
    } finally {
      log.stop();
    }
    const { a: c, b: d, chatId: other } = await directChat("pref");
    const dev2 = await subscribed(d.token);
    await answer(dev2, [400]);
    const refused = watchLog();
    try {
      await send(c.token, other, "refused");
      await until(() => refused.lines.some((l) => l.event === "push_dropped"), "a 400 to be dropped");
    } finally {
      refused.stop();
    }
    expect(await received(dev2)).toHaveLength(1);
  });
});

describe("a subscription ends with its session", () => {
  it("logout, revokeSession, changePassword and unregisterPush end it; a new one replaces the old", async () => {
    const a = await registerUser("pend");
    const t1 = await login(a);
    const t2 = await login(a);
    const t3 = await login(a);
    for (const t of [a.token, t1, t2, t3]) await subscribed(t);
    expect(await pushSessions(a)).toHaveLength(4);
    await subscribed(t3);
    expect(await pushSessions(a)).toHaveLength(4);
    expect((await api({ mode: "logout" }, { token: t1 })).status).toBe(200);
    expect(await pushSessions(a)).toHaveLength(3);
    const sessions = (await api({ mode: "getSessions" }, { token: a.token })).body.sessions as Array<{
      session_id: string;
      current: boolean;
    }>;
    const mine = sessions.find((s) => s.current)!.session_id;
    const other = (await api({ mode: "getSessions" }, { token: t2 })).body.sessions.find((s: { current: boolean }) => s.current).session_id;
    expect((await api({ mode: "revokeSession", session_id: other }, { token: a.token })).status).toBe(200);
    expect(await pushSessions(a)).toHaveLength(2);
    expect((await api({ mode: "changePassword", password: a.password, new_password: "another good one" }, { token: a.token })).status).toBe(
      200,
    );
    expect(await pushSessions(a)).toEqual([mine]);
    expect((await api({ mode: "unregisterPush" }, { token: a.token })).status).toBe(200);
    expect(await pushSessions(a)).toEqual([]);
  });

  it("Web Push's tables are made with the first subscription: ending sessions that had none makes nothing", async () => {
    const a = await registerUser("ptab");
    const t1 = await login(a);
    const tables = () => inUserObject(a.user.id, (o) => o.probe.tables());
    expect((await api({ mode: "unregisterPush" }, { token: a.token })).status).toBe(200);
    expect((await api({ mode: "logout" }, { token: t1 })).status).toBe(200);
    expect(await pushSessions(a)).toEqual([]);
    expect(await tables()).not.toContain("push_subs");
    await subscribed(a.token);
    expect(await pushSessions(a)).toHaveLength(1);
    expect(await tables()).toEqual(expect.arrayContaining(["push_subs", "push_queue"]));
  });

  it("an expired session's subscription ends and gets nothing", async () => {
    const b = await registerUser("pexp");
    await subscribed(b.token);
    expect(await pushSessions(b)).toHaveLength(1);
    await inUserObject(b.user.id, (o) => o.clock.advance(31 * 24 * 3_600_000));
    expect(await pushSessions(b)).toEqual([]);
  });
});
