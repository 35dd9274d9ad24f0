// The client library (src/client) against the real Worker and objects, over sockets the
// pool opens with SELF.fetch, with drops, outages and lost frames made on purpose.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { ClientError, type ChatClient, type ClientEvents, type Message } from "../../src/client";
import { api, fillChatList, inUserObject, registerUser, unique, until, untilPts, userStub, type Account } from "./helpers";
import { MAX_RECONNECT_DELAY_MS, PoolNetwork, collect } from "./pool-network";

const open: ChatClient[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function track(c: ChatClient): ChatClient {
  open.push(c);
  return c;
}

async function connected(net: PoolNetwork, account: Account, options: Parameters<PoolNetwork["client"]>[0] = {}): Promise<ChatClient> {
  const c = track(net.client({ token: account.token, ...options }));
  c.connect();
  await until(() => c.state === "ready", `${account.username} ready`);
  return c;
}

/** Two users with a direct chat, each on their own client and network. */
async function pair() {
  const [a, b] = [await registerUser("ca"), await registerUser("cb")];
  const [aNet, bNet] = [new PoolNetwork(), new PoolNetwork()];
  const alice = await connected(aNet, a);
  const bob = await connected(bNet, b);
  const { chat } = await alice.createChat({ username: b.username });
  return { a, b, aNet, bNet, alice, bob, chatId: chat.chat_id };
}

const contents = (ms: ClientEvents["newMessage"][]) => ms.map((p) => p.message.content);

/** The pts of every emitted update, in order; together with the ones answered in responses they must be 1, 2, 3… */
function expectGapless(pts: number[], from = 1) {
  expect(pts).toEqual(Array.from({ length: pts.length }, (_, i) => from + i));
}

describe("requests", () => {
  it("registers on an anonymous socket, which then is the user's", async () => {
    const net = new PoolNetwork();
    const c = track(net.client());
    const sessions = collect(c, "session");
    const username = unique("reg");
    const res = await c.register({ username, password: "correct horse", email: `${username}@example.com` });
    expect(res.user.username).toBe(username);
    expect(c.token).toBe(res.token);
    expect(c.user).toEqual(res.user);
    expect(sessions).toEqual([{ token: res.token, user: res.user }]);
    await until(() => c.state === "ready", "ready");
    expect(c.pts).toBe(0);
    expect((await c.getChats()).chats).toEqual([]);
    expect(net.sockets).toHaveLength(1);
  });

  it("throws typed errors: the server's, and invalid fields before sending", async () => {
    const a = await registerUser("err");
    const net = new PoolNetwork();
    const c = track(net.client());
    const taken = await c.register({ username: a.username, password: "correct horse", email: `x${a.email}` }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(ClientError);
    expect(taken).toMatchObject({ status: 409, error: "username_taken", fields: { username: "is taken" } });

    const invalid = await c.register({ username: "a!", password: "short", email: "nope" }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, error: "invalid_request" });
    expect(Object.keys((invalid as ClientError).fields ?? {}).sort()).toEqual(["email", "password", "username"]);
    expect(net.current.sent.map((f) => f.mode)).toEqual(["register"]);

    await c.auth({ username: a.username, password: a.password });
    await expect(c.createChat({ username: unique("nobody") })).rejects.toMatchObject({
      status: 404,
      error: "user_not_found",
    });
  });

  it("pages the chat list: getChats gives a page, getAllChats all of them", async () => {
    const a = await registerUser("pages");
    const ids = await fillChatList(a.user, 7, (i) => `hello ${i}`);
    const net = new PoolNetwork();
    const c = track(net.client({ token: a.token }));
    const first = await c.getChats({ limit: 5 });
    expect(first.chats.map((chat) => chat.chat_id)).toEqual(ids.slice(0, 5));
    expect(first).toMatchObject({ has_more: true, cursor: expect.any(String) });
    expect((await c.getAllChats({ limit: 3 })).map((chat) => chat.chat_id)).toEqual(ids);
    const asked = net.current.sent.filter((f) => f.mode === "getChats" && f.limit === 3);
    expect(asked.map((f) => f.before === undefined)).toEqual([true, false, false]);
    expect((await c.getAllChats()).map((chat) => chat.chat_id)).toEqual(ids);
  });

  it("times out a request that gets no answer", async () => {
    const a = await registerUser("to");
    const net = new PoolNetwork();
    const c = await connected(net, a);
    net.swallowOutgoing = (f) => f.mode === "getChats";
    const err = await c.getChats({}, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ status: 0, error: "timeout" });
  });
});

