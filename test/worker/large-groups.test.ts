// Large groups (fan-out on read): in these tests a group of more than 10 is large
// (LARGE_GROUP_MEMBERS in vitest.config.ts). Their events are pushed by ev to the members
// online, never written in members' logs, and read back with getChatUpdates.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatObject } from "../../src/chat";
import {
  api,
  chatStub,
  connect,
  failDeliveries,
  inChatObject,
  LARGE_AT,
  listening,
  registerUser,
  until,
  untilPts,
  userStub,
  type Account,
  type Frame,
  type TestSocket,
} from "./helpers";

async function users(n: number, prefix: string): Promise<Account[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => registerUser(`${prefix}${i}`)));
}

/** A large group: the owner and `n - 1` others. */
async function largeGroup(n: number, prefix: string) {
  const all = await users(n, prefix);
  const [owner, ...rest] = all;
  const res = await api({ mode: "createGroup", title: `${prefix} crowd`, members: rest.map((u) => u.username) }, { token: owner!.token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { owner: owner!, rest, all, chatId: res.body.chat.chat_id as string, created: res.body };
}

const say = (token: string, chatId: string, content: string, extra: Frame = {}) =>
  api({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text", ...extra }, { token });

/** A socket whose client lists its chats, as a client does once connected: the large groups listed push to it. */
/** Whether the user is in the chat object's online set. */
const isOnline = (chatId: string, userId: string) => inChatObject(chatId, (o) => o.probe.online(userId));

async function untilOnline(chatId: string, userId: string, online = true): Promise<void> {
  for (;;) {
    if ((await isOnline(chatId, userId)) === online) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The user's update log once `done` holds for it. */
async function logOnce(token: string, done: (log: Frame[]) => boolean): Promise<Frame[]> {
  for (;;) {
    const log = (await api({ mode: "sync", since: 0, limit: 500 }, { token })).body.updates as Frame[];
    if (done(log)) return log;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every update of a large group after `since` that this user may see, following has_more. */
async function allUpdates(token: string, chatId: string, since = 0, limit = 100): Promise<Frame[]> {
  const out: Frame[] = [];
  for (;;) {
    const { status, body } = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: since, limit }, { token });
    expect(status, JSON.stringify(body)).toBe(200);
    out.push(...body.updates);
    since = body.ev;
    if (!body.has_more) return out;
  }
}

describe("a group past LARGE_GROUP_MEMBERS", () => {
  it("is large from creation: large, ev and member_count in Chat, no members, chatCreated in every log", async () => {
    const { owner, rest, chatId, created } = await largeGroup(LARGE_AT + 1, "lc");
    expect(created.chat).toMatchObject({
      chat_id: chatId,
      type: "group",
      large: true,
      ev: 1,
      member_count: LARGE_AT + 1,
      owner: owner.username,
      unread: 0,
    });
    expect(created.chat.members).toBeUndefined();
    expect(created.pts).toBe(1);
    await untilPts(rest[0]!.token, 1);
    const sync = await api({ mode: "sync", since: 0 }, { token: rest[0]!.token });
    expect(sync.body.updates).toEqual([
      expect.objectContaining({
        mode: "chatCreated",
        pts: 1,
        chat: expect.objectContaining({ chat_id: chatId, large: true, ev: 1 }),
      }),
    ]);
    expect(sync.body.updates[0].chat.members).toBeUndefined();
  });

  it("stays small up to the limit, with members and member_count", async () => {
    const all = await users(LARGE_AT, "sm");
    const res = await api(
      { mode: "createGroup", title: "just small", members: all.slice(1).map((u) => u.username) },
      { token: all[0]!.token },
    );
    expect(res.body.chat).toMatchObject({ member_count: LARGE_AT, members: all.map((u) => u.username) });
    expect(res.body.chat.large).toBeUndefined();
    expect((await api({ mode: "getChatUpdates", chat_id: res.body.chat.chat_id, since_ev: 0 }, { token: all[0]!.token })).body.error).toBe(
      "wrong_chat_type",
    );
  });

  it("pushes messages by ev to members online, not the requesting socket, and writes no log", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lp");
    const [b] = rest;
    const sb = await listening(b!.token);
    const ownerOther = await listening(owner.token);
    const ownerSender = await listening(owner.token);
    await untilOnline(chatId, b!.user.id);
    await untilOnline(chatId, owner.user.id);
    const sent = await ownerSender.request({
      mode: "sendGroupMessage",
      chat_id: chatId,
      content: "hello crowd",
      content_type: "text",
    });
    expect(sent).toMatchObject({ status: 200, ev: 2, message: { seq: 1, content: "hello crowd" } });
    expect(sent.pts).toBeUndefined();
    const push = await sb.nextPush("newMessage");
    expect(push).toEqual({
      mode: "newMessage",
      timestamp: expect.any(Number),
      chat_id: chatId,
      ev: 2,
      message: sent.message,
    });
    expect(await ownerOther.nextPush("newMessage")).toMatchObject({ ev: 2 });
    // The next event, by someone else, reaches the sending socket; its own came before it, if at all.
    await say(b!.token, chatId, "hello back");
    await ownerSender.nothingBefore(
      (f) => f.mode === "newMessage" && f.ev === 3,
      (f) => f.mode === "newMessage" && f.ev === 2,
    );
    // Not in anyone's log: b's log still ends with chatCreated.
    expect((await api({ mode: "sync", since: 0 }, { token: b!.token })).body.updates.map((u: Frame) => u.mode)).toEqual(["chatCreated"]);
    for (const s of [sb, ownerOther, ownerSender]) s.close();
  });

  it("an offline member is not in the online set, catches up with getChatUpdates in pages, and sees getChats' ev and unread", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 2, "lo");
    const b = rest[0]!;
    const sb = await listening(b.token);
    await untilOnline(chatId, b.user.id);
    sb.close();
    await untilOnline(chatId, b.user.id, false);
    for (let i = 1; i <= 25; i++) expect((await say(owner.token, chatId, `m${i}`)).status).toBe(200);
    expect(await isOnline(chatId, b.user.id)).toBe(false);

    const chats = (await api({ mode: "getChats" }, { token: b.token })).body.chats;
    expect(chats[0]).toMatchObject({
      chat_id: chatId,
      large: true,
      ev: 26,
      unread: 25,
      last_read_seq: 0,
      last_message: { seq: 25, content: "m25" },
    });

    const p1 = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: 1, limit: 10 }, { token: b.token });
    expect(p1.body).toMatchObject({ chat_id: chatId, ev: 11, has_more: true });
    expect(p1.body.updates.map((u: Frame) => u.ev)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const rest2 = await allUpdates(b.token, chatId, p1.body.ev, 10);
    expect(rest2.map((u) => u.message.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 11));
    const none = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: 26 }, { token: b.token });
    expect(none.body).toEqual({
      mode: "getChatUpdates",
      timestamp: expect.any(Number),
      status: 200,
      chat_id: chatId,
      updates: [],
      ev: 26,
      has_more: false,
    });
  });

  it("an idempotent resend returns the original message and ev, and stores nothing", async () => {
    const { owner, chatId } = await largeGroup(LARGE_AT + 1, "li");
    const first = await say(owner.token, chatId, "once", { client_msg_id: "same-1" });
    const again = await say(owner.token, chatId, "once", { client_msg_id: "same-1" });
    expect(again.body).toMatchObject({ ev: first.body.ev, message: first.body.message });
    const history = await api({ mode: "getMessages", chat_id: chatId }, { token: owner.token });
    expect(history.body.messages).toHaveLength(1);
    expect((await allUpdates(owner.token, chatId)).map((u) => u.ev)).toEqual([first.body.ev]);
  });

  it("edits and deletes come by ev, and a deleted message's text does not come back from getChatUpdates", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "ld");
    const m1 = await say(owner.token, chatId, "my bank PIN is 4321");
    const edited = await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "my bank PIN is 0000" }, { token: owner.token });
    expect(edited.body).toMatchObject({ ev: m1.body.ev + 1, message: { content: "my bank PIN is 0000" } });
    const deleted = await api({ mode: "deleteMessage", chat_id: chatId, seq: 1 }, { token: owner.token });
    expect(deleted.body).toMatchObject({ ev: m1.body.ev + 2, message: { content: "", deleted: true } });
    await say(owner.token, chatId, "kept");
    const updates = await allUpdates(rest[0]!.token, chatId);
    expect(updates.map((u) => u.mode)).toEqual(["newMessage", "messageEdited", "messageDeleted", "newMessage"]);
    expect(JSON.stringify(updates)).not.toContain("4321");
    expect(JSON.stringify(updates)).not.toContain("0000");
    for (const u of updates.slice(0, 3)) expect(u.message).toMatchObject({ seq: 1, content: "", deleted: true });
    expect(updates[3]!.message).toMatchObject({ seq: 2, content: "kept" });
  });

  it("markRead goes to the reader's own log only; typing reaches the members online", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lr");
    const [b, c] = rest;
    await say(owner.token, chatId, "read me");
    const bOther = await connect(b!.token);
    const sc = await listening(c!.token);
    await untilOnline(chatId, c!.user.id);
    const read = await api({ mode: "markRead", chat_id: chatId, seq: 1 }, { token: b!.token });
    expect(read.body).toMatchObject({ chat_id: chatId, last_read_seq: 1, unread: 0, pts: 2 });
    expect(await bOther.nextPush("readReceipt")).toMatchObject({
      chat_id: chatId,
      username: b!.username,
      seq: 1,
      pts: 2,
    });
    expect((await api({ mode: "getChats" }, { token: b!.token })).body.chats[0]).toMatchObject({
      unread: 0,
      last_read_seq: 1,
    });

    expect((await api({ mode: "typing", chat_id: chatId }, { token: owner.token })).status).toBe(200);
    expect(await sc.nextPush("typing")).toMatchObject({ chat_id: chatId, username: owner.username });
    bOther.close();
    sc.close();
  });
});

