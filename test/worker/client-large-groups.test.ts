// The client library in large groups: their pushes applied in ev order exactly once, early
// ones held, gaps filled with getChatUpdates, and moved groups caught up after a reconnect.
import { afterEach, describe, expect, it } from "vitest";
import type { ChatClient, ClientOptions } from "../../src/client";
import { api, LARGE_AT, registerUser, until, type Account } from "./helpers";
import { PoolNetwork, collect } from "./pool-network";

const open: ChatClient[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

async function ready(net: PoolNetwork, a: Account, options: Omit<ClientOptions, "url"> = {}): Promise<ChatClient> {
  const c = net.client({ token: a.token, ...options });
  open.push(c);
  c.connect();
  await until(() => c.state === "ready", `${a.username} ready`);
  return c;
}

async function crowd(n: number, prefix: string): Promise<Account[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => registerUser(`${prefix}${i}`)));
}

const seqs = (pushes: { message: { seq: number } }[]) => pushes.map((p) => p.message.seq);

/** A large group made by `owner`; `member`'s client follows it from its chatCreated. */
async function largeGroupWatched(prefix: string) {
  const [owner, member, ...rest] = await crowd(LARGE_AT + 1, prefix);
  const net = new PoolNetwork();
  const bob = await ready(net, member!);
  const res = await api(
    { mode: "createGroup", title: "many", members: [member!, ...rest].map((u) => u.username) },
    { token: owner!.token },
  );
  const chatId: string = res.body.chat.chat_id;
  await until(() => bob.evs[chatId] === 1, "bob following the group from ev 1");
  return { owner: owner!, member: member!, net, bob, chatId };
}

const send = (a: Account, chatId: string, content: string) =>
  api({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text" }, { token: a.token });

describe("large groups in the client", () => {
  it("applies a group's pushes in ev order, once each, and reports the ev", async () => {
    const { owner, net, bob, chatId } = await largeGroupWatched("ce");
    const pushes = collect(bob, "newMessage");
    const evs = collect(bob, "ev");
    for (let i = 1; i <= 4; i++) await send(owner, chatId, `m${i}`);
    await until(() => pushes.length === 4, "four pushes");
    expect(seqs(pushes)).toEqual([1, 2, 3, 4]);
    expect(pushes.map((p) => p.ev)).toEqual([2, 3, 4, 5]);
    expect(pushes.every((p) => p.pts === undefined)).toBe(true);
    // The same push again changes nothing.
    net.current.inject({
      mode: "newMessage",
      timestamp: Date.now(),
      chat_id: chatId,
      ev: 3,
      message: pushes[1]!.message,
    });
    await send(owner, chatId, "m5");
    await until(() => pushes.length === 5, "the fifth");
    expect(seqs(pushes)).toEqual([1, 2, 3, 4, 5]);
    expect(bob.evs[chatId]).toBe(6);
    expect(evs.at(-1)).toEqual({ chat_id: chatId, ev: 6 });
    // The user's pts did not move: none of it is in the log.
    expect(bob.pts).toBe(1);
  });

  it("holds a push that comes early and fills the gap with getChatUpdates", async () => {
    const { owner, net, bob, chatId } = await largeGroupWatched("cg");
    const pushes = collect(bob, "newMessage");
    net.loseIncoming = (f) => f.ev === 3;
    for (let i = 1; i <= 3; i++) await send(owner, chatId, `m${i}`);
    await until(() => pushes.length === 3, "all three, the lost one fetched");
    expect(seqs(pushes)).toEqual([1, 2, 3]);
    expect(net.current.sent.filter((f) => f.mode === "getChatUpdates")).toEqual([
      expect.objectContaining({ chat_id: chatId, since_ev: 2 }),
    ]);
  });

  it("counts its own send from the response's ev, and its other devices get the push", async () => {
    const { member, bob, chatId } = await largeGroupWatched("co");
    const phone = await ready(new PoolNetwork(), member);
    await until(() => phone.evs[chatId] === 1, "the phone following the group");
    const onBob = collect(bob, "newMessage");
    const onPhone = collect(phone, "newMessage");
    const { message, ev } = await bob.sendGroupMessage({ chat_id: chatId, content: "mine" });
    expect(ev).toBe(2);
    expect(bob.evs[chatId]).toBe(2);
    await until(() => onPhone.length === 1, "the push on the phone");
    expect(onPhone[0]).toMatchObject({ ev: 2, message });
    expect(onBob).toEqual([]);
  });

  it("after a reconnect, catches up a group whose ev moved", async () => {
    const { owner, net, bob, chatId } = await largeGroupWatched("cr");
    const pushes = collect(bob, "newMessage");
    net.offline = true;
    net.current.drop();
    await until(() => bob.state === "waiting", "bob waiting to reconnect");
    for (let i = 1; i <= 3; i++) await send(owner, chatId, `missed ${i}`);
    net.offline = false;
    bob.connect();
    await until(() => bob.state === "ready", "bob back");
    expect(seqs(pushes)).toEqual([1, 2, 3]);
    expect(bob.evs[chatId]).toBe(4);
  });

  it("follows a group that becomes large, with no message missed or seen twice", async () => {
    const [owner, member, ...joiners] = await crowd(LARGE_AT + 1, "cs");
    const net = new PoolNetwork();
    const bob = await ready(net, member!);
    const pushes = collect(bob, "newMessage");
    const { chat } = (await api({ mode: "createGroup", title: "grows", members: [member!.username] }, { token: owner!.token })).body;
    await until(() => bob.pts === 1, "bob in the group");
    const sending = (async () => {
      for (let i = 1; i <= 12; i++) await send(owner!, chat.chat_id, `m${i}`);
    })();
    const added = await api(
      { mode: "addMembers", chat_id: chat.chat_id, members: joiners.map((u) => u.username) },
      { token: owner!.token },
    );
    expect(added.body.chat.large).toBe(true);
    await sending;
    await until(() => pushes.length >= 12 && bob.evs[chat.chat_id] !== undefined, "every message at bob");
    expect(seqs(pushes).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(seqs(pushes)).size).toBe(12);
  });

  it("stops following a group it is removed from", async () => {
    const { owner, member, bob, chatId } = await largeGroupWatched("cx");
    const evs = collect(bob, "ev");
    await api({ mode: "removeMember", chat_id: chatId, username: member.username }, { token: owner.token });
    await until(() => evs.some((e) => e.ev === null), "bob forgetting the group");
    expect(bob.evs[chatId]).toBeUndefined();
  });
});