describe("pushes", () => {
  it("delivers typed pushes in pts order, and counts the client's own changes from their responses", async () => {
    const { alice, bob, b, bNet, chatId } = await pair();
    await until(() => bob.pts === 1, "chatCreated at bob");
    const bobPushes = collect(bob, "newMessage");
    const alicePushes = collect(alice, "newMessage");
    const bobPhone = await connected(new PoolNetwork(), b);
    const phonePushes = collect(bobPhone, "newMessage");

    for (const content of ["one", "two", "three"]) {
      const { message, pts } = await alice.sendMessage({ chat_id: chatId, content });
      expect(message).toMatchObject({ chat_id: chatId, content, content_type: "text" });
      expect(message.client_msg_id).toBeTruthy();
      expect(pts).toBe(alice.pts);
    }
    expect(alice.pts).toBe(4);
    await until(() => bobPushes.length === 3 && phonePushes.length === 3, "three pushes");
    expect(contents(bobPushes)).toEqual(["one", "two", "three"]);
    expectGapless(
      bobPushes.map((p) => p.pts!),
      2,
    );
    expect(bob.pts).toBe(4);

    // Bob's reply from his phone reaches his other client as a push, but not the phone itself.
    await bobPhone.sendMessage({ chat_id: chatId, content: "from the phone" });
    await until(() => bobPushes.length === 4, "bob's own message on his other client");
    expect(phonePushes).toHaveLength(3);
    expect(bobPhone.pts).toBe(bob.pts);
    await until(() => alicePushes.length === 1, "reply at alice");
    expect(alicePushes[0]!.message.sender).toBe(b.username);
    // Answered on the socket it started with: it never had to reconnect.
    await bob.getChats();
    expect(bNet.sockets).toHaveLength(1);
  });

  it("emits typing to the other member", async () => {
    const { alice, bob, a, chatId } = await pair();
    const typing = collect(bob, "typing");
    await alice.typing({ chat_id: chatId });
    await until(() => typing.length === 1, "typing");
    expect(typing[0]).toMatchObject({ mode: "typing", chat_id: chatId, username: a.username });
  });

  it("ignores a push it already applied", async () => {
    const { alice, bob, bNet, chatId } = await pair();
    const pushes = collect(bob, "newMessage");
    await alice.sendMessage({ chat_id: chatId, content: "just once" });
    await until(() => pushes.length === 1, "push");
    bNet.current.inject({
      mode: "newMessage",
      timestamp: Date.now(),
      pts: pushes[0]!.pts!,
      message: pushes[0]!.message,
    });
    await alice.sendMessage({ chat_id: chatId, content: "next" });
    // The copy came before "next", so it would have been emitted first.
    await until(() => pushes.length === 2, "second push");
    expect(contents(pushes)).toEqual(["just once", "next"]);
  });

  it("fills a gap with sync, page by page, and emits in order", async () => {
    const { alice, b, chatId } = await pair();
    const net = new PoolNetwork();
    const bob = await connected(net, b, { syncPageSize: 2, gapTimeoutMs: 30 });
    const pushes = collect(bob, "newMessage");
    let lose = 4;
    net.loseIncoming = (f) => f.mode === "newMessage" && lose-- > 0;
    for (let i = 1; i <= 5; i++) await alice.sendMessage({ chat_id: chatId, content: `m${i}` });
    await until(() => pushes.length === 5, "five messages");
    expect(contents(pushes)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expectGapless(
      pushes.map((p) => p.pts!),
      2,
    );
    expect(net.current.sent.filter((f) => f.mode === "sync").length).toBeGreaterThanOrEqual(3);
  });
});

describe("drops", () => {
  it("resumes after a drop: what was sent meanwhile arrives exactly once, pts gapless", async () => {
    const { alice, bob, bNet, b, chatId } = await pair();
    await until(() => bob.pts === 1, "chatCreated");
    const pushes = collect(bob, "newMessage");
    const states = collect(bob, "state");
    await alice.sendMessage({ chat_id: chatId, content: "before" });
    await until(() => pushes.length === 1, "first message");

    bNet.offline = true;
    bNet.current.drop();
    const sent: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const content = `while away ${i}`;
      await alice.sendMessage({ chat_id: chatId, content });
      sent.push(content);
    }
    await until(() => bNet.sockets.length >= 3, "reconnect attempts while offline");
    expect(bob.state).not.toBe("ready");
    bNet.offline = false;

    await until(() => pushes.length === 7, "the missed messages");
    await until(() => bob.state === "ready", "ready again");
    await alice.sendMessage({ chat_id: chatId, content: "after" });
    await until(() => pushes.length === 8, "a live message after resuming");
    // One more: a repeat of anything earlier would be emitted before it.
    await alice.sendMessage({ chat_id: chatId, content: "last" });
    await until(() => pushes.at(-1)?.message.content === "last", "the last message");
    expect(contents(pushes)).toEqual(["before", ...sent, "after", "last"]);
    expectGapless(
      pushes.map((p) => p.pts!),
      2,
    );
    expect(new Set(pushes.map((p) => p.message.seq)).size).toBe(9);
    expect(bob.pts).toBe(10);
    // It came back with its token, as a subprotocol, and went through waiting and syncing.
    expect(bNet.current.protocols).toEqual(["chat", `token.${b.token}`]);
    expect(states).toEqual(expect.arrayContaining(["waiting", "connecting", "syncing", "ready"]));
  });

  it("loses and doubles nothing while the socket drops again and again under traffic", async () => {
    const { alice, bob, bNet, chatId } = await pair();
    const pushes = collect(bob, "newMessage");
    const sending = (async () => {
      for (let i = 1; i <= 20; i++) {
        await alice.sendMessage({ chat_id: chatId, content: `n${i}` });
        if (i % 5 === 0) bNet.current.drop();
      }
    })();
    await sending;
    // One more once the drops are over: a repeat of anything earlier would be emitted before it.
    await alice.sendMessage({ chat_id: chatId, content: "n21" });
    await until(() => pushes.at(-1)?.message.content === "n21", "the last message");
    expect(contents(pushes)).toEqual(Array.from({ length: 21 }, (_, i) => `n${i + 1}`));
    expectGapless(
      pushes.map((p) => p.pts!),
      pushes[0]!.pts,
    );
  });

  it("resends a send whose answer was lost in a drop, and the message is stored once", async () => {
    const { alice, aNet, bob, chatId } = await pair();
    const atBob = collect(bob, "newMessage");
    let lost = false;
    aNet.loseIncoming = (f) => {
      if (f.mode !== "sendMessage" || lost) return false;
      lost = true;
      queueMicrotask(() => aNet.current.drop());
      return true;
    };
    const { message } = await alice.sendMessage({ chat_id: chatId, content: "exactly once" });
    expect(lost).toBe(true);
    expect(aNet.sockets.length).toBeGreaterThanOrEqual(2);
    const { messages } = await alice.getMessages({ chat_id: chatId });
    expect(messages.map((m: Message) => m.content)).toEqual(["exactly once"]);
    expect(messages[0]!.message_id).toBe(message.message_id);
    // One more: a second copy of the resent message would reach Bob before it.
    await alice.sendMessage({ chat_id: chatId, content: "next" });
    await until(() => atBob.at(-1)?.message.content === "next", "bob's pushes");
    expect(contents(atBob)).toEqual(["exactly once", "next"]);
  });

  it("fails a request that is not safe to resend when the socket drops under it", async () => {
    const { alice, aNet } = await pair();
    aNet.swallowOutgoing = (f) => f.mode === "createGroup";
    const pending = alice.createGroup({ title: "maybe", members: [] }).catch((e: unknown) => e);
    await until(() => aNet.current.sent.some((f) => f.mode === "createGroup"), "createGroup sent");
    aNet.current.drop();
    expect(await pending).toMatchObject({ status: 0, error: "disconnected" });
  });

  it("drops a socket that goes silent (half-open) and reconnects", async () => {
    const a = await registerUser("hb");
    const net = new PoolNetwork();
    // Long enough that a pong on a slow machine is never late for a socket that works.
    const c = await connected(net, a, { heartbeatMs: 1_000 });
    // The first socket hears nothing more, as a half-open connection would; later ones work.
    const first = net.current;
    net.loseIncoming = () => net.current === first;
    await until(() => net.sockets.length >= 2, "a new socket after the silence");
    expect(first.sent.some((f) => f.mode === "ping")).toBe(true);
    await until(() => c.state === "ready", "ready on the new socket");
  });

  it("resumes from a stored pts in a new client", async () => {
    const { alice, bob, b, chatId } = await pair();
    await alice.sendMessage({ chat_id: chatId, content: "seen" });
    await until(() => bob.pts === 2, "bob at 2");
    const stored = bob.pts!;
    bob.close();
    await alice.sendMessage({ chat_id: chatId, content: "missed 1" });
    await alice.sendMessage({ chat_id: chatId, content: "missed 2" });
    await untilPts(b.token, 4);
    const later = track(new PoolNetwork().client({ token: b.token, pts: stored }));
    const pushes = collect(later, "newMessage");
    const ready = collect(later, "ready");
    later.connect();
    await until(() => ready.length === 1, "ready");
    expect(contents(pushes)).toEqual(["missed 1", "missed 2"]);
    expect(ready[0]).toEqual({ pts: 4 });
  });
});