describe("the switch from small to large", () => {
  it("is one chatUpdated in every member's log; with messages in flight no update is missed or seen twice", async () => {
    const founders = await users(4, "sw");
    const [owner, ...others] = founders;
    const joiners = await users(LARGE_AT - 2, "sj");
    const watchers = await Promise.all(founders.map((u) => connect(u.token)));
    const chatId = (await api({ mode: "createGroup", title: "growing", members: others.map((u) => u.username) }, { token: owner!.token }))
      .body.chat.chat_id;
    await Promise.all(watchers.map((w) => w.nextPush("chatCreated")));

    // Two senders keep sending while the owner adds enough members to make it large.
    const sending = Promise.all(
      others.slice(0, 2).map(async (u, k) => {
        const out: number[] = [];
        for (let i = 0; i < 15; i++) out.push((await say(u.token, chatId, `${k}-${i}`)).body.message.seq);
        return out;
      }),
    );
    const added = await api({ mode: "addMembers", chat_id: chatId, members: joiners.map((u) => u.username) }, { token: owner!.token });
    const seqs = (await sending).flat();
    expect(added.body.chat).toMatchObject({ large: true, member_count: LARGE_AT + 2 });
    expect(added.body.pts).toEqual(expect.any(Number));
    const switchEv: number = added.body.chat.ev;

    const total = seqs.length;
    expect(new Set(seqs).size).toBe(total);
    for (const [i, u] of [...founders, joiners[0]!].entries()) {
      // The log holds the messages before the switch and the switch itself; the group holds
      // the rest. Deliveries run after the answers: wait until the log has them all.
      const byEv = (await allUpdates(u.token, chatId, switchEv)).filter((f) => f.mode === "newMessage").map((f) => f.message.seq);
      const founder = i < founders.length;
      const before = founder ? total - byEv.length : 0;
      const log = await logOnce(u.token, (l) => l.some((f) => f.chat?.large) && l.filter((f) => f.mode === "newMessage").length >= before);
      const theSwitch = log.filter((f) => f.chat?.large);
      expect(theSwitch, `user ${i}`).toHaveLength(1);
      expect(theSwitch[0]).toMatchObject({
        mode: founder ? "chatUpdated" : "chatCreated",
        chat: { ev: switchEv, large: true },
      });
      const fromLog = log.filter((f) => f.mode === "newMessage").map((f) => f.message.seq);
      if (founder)
        expect(
          [...fromLog, ...byEv].sort((a, b) => a - b),
          `user ${i}`,
        ).toEqual(Array.from({ length: total }, (_, k) => k + 1));
      else expect(fromLog).toEqual([]);
    }

    // A founder online saw the same, live: log pushes up to the switch, then ev pushes.
    const w = watchers[3]!;
    const live: number[] = [];
    let lastEv = switchEv;
    while (live.length < total) {
      const f = await w.nextPush("newMessage");
      live.push(f.message.seq);
      if (f.ev !== undefined) {
        expect(f.pts).toBeUndefined();
        expect(f.ev).toBeGreaterThan(lastEv);
        lastEv = f.ev;
      }
    }
    expect([...live].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, k) => k + 1));
    for (const s of watchers) s.close();
  });
});

