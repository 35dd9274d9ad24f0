// Relay fan-out (issue #24): from RELAY_FROM_ONLINE members online a large group hands each
// event to its relays (one object per group and shard) instead of pushing to every member.
// The pool pushes through relays from 2 members online (vitest.config.ts); these tests move
// the line of one chat through its probe (`relayFrom`). The relays are real objects,
// evicted like any other.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relayName, relayShard } from "../../src/contract/objects";
import type { ChatRelay } from "../../src/relay";
import { api, groupOf, inChatObject, listening, type Account, type Frame, type TestSocket } from "./helpers";

const SHARDS = Number(env.RELAY_SHARDS);

const relayOf = (chatId: string, userId: string) => env.RELAYS.get(env.RELAYS.idFromName(relayName(chatId, relayShard(userId, SHARDS))));
const inRelay = <T>(chatId: string, userId: string, fn: (r: ChatRelay) => T) => runInDurableObject(relayOf(chatId, userId), fn);

/** Waits until `fn` holds (each check is a call on an object: no fixed sleeps). */
async function until(fn: () => Promise<boolean>): Promise<void> {
  while (!(await fn())) await new Promise((r) => setTimeout(r, 10));
}

const inRelaySet = (chatId: string, userId: string) => inRelay(chatId, userId, (r) => r.probe.members().includes(userId));
const isOnline = (chatId: string, userId: string) => inChatObject(chatId, (o) => o.probe.online(userId));