describe("sessions", () => {
  it("ends the session when it is revoked elsewhere, and stops reconnecting", async () => {
    const a = await registerUser("rv");
    const net = new PoolNetwork();
    const c = await connected(net, a);
    const ended = collect(c, "sessionEnded");
    expect((await api({ mode: "logout" }, { token: a.token })).status).toBe(200);
    await until(() => ended.length === 1, "sessionEnded");
    expect(ended[0]).toEqual({ reason: "revoked" });
    expect(c.state).toBe("closed");
    expect(c.token).toBeUndefined();
    // A reconnect would be due at most the longest retry delay after the close; timers fire
    // in the order they are due, so one set now for that long fires after it.
    await new Promise((r) => setTimeout(r, MAX_RECONNECT_DELAY_MS));
    expect(net.sockets).toHaveLength(1);
  });

  it("tells a token revoked while it was offline from a network failure", async () => {
    const a = await registerUser("rv");
    const net = new PoolNetwork();
    const c = await connected(net, a);
    const ended = collect(c, "sessionEnded");
    net.offline = true;
    net.current.drop();
    await until(() => net.sockets.length >= 3, "failed attempts");
    expect(ended).toEqual([]);
    expect((await api({ mode: "logout" }, { token: a.token })).status).toBe(200);
    net.offline = false;
    await until(() => ended.length === 1, "sessionEnded");
    expect(c.state).toBe("closed");
  });

  it("says why a session ended: revoked from another device, expired, or the account deleted", async () => {
    const a = await registerUser("why");
    const second = (await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") })).body.token as string;
    const [net1, net2] = [new PoolNetwork(), new PoolNetwork()];
    const c1 = await connected(net1, a);
    const c2 = await connected(net2, { ...a, token: second });
    const [ended1, ended2] = [collect(c1, "sessionEnded"), collect(c2, "sessionEnded")];
    const sessions = (await c1.getSessions()).sessions;
    expect(sessions.map((s) => s.current)).toEqual([false, true]);
    await c1.revokeSession({ session_id: sessions[0]!.session_id });
    await until(() => ended2.length === 1, "sessionEnded on the revoked client");
    expect(ended2).toEqual([{ reason: "revoked" }]);

    const c3 = await connected(new PoolNetwork(), {
      ...a,
      token: (await c1.auth({ username: a.username, password: a.password })).token,
    });
    await until(() => c1.state === "ready", "c1 ready as the new session");
    const ended3 = collect(c3, "sessionEnded");
    await inUserObject(a.user.id, (o) => o.clock.advance(31 * 24 * 3_600_000));
    expect(await runDurableObjectAlarm(userStub(a.user.id))).toBe(true);
    await until(() => ended3.length === 1 && ended1.length === 1, "sessionEnded on expiry");
    expect(ended3).toEqual([{ reason: "expired" }]);
    expect(ended1).toEqual([{ reason: "expired" }]);
  });

  it("changes the password, blocks, and deletes the account, ending with sessionEnded 'deleted'", async () => {
    const { a, alice, bob, chatId } = await pair();
    const other = (await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") })).body.token as string;
    expect((await alice.getSessions()).sessions).toHaveLength(2);
    await alice.changePassword({ password: a.password, new_password: "a newer password" });
    expect((await api({ mode: "getChats" }, { token: other })).status).toBe(401);
    const wrong = await alice.changePassword({ password: a.password, new_password: "whatever else" }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 401, error: "invalid_credentials" });

    await bob.blockUser({ username: a.username });
    expect(await bob.getBlocked()).toEqual({ users: [a.username] });
    const refused = await alice.sendMessage({ chat_id: chatId, content: "hello?" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClientError);
    expect(refused).toMatchObject({ status: 403, error: "forbidden" });
    await bob.unblockUser({ username: a.username });
    expect((await bob.getBlocked()).users).toEqual([]);

    const ended = collect(alice, "sessionEnded");
    const peerGone = collect(bob, "chatUpdated");
    await alice.deleteAccount({ password: "a newer password" });
    expect(ended).toEqual([{ reason: "deleted" }]);
    expect(alice.state).toBe("closed");
    expect(alice.token).toBeUndefined();
    await until(() => peerGone.length === 1, "chatUpdated for bob");
    expect(peerGone[0]!.chat).toMatchObject({ chat_id: chatId, peer_deleted: true });
  });

  it("logs out, then logs in again on a fresh anonymous socket", async () => {
    const a = await registerUser("lo");
    const net = new PoolNetwork();
    const c = await connected(net, a);
    const ended = collect(c, "sessionEnded");
    await c.logout();
    expect(ended).toEqual([{ reason: "logout" }]);
    expect(c.state).toBe("closed");
    const { token } = await c.auth({ username: a.username, password: a.password });
    expect(token).not.toBe(a.token);
    await until(() => c.state === "ready", "ready");
    expect(net.current.protocols).toEqual(["chat"]);
    expect((await c.getChats()).chats).toEqual([]);
  });
});