describe("members of a large group", () => {
  it("a member added while messages flow sees only the events after the one that added them", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "la");
    const late = await registerUser("late");
    const sLate = await connect(late.token);
    await say(rest[0]!.token, chatId, "before you");
    const added = await api({ mode: "addMembers", chat_id: chatId, members: [late.username] }, { token: owner.token });
    // The owner's answer shows the group as it is, though others' messages are not in the owner's log.
    expect(added.body).toMatchObject({
      ev: 3,
      chat: { member_count: LARGE_AT + 2, ev: 3, last_message: { content: "before you" }, unread: 1 },
    });
    expect(added.body.pts).toBeUndefined();
    const created = await sLate.nextPush("chatCreated");
    expect(created).toMatchObject({
      pts: 1,
      chat: { chat_id: chatId, large: true, ev: 3, last_message: { content: "before you" }, unread: 0 },
    });
    await untilOnline(chatId, late.user.id);
    await say(owner.token, chatId, "after you");
    expect(await sLate.nextPush("newMessage")).toMatchObject({ ev: 4, message: { content: "after you" } });
    expect((await allUpdates(late.token, chatId)).map((u) => u.ev)).toEqual([4]);
    sLate.close();
  });

  it("members added at once get one chatCreated each, without the list of everyone added; one who left and comes back counts once", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lm");
    const [back, still] = rest;
    const [a, b] = await users(2, "lm-new");
    expect((await api({ mode: "removeMember", chat_id: chatId, username: back!.username }, { token: owner.token })).status).toBe(200);
    await failDeliveries(a!.user.id, async () => {
      const added = await api(
        {
          mode: "addMembers",
          chat_id: chatId,
          members: [back!.username, still!.username, a!.username, b!.username, a!.username.toUpperCase()],
        },
        { token: owner.token },
      );
      expect(added.body).toMatchObject({ status: 200, ev: 3, chat: { member_count: LARGE_AT + 3 } });
      // Held for A: the entry as it waits in the group, 1,000 joiners' worth of names in none of them.
      const waiting = await inChatObject(chatId, (o) => o.probe.waiting(a!.user.id));
      expect(waiting).toEqual([expect.objectContaining({ kind: "chat", ev: 3 })]);
      expect((waiting[0] as { chat: object }).chat).not.toHaveProperty("added");
    });
    for (const m of [back!, b!]) {
      const log = await logOnce(m.token, (l) => l.some((u) => u.mode === "chatCreated" && u.chat.chat_id === chatId));
      expect(log.filter((u) => u.chat?.chat_id === chatId).at(-1)).toMatchObject({
        mode: "chatCreated",
        chat: { large: true, ev: 3, member_count: LARGE_AT + 3 },
      });
    }
    const page = await api({ mode: "getMembers", chat_id: chatId, limit: 100 }, { token: owner.token });
    expect(page.body.members).toHaveLength(LARGE_AT + 3);
  });

  it("a removed member gets removedFromChat in their log and nothing after; the others see chatUpdated by ev", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 2, "lx");
    const [gone, stays] = rest;
    const sGone = await listening(gone!.token);
    const sStays = await listening(stays!.token);
    await untilOnline(chatId, gone!.user.id);
    await untilOnline(chatId, stays!.user.id);
    const removed = await api({ mode: "removeMember", chat_id: chatId, username: gone!.username }, { token: owner.token });
    expect(removed.body).toMatchObject({ ev: 2, chat: { member_count: LARGE_AT + 1 } });
    expect(await sGone.nextPush("removedFromChat")).toMatchObject({ chat_id: chatId, pts: 2 });
    expect(await sStays.nextPush("chatUpdated")).toMatchObject({
      ev: 2,
      chat_id: chatId,
      chat: { large: true, ev: 2, member_count: LARGE_AT + 1 },
    });
    expect(await isOnline(chatId, gone!.user.id)).toBe(false);
    await say(owner.token, chatId, "without you");
    expect(await sStays.nextPush("newMessage")).toMatchObject({ ev: 3 });
    expect((await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0 }, { token: gone!.token })).body.error).toBe("chat_not_found");

    const left = await api({ mode: "leaveChat", chat_id: chatId }, { token: stays!.token });
    expect(left.body).toMatchObject({ chat_id: chatId, pts: expect.any(Number) });
    expect((await api({ mode: "getChats" }, { token: stays!.token })).body.chats).toEqual([]);
    sGone.close();
    sStays.close();
  });

  it("getMembers pages any group by lower-cased username", async () => {
    const { owner, all, chatId } = await largeGroup(LARGE_AT + 3, "Pg");
    const names = all.map((u) => u.username).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    const seen: Frame[] = [];
    let after: string | undefined;
    for (;;) {
      const { body } = await api(
        { mode: "getMembers", chat_id: chatId, limit: 3, ...(after && { after: after.toUpperCase() }) },
        { token: all[2]!.token },
      );
      seen.push(...body.members);
      if (!body.has_more) break;
      after = body.members.at(-1).username;
    }
    expect(seen.map((m) => m.username)).toEqual(names);
    expect(seen.find((m) => m.username === owner.username)).toEqual({ username: owner.username, role: "owner" });
    expect(seen.filter((m) => m.role === "owner")).toHaveLength(1);
    // A small group pages the same way.
    const [x, y] = await users(2, "pq");
    const small = (await api({ mode: "createGroup", title: "two", members: [y!.username] }, { token: x!.token })).body.chat.chat_id;
    expect((await api({ mode: "getMembers", chat_id: small }, { token: y!.token })).body).toMatchObject({
      chat_id: small,
      has_more: false,
      members: expect.any(Array),
    });
  });
});