async function say(a: Account, chatId: string, content: string): Promise<number> {
  const res = await api({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text" }, { token: a.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.ev as number;
}

/** The evs of the pushes of `chatId` a socket gets, in the order they came, up to and including `upTo`. */
async function pushesUpTo(s: TestSocket, chatId: string, upTo: number): Promise<Frame[]> {
  const out: Frame[] = [];
  for (;;) {
    const f = await s.next((x) => x.status === undefined && x.chat_id === chatId && typeof x.ev === "number");
    out.push(f);
    if (f.ev >= upTo) return out;
  }
}

/** Every update of the group after `since` (getChatUpdates, following has_more). */
async function updatesSince(token: string, chatId: string, since: number): Promise<number[]> {
  const evs: number[] = [];
  for (;;) {
    const { body } = await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: since, limit: 100 }, { token });
    evs.push(...(body.updates as Frame[]).map((u) => u.ev as number));
    since = body.ev;
    if (!body.has_more) return evs;
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A large group pushing through relays from `from` members online, with `online` members listening, each in its online set. */
async function crowd(prefix: string, online: number, from: number) {
  const g = await groupOf(12, prefix);
  await inChatObject(g.chatId, (o) => o.probe.relayFrom(from));
  const members = [g.owner, ...g.rest].slice(0, online);
  const sockets: TestSocket[] = [];
  for (const m of members) sockets.push(await listening(m.token));
  for (const m of members) await until(() => isOnline(g.chatId, m.user.id));
  return { ...g, members, sockets };
}

describe("relay fan-out", () => {
  it("pushes every event once, in ev order, to each member online through their shard's relay", async () => {
    const g = await groupOf(12, "rl");
    await inChatObject(g.chatId, (o) => o.probe.relayFrom(3));
    const members = [g.owner, ...g.rest].slice(0, 4);
    const sockets: TestSocket[] = [];
    for (const m of members) sockets.push(await listening(m.token));
    for (const m of members) await until(() => inRelaySet(g.chatId, m.user.id));
    const sender = g.rest[8]!;
    let last = 0;
    for (let i = 0; i < 5; i++) last = await say(sender, g.chatId, `through relays ${i}`);
    for (const s of sockets) {
      const got = await pushesUpTo(s, g.chatId, last);
      expect(got.map((f) => f.ev)).toEqual(range(last - 4, last));
      expect(got.map((f) => f.message.content)).toEqual(range(0, 4).map((i) => `through relays ${i}`));
    }
    // A chatUpdated from a relay carries each member's own role and read position.
    await api({ mode: "markRead", chat_id: g.chatId, seq: 2 }, { token: members[1]!.token });
    const edit = await api({ mode: "editGroup", chat_id: g.chatId, title: "renamed" }, { token: g.owner.token });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    const [ownerPush] = await pushesUpTo(sockets[2]!, g.chatId, last + 1);
    const [memberPush] = await pushesUpTo(sockets[1]!, g.chatId, last + 1);
    expect(ownerPush).toMatchObject({ mode: "chatUpdated", ev: last + 1 });
    expect(memberPush!.chat).toMatchObject({ title: "renamed", role: "member", unread: 3, last_read_seq: 2 });
    expect((await pushesUpTo(sockets[0]!, g.chatId, last + 1))[0]!.chat).toMatchObject({ role: "owner", unread: 5, last_read_seq: 0 });
  });

  it("a member who goes offline leaves their relay; back online, they register again and catch up by ev", async () => {
    const g = await crowd("rm", 4, 2);
    const b = g.members[1]!;
    await until(() => inRelaySet(g.chatId, b.user.id));
    const sender = g.rest[8]!;
    const first = await say(sender, g.chatId, "all here");
    expect((await pushesUpTo(g.sockets[1]!, g.chatId, first)).map((f) => f.ev)).toEqual([first]);
    g.sockets[1]!.close();
    await until(async () => !(await isOnline(g.chatId, b.user.id)));
    await until(async () => !(await inRelaySet(g.chatId, b.user.id)));
    const missed = await say(sender, g.chatId, "b is away");
    // The others still get it through theirs.
    expect((await pushesUpTo(g.sockets[2]!, g.chatId, missed)).map((f) => f.ev)).toEqual([first, missed]);
    const back = await listening(b.token);
    await until(() => inRelaySet(g.chatId, b.user.id));
    const next = await say(sender, g.chatId, "welcome back");
    expect((await pushesUpTo(back, g.chatId, next)).map((f) => f.ev)).toEqual([next]);
    expect(await updatesSince(b.token, g.chatId, first)).toEqual([missed, next]);
  });

  it("a relay restarted mid-stream keeps its members: nothing pushed twice, nothing a client cannot catch up by ev", async () => {
    const g = await crowd("rr", 4, 2);
    const b = g.members[1]!;
    await until(() => inRelaySet(g.chatId, b.user.id));
    const sender = g.rest[8]!;
    const start = await say(sender, g.chatId, "before");
    await pushesUpTo(g.sockets[1]!, g.chatId, start);
    const sends = Promise.all(range(1, 6).map((i) => say(g.rest[i + 3]!, g.chatId, `during ${i}`)));
    await evictDurableObject(relayOf(g.chatId, b.user.id));
    await sends;
    // The relay is back with its members from storage; the next event reaches b through it.
    await until(() => inRelaySet(g.chatId, b.user.id));
    const after = await say(sender, g.chatId, "after");
    const evs = (await pushesUpTo(g.sockets[1]!, g.chatId, after)).map((f) => f.ev as number);
    expect([...evs].sort((x, y) => x - y)).toEqual(evs);
    expect(new Set(evs).size).toBe(evs.length);
    expect(evs.at(-1)).toBe(after);
    // What was not pushed comes by ev.
    const caught = new Set([...evs, ...(await updatesSince(b.token, g.chatId, start))]);
    expect([...caught].sort((x, y) => x - y)).toEqual(range(start + 1, after));
  });

  it("a role given while its member is online reaches them through their relay as their own, and only them", async () => {
    const g = await crowd("ro", 3, 2);
    const [a, b] = [g.members[1]!, g.members[2]!];
    for (const m of [a, b]) await until(() => inRelaySet(g.chatId, m.user.id));
    const set = await api({ mode: "setRole", chat_id: g.chatId, username: a.username, role: "admin" }, { token: g.owner.token });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const ev = set.body.ev as number;
    const [toA] = await pushesUpTo(g.sockets[1]!, g.chatId, ev);
    const [toB] = await pushesUpTo(g.sockets[2]!, g.chatId, ev);
    expect(toA).toMatchObject({ mode: "chatUpdated", ev, chat: { role: "admin" } });
    expect(toB).toMatchObject({ mode: "chatUpdated", ev, chat: { role: "member" } });
    // A later change of the group shows the role the member has then.
    const back = await api({ mode: "setRole", chat_id: g.chatId, username: a.username, role: "member" }, { token: g.owner.token });
    const [again] = await pushesUpTo(g.sockets[1]!, g.chatId, back.body.ev as number);
    expect(again).toMatchObject({ mode: "chatUpdated", chat: { role: "member" } });
  });

  it("crosses the threshold both ways without losing or repeating an event for a socket that stays", async () => {
    const g = await crowd("rx", 3, 100);
    const sender = g.rest[8]!;
    const ids = g.members.map((m) => m.user.id);
    const relayed = async () => (await Promise.all(ids.map((id) => inRelaySet(g.chatId, id)))).every(Boolean);
    const first = await say(sender, g.chatId, "direct");
    expect(await relayed()).toBe(false);
    // Up: sends race the switch.
    const up = Promise.all(range(1, 4).map((i) => say(g.rest[i + 2]!, g.chatId, `up ${i}`)));
    await inChatObject(g.chatId, (o) => o.probe.relayFrom(3));
    await up;
    await until(relayed);
    const mid = await say(sender, g.chatId, "relayed");
    // Down: under half the threshold, the relays hand their members back and forget them.
    const down = Promise.all(range(1, 4).map((i) => say(g.rest[i + 2]!, g.chatId, `down ${i}`)));
    await inChatObject(g.chatId, (o) => o.probe.relayFrom(100));
    await down;
    await until(async () =>
      (await Promise.all(ids.map((id) => inRelay(g.chatId, id, (r) => r.probe.tables().length === 0)))).every(Boolean),
    );
    const last = await say(sender, g.chatId, "direct again");
    for (const s of g.sockets) expect((await pushesUpTo(s, g.chatId, last)).map((f) => f.ev)).toEqual(range(first, last));
    expect(mid).toBeGreaterThan(first);
  });

  it("a relay stores nothing for a call about members it never had", async () => {
    const name = relayName("g_nonexistent", 3);
    const stub = env.RELAYS.get(env.RELAYS.idFromName(name));
    await stub.hand("g_nonexistent", { events: [{ ev: 1, frame: "{}" }], joins: [], leaves: [{ userId: "u_x", since: 1 }] });
    expect(await stub.hand("g_nonexistent", { events: [], joins: [], leaves: [], release: true })).toEqual({ released: {} });
    expect(await runInDurableObject(stub, (r: ChatRelay) => r.probe.tables())).toEqual([]);
  });
});
