// deleteAccount: the account is erased from D1 but its name stays taken; the user leaves
// every group (ownership passes on), their direct chats stay for the other member with
// peer_deleted, their messages stay, and every socket of theirs ends.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recoveryCodeCount, sessionsOf, userRow } from "../../src/accounts/testing";
import type { ChatObject } from "../../src/chat";
import { api, connect, inChatObject, inUserObject, login, mailsTo, registerUser, text, unique, userStub, type Frame } from "./helpers";

const chatOf = async (token: string, chatId: string) =>
  ((await api({ mode: "getChats" }, { token })).body.chats as Frame[]).find((c) => c.chat_id === chatId);

describe("deleteAccount", () => {
  it("erases the account everywhere it must and keeps what others need", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser("delA"), registerUser("delB"), registerUser("delC")]);
    // Alice owns a group (Bob joined before Carol), is a member of Bob's, and has a direct chat with Bob.
    const owned = (await api({ mode: "createGroup", title: "alice's", members: [bob.username] }, { token: alice.token })).body.chat
      .chat_id as string;
    expect((await api({ mode: "addMembers", chat_id: owned, members: [carol.username] }, { token: alice.token })).status).toBe(200);
    const bobs = (await api({ mode: "createGroup", title: "bob's", members: [alice.username, carol.username] }, { token: bob.token })).body
      .chat.chat_id as string;
    const direct = (await api({ mode: "createChat", username: bob.username }, { token: alice.token })).body.chat.chat_id as string;
    expect((await api(text(direct, "bye bob"), { token: alice.token })).status).toBe(200);
    expect(
      (await api({ mode: "sendGroupMessage", chat_id: owned, content: "bye all", content_type: "text" }, { token: alice.token })).status,
    ).toBe(200);
    // Alice blocks Carol; a recovery code is pending; a second device is logged in.
    expect((await api({ mode: "blockUser", username: carol.username }, { token: alice.token })).status).toBe(200);
    const [mail] = await mailsTo(alice.email, () => api({ mode: "recovery", known_data: alice.email, known_data_type: "email" }));
    const phone = await login(alice);
    const [asking, phoneSocket, bobSocket] = await Promise.all([connect(alice.token), connect(phone), connect(bob.token)]);

    const res = await asking.request({ mode: "deleteAccount", password: alice.password });
    expect(res).toMatchObject({ mode: "deleteAccount", status: 200 });
    // Every socket of hers ends, the asking one after its answer.
    for (const s of [asking, phoneSocket]) {
      expect(await s.nextPush("sessionRevoked")).toMatchObject({ reason: "deleted" });
      expect((await s.closedWith()).code).toBe(4001);
    }
    for (const token of [alice.token, phone]) expect((await api({ mode: "getChats" }, { token })).status).toBe(401);

    // D1: no sessions, no codes, no email or password hash; the name stays.
    const row = await userRow(env, alice.user.id);
    expect(row).toMatchObject({
      username: alice.username,
      email: "",
      passwordHash: "",
      emailKey: `deleted:${alice.user.id}`,
    });
    expect(row!.deletedAt).toEqual(expect.any(Number));
    expect((await sessionsOf(env, alice.user.id)).length).toBe(0);
    expect(await recoveryCodeCount(env, alice.user.id)).toBe(0);
    expect((await api({ mode: "resetPassword", code: mail!.code, new_password: "taking it over" })).body.error).toBe("code_expired");

    // Groups: she is gone from both; the longest-standing member owns hers.
    expect(await chatOf(bob.token, owned)).toMatchObject({
      members: [bob.username, carol.username],
      owner: bob.username,
    });
    expect(await chatOf(carol.token, bobs)).toMatchObject({
      members: [bob.username, carol.username],
      owner: bob.username,
    });
    // Her messages stay for the others.
    const groupHistory = await api({ mode: "getMessages", chat_id: owned }, { token: carol.token });
    expect(groupHistory.body.messages.map((m: Frame) => [m.sender, m.content])).toEqual([[alice.username, "bye all"]]);

    // The direct chat stays for Bob, marked, and closed to new messages.
    expect(await bobSocket.next((f) => f.mode === "chatUpdated" && f.chat.chat_id === direct)).toMatchObject({
      chat: { peer_deleted: true },
    });
    expect(await chatOf(bob.token, direct)).toMatchObject({
      title: alice.username,
      members: [alice.username, bob.username],
      peer_deleted: true,
    });
    const send = await api(text(direct, "are you there?"), { token: bob.token });
    expect(send).toMatchObject({ status: 403, body: { mode: "sendMessage", error: "forbidden" } });
    expect((await api({ mode: "getMessages", chat_id: direct }, { token: bob.token })).body.messages.map((m: Frame) => m.content)).toEqual([
      "bye bob",
    ]);
    expect((await api({ mode: "markRead", chat_id: direct, seq: 1 }, { token: bob.token })).status).toBe(200);
    expect((await api({ mode: "createChat", username: alice.username }, { token: bob.token })).body.error).toBe("user_not_found");

    // Whom she blocked is told the block is gone.
    const blockers = await inUserObject(carol.user.id, (o) => o.probe.blockedBy());
    expect(blockers).toEqual([]);
    bobSocket.close();
  });

  it("leaves the name taken and unknown: register, auth and recovery answer as for any such name", async () => {
    const a = await registerUser("gone");
    expect((await api({ mode: "deleteAccount", password: a.password }, { token: a.token })).status).toBe(200);
    const taken = await api({
      mode: "register",
      username: a.username.toUpperCase(),
      password: "password123",
      email: `${unique()}@example.com`,
    });
    expect(taken).toMatchObject({ status: 409, body: { error: "username_taken" } });
    // The address is free again.
    expect(
      (await api({ mode: "register", username: unique("new"), password: "password123", email: a.email }, { ip: unique("ip") })).status,
    ).toBe(201);
    const strip = ({ timestamp: _t, ...rest }: Frame) => rest;
    const deleted = await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") });
    const unknown = await api({ mode: "auth", username: unique("never"), password: a.password }, { ip: unique("ip") });
    expect(deleted.status).toBe(401);
    expect(strip(deleted.body)).toEqual(strip(unknown.body));
    let answer: Frame | undefined;
    const mails = await mailsTo(
      a.email,
      async () => (answer = (await api({ mode: "recovery", known_data: a.username, known_data_type: "username" })).body),
      0,
    );
    expect(answer).toMatchObject({ status: 202 });
    expect(mails).toEqual([]);
    expect((await api({ mode: "blockUser", username: a.username }, { token: (await registerUser("x")).token })).status).toBe(404);
  });

  it("wipes the user object, which then keeps nothing and answers nothing", async () => {
    const [a, b] = await Promise.all([registerUser("wipe"), registerUser("wipe")]);
    const chat = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id as string;
    expect((await api(text(chat, "hi"), { token: b.token })).status).toBe(200);
    expect((await api({ mode: "deleteAccount", password: a.password }, { token: a.token })).status).toBe(200);
    const tables = () => inUserObject(a.user.id, (o) => o.probe.tables());
    expect((await tables()).filter((t) => !t.startsWith("_cf_"))).toEqual([]);
    // Later activity in the direct chat (Bob reading it) is not kept there.
    expect((await api({ mode: "markRead", chat_id: chat, seq: 1 }, { token: b.token })).status).toBe(200);
    expect((await api({ mode: "typing", chat_id: chat }, { token: b.token })).status).toBe(200);
    expect((await tables()).filter((t) => !t.startsWith("_cf_"))).toEqual([]);
  });

  it("finishes from the alarm when a chat could not be left, and after the wipe sets no alarm again", async () => {
    const [a, b] = await Promise.all([registerUser("wal"), registerUser("wal")]);
    const group = (await api({ mode: "createGroup", title: "g", members: [b.username] }, { token: a.token })).body.chat.chat_id as string;
    // An open socket: its session's expiry is a wish on the object's alarm.
    const socket = await connect(a.token);
    const proto = await inChatObject(group, (o) => Object.getPrototypeOf(o) as ChatObject);
    const real = proto.leave;
    proto.leave = function (this: ChatObject, ...args: Parameters<ChatObject["leave"]>) {
      if (args[0] === a.user.id) throw new Error("injected leave failure");
      return real.apply(this, args);
    };
    try {
      expect((await api({ mode: "deleteAccount", password: a.password }, { token: a.token })).status).toBe(200);
    } finally {
      proto.leave = real;
    }
    expect((await socket.closedWith()).code).toBe(4001);
    const alarm = () => inUserObject(a.user.id, (_o, state) => state.storage.getAlarm());
    // The deletion's retry is due.
    expect(await alarm()).not.toBeNull();
    expect(await runDurableObjectAlarm(userStub(a.user.id))).toBe(true);
    expect((await api({ mode: "getChats" }, { token: b.token })).body.chats[0].members).toEqual([b.username]);
    const tables = await inUserObject(a.user.id, (o) => o.probe.tables());
    expect(tables.filter((t) => !t.startsWith("_cf_"))).toEqual([]);
    expect(await alarm()).toBeNull();
    expect(await runDurableObjectAlarm(userStub(a.user.id))).toBe(false);
  });

  it("refuses a wrong password with 401 invalid_credentials and deletes nothing", async () => {
    const a = await registerUser("keep");
    const s = await connect(a.token);
    const res = await s.request({ mode: "deleteAccount", password: "not it" });
    expect(res).toMatchObject({ status: 401, error: "invalid_credentials" });
    expect((await s.request({ mode: "getChats" })).status).toBe(200);
    expect((await api({ mode: "deleteAccount" }, { token: a.token })).body).toMatchObject({
      status: 400,
      fields: { password: "is required" },
    });
    expect((await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") })).status).toBe(200);
    s.close();
  });
});