describe("the online set", () => {
  it("survives a restart of the chat object", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lrs");
    const sb = await listening(rest[0]!.token);
    await untilOnline(chatId, rest[0]!.user.id);
    await evictDurableObject(chatStub(chatId));
    await say(owner.token, chatId, "after the restart");
    expect(await sb.nextPush("newMessage")).toMatchObject({ ev: 2, message: { content: "after the restart" } });
    sb.close();
  });

  it("drops a member whose user object answers it has no socket, and takes it back when it connects", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lds");
    const ghost = rest[0]!;
    // The user object lost its sockets without telling the group (as after a crash).
    await runInDurableObject(chatStub(chatId), (o: ChatObject) => o.probe.storeOnline(ghost.user.id, 1));
    await evictDurableObject(chatStub(chatId));
    expect(await isOnline(chatId, ghost.user.id)).toBe(true);
    await say(owner.token, chatId, "anyone there?");
    await untilOnline(chatId, ghost.user.id, false);
    // It comes back when it connects again.
    const s = await listening(ghost.token);
    await untilOnline(chatId, ghost.user.id);
    await say(owner.token, chatId, "there you are");
    expect(await s.nextPush("newMessage")).toMatchObject({ message: { content: "there you are" } });
    s.close();
    await untilOnline(chatId, ghost.user.id, false);
  });

  it("an online member who reconnects mid-stream catches up from getChats' ev with no gap", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lre");
    const b = rest[0]!;
    let sb: TestSocket = await listening(b.token);
    await untilOnline(chatId, b.user.id);
    const seen = new Map<number, number>();
    const sending = (async () => {
      for (let i = 1; i <= 20; i++) await say(owner.token, chatId, `s${i}`);
    })();
    let lastEv = 1;
    for (let k = 0; k < 5; k++) {
      const f = await sb.nextPush("newMessage");
      seen.set(f.ev, f.message.seq);
      lastEv = f.ev;
    }
    sb.close();
    sb = await connect(b.token);
    const listed = (await sb.request({ mode: "getChats" })).chats.find((c: Frame) => c.chat_id === chatId);
    for (const u of await allUpdates(b.token, chatId, lastEv)) seen.set(u.ev, u.message.seq);
    expect(listed.ev).toBeGreaterThanOrEqual(lastEv);
    await sending;
    // What the group pushed after the reconnect, and a last fill, complete the stream.
    for (const f of sb.pending().filter((p) => p.mode === "newMessage")) seen.set(f.ev, f.message.seq);
    for (const u of await allUpdates(b.token, chatId, Math.max(...seen.keys()))) seen.set(u.ev, u.message.seq);
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect([...seen.values()].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    sb.close();
  });

  it("a push that fails is retried from the alarm", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lf");
    const b = rest[0]!;
    const sb = await listening(b.token);
    await untilOnline(chatId, b.user.id);
    const proto = await runInDurableObject(
      userStub(b.user.id),
      (o: object) => Object.getPrototypeOf(o) as { pushLarge: (...a: unknown[]) => boolean },
    );
    const real = proto.pushLarge;
    let failed = 0;
    proto.pushLarge = function (this: unknown, ...args: unknown[]) {
      if (failed++ === 0) throw new Error("injected push failure");
      return real.apply(this, args);
    };
    try {
      await say(owner.token, chatId, "try again");
      // The chat hears of the failure a moment after the throw, and only then asks for its
      // alarm: run the alarm until the retry has called again.
      while (failed < 2) {
        await runDurableObjectAlarm(chatStub(chatId));
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await sb.nextPush("newMessage")).toMatchObject({ ev: 2, message: { content: "try again" } });
    } finally {
      proto.pushLarge = real;
    }
    sb.close();
  });
});

describe("presence", () => {
  /** Calls the user object made to tell large groups it is online or not (test-only accessor). */
  const presenceCalls = (userId: string) =>
    runInDurableObject(userStub(userId), (o: object) => (o as { large: { presenceCalls: number } }).large.presenceCalls);
  /** Chat-list rows a large group's answer changed (test-only accessor). */
  const rowsRefreshed = (userId: string) =>
    runInDurableObject(userStub(userId), (o: object) => (o as { large: { rowsRefreshed: number } }).large.rowsRefreshed);

  /**
   * Holds the chat objects' `presence` (every chat object's: they share the class) while
   * `held` is true: `call` holds the call before it runs, `answer` runs a member's going
   * online at once and holds only its answer. `restore` puts the real method back.
   */
  async function holdPresence(chatId: string, what: "call" | "answer") {
    const proto = await inChatObject(chatId, (o) => Object.getPrototypeOf(o) as ChatObject);
    const real = proto.presence;
    const hold = {
      held: true,
      restore: () => {
        hold.held = false;
        proto.presence = real;
      },
    };
    const wait = async () => {
      while (hold.held) await new Promise((r) => setTimeout(r, 5));
    };
    proto.presence = async function (this: ChatObject, ...args: Parameters<ChatObject["presence"]>) {
      if (what === "call") await wait();
      const answer = await real.apply(this, args);
      if (what === "answer" && args[2]) await wait();
      return answer;
    };
    return hold;
  }

  it("connecting tells the large groups in the background, once each; a socket that never lists them gets their pushes", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lz");
    const [b] = rest;
    // The socket answers before any group is asked; then the group is told, without getChats.
    const sb = await connect(b!.token);
    await untilOnline(chatId, b!.user.id);
    expect(await presenceCalls(b!.user.id)).toBe(1);
    await say(owner.token, chatId, "you never listed me");
    expect(await sb.nextPush("newMessage")).toMatchObject({ ev: 2, message: { content: "you never listed me" } });

    // Listing or opening it asks for nothing more: it is told already.
    expect((await sb.request({ mode: "getChats" })).chats[0]).toMatchObject({ chat_id: chatId, large: true, ev: 2 });
    expect(await sb.request({ mode: "getMessages", chat_id: chatId })).toMatchObject({ status: 200 });
    expect(await presenceCalls(b!.user.id)).toBe(1);

    // A second socket is not a new run: nothing is told again.
    const sb2 = await connect(b!.token);
    expect(await sb2.request({ mode: "getChats" })).toMatchObject({ status: 200 });
    expect(await presenceCalls(b!.user.id)).toBe(1);

    // The last socket closing tells the groups told, and only those.
    sb.close();
    sb2.close();
    await untilOnline(chatId, b!.user.id, false);
    expect(await presenceCalls(b!.user.id)).toBe(2);
  });

  it("a first getChats of a user in N large groups costs N calls, not 2N: a group being told is waited for, not asked again", async () => {
    const n = 20;
    const [owner, b, ...rest] = await users(LARGE_AT + 1, "lt");
    const ids: string[] = [];
    for (let g = 0; g < n; g++) {
      const res = await api(
        { mode: "createGroup", title: `lt ${g}`, members: [b!, ...rest].map((u) => u.username) },
        { token: owner!.token },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.chat.chat_id);
    }
    const calls = () =>
      runInDurableObject(userStub(b!.user.id), (o: object) => {
        const { presenceCalls, summaryCalls } = (o as { large: { presenceCalls: number; summaryCalls: number } }).large;
        return { presenceCalls, summaryCalls };
      });
    // Chat objects answer presence only once the test lets them: the background step's
    // calls are still in flight when the client lists its chats.
    const hold = await holdPresence(ids[0]!, "call");
    try {
      const sb = await connect(b!.token);
      await until(async () => (await calls()).presenceCalls >= 16);
      const listed = sb.request({ mode: "getChats" });
      // Every group is being told: by the background step, or by the listing.
      await until(async () => (await calls()).presenceCalls === n);
      hold.held = false;
      const page = await listed;
      expect(
        page.chats
          .filter((c: Frame) => c.large && c.ev === 1)
          .map((c: Frame) => c.chat_id)
          .sort(),
      ).toEqual([...ids].sort());
      expect(await calls()).toEqual({ presenceCalls: n, summaryCalls: 0 });
      await say(owner!.token, ids[0]!, "pushed");
      expect(await sb.nextPush("newMessage")).toMatchObject({ chat_id: ids[0], message: { content: "pushed" } });
      sb.close();
    } finally {
      hold.restore();
    }
  });

  it("a tell answered after its run ended leaves the group to be asked again in the next run", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lf");
    const b = rest[0]!;
    // A message b's chat list has not seen: the answer to the tell refreshes the row.
    await say(owner.token, chatId, "before");
    const before = await rowsRefreshed(b.user.id);
    const hold = await holdPresence(chatId, "answer");
    try {
      // The background step tells the group; the socket closes (and the group takes the
      // member offline) before the answer reaches the user object.
      const s = await connect(b.token);
      await until(async () => (await presenceCalls(b.user.id)) === 1);
      s.close();
      await until(async () => (await presenceCalls(b.user.id)) === 2);
      await untilOnline(chatId, b.user.id, false);
      hold.held = false;
      await until(async () => (await rowsRefreshed(b.user.id)) === before + 1);
      await say(owner.token, chatId, "while away");
      // The next run's getChats asks the group (and waits for it), not what the late answer said.
      hold.held = true;
      const s2 = await connect(b.token);
      const page = s2.request({ mode: "getChats" });
      await until(async () => (await presenceCalls(b.user.id)) === 3);
      hold.held = false;
      expect((await page).chats[0]).toMatchObject({ chat_id: chatId, last_message: { content: "while away" }, unread: 2 });
      s2.close();
    } finally {
      hold.restore();
    }
  });

  it("a group that has not moved since it was last asked changes no row of the chat list", async () => {
    const { owner, rest, chatId } = await largeGroup(LARGE_AT + 1, "lw");
    const b = rest[0]!;
    const refreshed = () => rowsRefreshed(b.user.id);
    const run = async () => {
      const s = await connect(b.token);
      const page = await s.request({ mode: "getChats" });
      await untilOnline(chatId, b.user.id);
      s.close();
      await untilOnline(chatId, b.user.id, false);
      return page;
    };
    await run();
    const before = await refreshed();
    await run();
    expect(await refreshed()).toBe(before);
    await say(owner.token, chatId, "moved");
    expect((await run()).chats[0]).toMatchObject({ chat_id: chatId, last_message: { content: "moved" }, unread: 1 });
    expect(await refreshed()).toBe(before + 1);
  });
});

describe("bad input", () => {
  it("answers getChatUpdates and getMembers errors with the contract's codes", async () => {
    const { owner, chatId } = await largeGroup(LARGE_AT + 1, "le");
    const [x, y] = await users(2, "le2");
    const direct = (await api({ mode: "createChat", username: y!.username }, { token: x!.token })).body.chat.chat_id;
    const ask = (frame: Frame, token = owner.token) => api(frame, { token });
    expect((await ask({ mode: "getChatUpdates", chat_id: direct, since_ev: 0 }, x!.token)).body).toMatchObject({
      status: 400,
      error: "wrong_chat_type",
    });
    expect((await ask({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0 }, x!.token)).body).toMatchObject({
      status: 404,
      error: "chat_not_found",
    });
    expect((await ask({ mode: "getChatUpdates", chat_id: "g_nope", since_ev: 0 })).body).toMatchObject({
      status: 404,
      error: "chat_not_found",
    });
    for (const [frame, field] of [
      [{ since_ev: -1 }, "since_ev"],
      [{ since_ev: "1" }, "since_ev"],
      [{}, "since_ev"],
      [{ since_ev: 0, limit: 0 }, "limit"],
      [{ since_ev: 0, limit: 501 }, "limit"],
      [{ since_ev: 0.5 }, "since_ev"],
    ] as const) {
      const res = await ask({ mode: "getChatUpdates", chat_id: chatId, ...frame });
      expect(res.body, JSON.stringify(frame)).toMatchObject({
        status: 400,
        error: "invalid_request",
        fields: { [field]: expect.any(String) },
      });
    }
    expect((await ask({ mode: "getMembers", chat_id: chatId, limit: 1001 })).body).toMatchObject({
      error: "invalid_request",
      fields: { limit: expect.any(String) },
    });
    expect((await ask({ mode: "getMembers", chat_id: chatId, after: "" })).body).toMatchObject({
      error: "invalid_request",
      fields: { after: expect.any(String) },
    });
    expect((await ask({ mode: "getMembers", chat_id: chatId }, x!.token)).body).toMatchObject({
      status: 404,
      error: "chat_not_found",
    });
    expect((await ask({ mode: "getMembers", chat_id: direct }, x!.token)).body).toMatchObject({
      status: 400,
      error: "wrong_chat_type",
    });
    const tooMany = await ask({
      mode: "addMembers",
      chat_id: chatId,
      members: Array.from({ length: 1001 }, (_, i) => `n${i}`),
    });
    expect(tooMany.body).toMatchObject({
      status: 400,
      error: "invalid_request",
      fields: { members: expect.any(String) },
    });
  });

  it("answers on a socket as over POST /api", async () => {
    const { owner, chatId } = await largeGroup(LARGE_AT + 1, "lw");
    const s = await connect(owner.token);
    expect(await s.request({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0 })).toMatchObject({
      status: 200,
      chat_id: chatId,
      updates: [],
      ev: 1,
      has_more: false,
    });
    expect(await s.request({ mode: "getMembers", chat_id: chatId, limit: 2 })).toMatchObject({
      status: 200,
      has_more: true,
      members: [expect.any(Object), expect.any(Object)],
    });
    expect(await s.request({ mode: "getChatUpdates", chat_id: chatId, since_ev: -1 })).toMatchObject({
      status: 400,
      error: "invalid_request",
    });
    s.close();
  });
});
