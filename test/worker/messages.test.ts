import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatObject } from "../../src/chat";
import { api, connect, directChat, inChatObject, registerUser, text, untilPts, type Frame } from "./helpers";

describe("sending", () => {
  it("stores, answers with the message and its pts, and pushes to the other member", async () => {
    const { a, b, chatId } = await directChat("m");
    const sb = await connect(b.token);
    const res = await api(text(chatId, "hello 👋"), { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body.message).toMatchObject({
      chat_id: chatId,
      seq: 1,
      sender: a.username,
      content: "hello 👋",
      content_type: "text",
    });
    expect(res.body.pts).toBe(2);
    const push = await sb.nextPush("newMessage");
    expect(push.message).toEqual(res.body.message);
    expect(push.pts).toBe(2);
    sb.close();
  });

  it("pushes to the sender's other devices but not to the socket that sent", async () => {
    const { a, b, chatId } = await directChat("m");
    const phone = await connect(a.token);
    const laptop = await connect(a.token, "protocol");
    const res = await phone.request(text(chatId, "from phone"));
    expect(res).toMatchObject({ mode: "sendMessage", status: 200, pts: 2 });
    expect(await laptop.nextPush("newMessage")).toMatchObject({ pts: 2, message: { content: "from phone" } });
    // The other member's reply reaches the phone after any later copy of its own message
    // (the chat object delivers to a user in order).
    await api(text(chatId, "reply"), { token: b.token });
    await phone.nothingBefore(
      (f) => f.message?.content === "reply",
      (f) => f.mode === "newMessage",
    );
    phone.close();
    laptop.close();
  });

  it("is idempotent per client_msg_id", async () => {
    const { a, b, chatId } = await directChat("m");
    const first = await api(text(chatId, "once", { client_msg_id: "c-1" }), { token: a.token });
    const again = await api(text(chatId, "once", { client_msg_id: "c-1" }), { token: a.token });
    expect(again.status).toBe(200);
    expect(again.body.message).toEqual(first.body.message);
    expect(again.body.pts).toBe(first.body.pts);
    // Another sender may use the same client_msg_id.
    const other = await api(text(chatId, "mine", { client_msg_id: "c-1" }), { token: b.token });
    expect(other.body.message.seq).toBe(2);
    const page = await api({ mode: "getMessages", chat_id: chatId }, { token: a.token });
    expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
  });

  it("checks chat type, content type and length", async () => {
    const { a, b, chatId } = await directChat("m");
    const group = (await api({ mode: "createGroup", title: "g", members: [b.username] }, { token: a.token })).body.chat.chat_id;
    const wrong1 = await api({ mode: "sendGroupMessage", chat_id: chatId, content: "x", content_type: "text" }, { token: a.token });
    expect(wrong1.status).toBe(400);
    expect(wrong1.body.error).toBe("wrong_chat_type");
    const wrong2 = await api(text(group, "x"), { token: a.token });
    expect(wrong2.body.error).toBe("wrong_chat_type");
    const video = await api({ mode: "sendMessage", chat_id: chatId, content: "x", content_type: "video" }, { token: a.token });
    expect(video.status).toBe(400);
    expect(video.body.error).toBe("unsupported_content_type");
    const image = await api({ mode: "sendMessage", chat_id: chatId, content: "x", content_type: "image" }, { token: a.token });
    expect(image.body).toMatchObject({
      status: 400,
      error: "invalid_request",
      fields: { attachment: expect.any(String) },
    });
    const empty = await api(text(chatId, ""), { token: a.token });
    expect(empty.body).toMatchObject({ error: "invalid_request", fields: { content: expect.any(String) } });
    const long = await api(text(chatId, "x".repeat(4001)), { token: a.token });
    expect(long.body.fields.content).toBeDefined();
    const astral = await api(text(chatId, "😀".repeat(4000)), { token: a.token });
    expect(astral.status).toBe(200);
    const page = await api({ mode: "getMessages", chat_id: chatId }, { token: a.token });
    expect(page.body.messages).toHaveLength(1);
  });
});

describe("history", () => {
  it("pages newest first, before, after and between", async () => {
    const { a, chatId } = await directChat("m");
    for (let i = 1; i <= 12; i++) await api(text(chatId, `m${i}`), { token: a.token });
    const seqs = (r: { body: Frame }) => (r.body.messages as { seq: number }[]).map((m) => m.seq);
    const newest = await api({ mode: "getMessages", chat_id: chatId, limit: 5 }, { token: a.token });
    expect(seqs(newest)).toEqual([8, 9, 10, 11, 12]);
    expect(newest.body.has_more).toBe(true);
    const before = await api({ mode: "getMessages", chat_id: chatId, before_seq: 4, limit: 5 }, { token: a.token });
    expect(seqs(before)).toEqual([1, 2, 3]);
    expect(before.body.has_more).toBe(false);
    const after = await api({ mode: "getMessages", chat_id: chatId, after_seq: 2, limit: 3 }, { token: a.token });
    expect(seqs(after)).toEqual([3, 4, 5]);
    expect(after.body.has_more).toBe(true);
    const between = await api({ mode: "getMessages", chat_id: chatId, after_seq: 3, before_seq: 8, limit: 3 }, { token: a.token });
    expect(seqs(between)).toEqual([4, 5, 6]);
    expect(between.body.has_more).toBe(true);
    const all = await api({ mode: "getMessages", chat_id: chatId }, { token: a.token });
    expect(seqs(all)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(all.body.has_more).toBe(false);
    const bad = await api({ mode: "getMessages", chat_id: chatId, limit: 201 }, { token: a.token });
    expect(bad.body.fields.limit).toBeDefined();
  });
});

describe("reading", () => {
  it("counts unread, marks read with receipts, never moves back", async () => {
    const { a, b, chatId } = await directChat("m");
    for (let i = 0; i < 3; i++) await api(text(chatId, `m${i}`), { token: a.token });
    await untilPts(b.token, 4);
    const chatsB = await api({ mode: "getChats" }, { token: b.token });
    expect(chatsB.body.chats[0]).toMatchObject({
      chat_id: chatId,
      unread: 3,
      last_read_seq: 0,
      last_message: { seq: 3 },
    });
    // Own messages never count.
    expect((await api({ mode: "getChats" }, { token: a.token })).body.chats[0]).toMatchObject({
      unread: 0,
      last_read_seq: 3,
    });

    const sa = await connect(a.token);
    const b2 = await connect(b.token);
    const read = await api({ mode: "markRead", chat_id: chatId, seq: 2 }, { token: b.token });
    expect(read.body).toMatchObject({ chat_id: chatId, last_read_seq: 2, unread: 1 });
    expect(await sa.nextPush("readReceipt")).toMatchObject({ chat_id: chatId, username: b.username, seq: 2 });
    expect(await b2.nextPush("readReceipt")).toMatchObject({ username: b.username, seq: 2, pts: read.body.pts });
    const back = await api({ mode: "markRead", chat_id: chatId, seq: 1 }, { token: b.token });
    expect(back.body).toMatchObject({ last_read_seq: 2, unread: 1 });
    const past = await api({ mode: "markRead", chat_id: chatId, seq: 99 }, { token: b.token });
    expect(past.body).toMatchObject({ last_read_seq: 3, unread: 0 });
    expect((await api({ mode: "getChats" }, { token: b.token })).body.chats[0]).toMatchObject({
      unread: 0,
      last_read_seq: 3,
    });

    // Sending reads the chat up to your own message.
    await api(text(chatId, "a4"), { token: a.token });
    await api(text(chatId, "b5"), { token: b.token });
    expect((await api({ mode: "getChats" }, { token: b.token })).body.chats[0]).toMatchObject({
      unread: 0,
      last_read_seq: 5,
    });
    sa.close();
    b2.close();
  });

  it("orders chats by latest activity", async () => {
    const [a, b, c] = await Promise.all([registerUser("oA"), registerUser("oB"), registerUser("oC")]);
    const ab = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id;
    const ac = (await api({ mode: "createChat", username: c.username }, { token: a.token })).body.chat.chat_id;
    const first = (await api(text(ac, "first"), { token: a.token })).body.message;
    // Chats are ordered by the time of their last message: the next one comes a tick later.
    while (Date.now() <= first.timestamp) await new Promise((r) => setTimeout(r, 1));
    await api(text(ab, "later"), { token: a.token });
    expect((await api({ mode: "getChats" }, { token: a.token })).body.chats.map((c: { chat_id: string }) => c.chat_id)).toEqual([ab, ac]);
  });
});

describe("typing, editing, deleting", () => {
  it("sends typing to the others only, without pts, at most once every 2 s", async () => {
    const { a, b, chatId } = await directChat("m");
    // The throttle's clock stands still until the test moves it.
    const clock = (move: (c: ChatObject["clock"]) => void) =>
      runInDurableObject(env.CHATS.get(env.CHATS.idFromName(chatId)), (chat: ChatObject) => move(chat.clock));
    await clock((c) => c.stopAt(Date.now()));
    const typing = { mode: "typing", chat_id: chatId };
    const sa = await connect(a.token);
    const sa2 = await connect(a.token);
    const sb = await connect(b.token);
    expect(await sa.request(typing)).toMatchObject({ mode: "typing", status: 200 });
    const push = await sb.nextPush("typing");
    expect(push).toMatchObject({ chat_id: chatId, username: a.username });
    expect(push.pts).toBeUndefined();
    // Repeated within 2 s, it is answered but not sent again.
    await clock((c) => c.advance(1_999));
    expect(await sa.request(typing)).toMatchObject({ status: 200 });
    // A message reaches a user after anything the chat object sent that user before it: the
    // sender's other socket got no typing, and the other member no second one.
    await api(text(chatId, "from b"), { token: b.token });
    await sa2.nothingBefore(
      (f) => f.message?.content === "from b",
      (f) => f.mode === "typing",
    );
    await api(text(chatId, "from a"), { token: a.token });
    await sb.nothingBefore(
      (f) => f.message?.content === "from a",
      (f) => f.mode === "typing",
    );
    await clock((c) => c.advance(1));
    expect(await sa.request(typing)).toMatchObject({ status: 200 });
    expect(await sb.nextPush("typing")).toMatchObject({ username: a.username });
    const sync = await sb.request({ mode: "sync", since: 0 });
    expect(sync.updates.map((u: { mode: string }) => u.mode)).not.toContain("typing");
    for (const s of [sa, sa2, sb]) s.close();
  });

  it("lets only the sender edit and delete", async () => {
    const { a, b, chatId } = await directChat("m");
    const sb = await connect(b.token);
    const sent = (await api(text(chatId, "typo"), { token: a.token })).body.message;
    await sb.nextPush("newMessage");
    const edited = await api({ mode: "editMessage", chat_id: chatId, seq: sent.seq, content: "fixed" }, { token: a.token });
    expect(edited.status).toBe(200);
    expect(edited.body.message).toMatchObject({ seq: 1, content: "fixed", edited_at: expect.any(Number) });
    expect(await sb.nextPush("messageEdited")).toMatchObject({ message: { content: "fixed" } });
    expect((await api({ mode: "getChats" }, { token: b.token })).body.chats[0].last_message.content).toBe("fixed");

    const foreign = await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "hijack" }, { token: b.token });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe("forbidden");
    const missing = await api({ mode: "editMessage", chat_id: chatId, seq: 9, content: "x" }, { token: a.token });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("message_not_found");
    expect((await api({ mode: "deleteMessage", chat_id: chatId, seq: 1 }, { token: b.token })).status).toBe(403);

    const deleted = await api({ mode: "deleteMessage", chat_id: chatId, seq: 1 }, { token: a.token });
    expect(deleted.body.message).toMatchObject({ seq: 1, content: "", deleted: true });
    expect(await sb.nextPush("messageDeleted")).toMatchObject({ message: { deleted: true } });
    const twice = await api({ mode: "deleteMessage", chat_id: chatId, seq: 1 }, { token: a.token });
    expect(twice.body.pts).toBe(deleted.body.pts);
    const page = await api({ mode: "getMessages", chat_id: chatId }, { token: b.token });
    expect(page.body.messages[0]).toMatchObject({ content: "", deleted: true });
    sb.close();
  });
});

describe("deleted and edited text", () => {
  const eventsOf = (chatId: string) => inChatObject(chatId, (o) => o.probe.storedEvents());
  const syncOf = async (token: string) => (await api({ mode: "sync", since: 0, limit: 500 }, { token })).body;

  it("an edit replays the current text; after a delete the text is gone from history, sync and the chat's events", async () => {
    const { a, b, chatId } = await directChat("m");
    const sb = await connect(b.token);
    const sent = await api(text(chatId, "my bank PIN is 4321"), { token: a.token });
    await sb.nextPush("newMessage");
    const edited = await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "my bank PIN is 9876" }, { token: a.token });
    await sb.nextPush("messageEdited");

    // After the edit every replay carries the current text, never the first one.
    for (const account of [a, b]) {
      const replay = JSON.stringify(await syncOf(account.token));
      expect(replay).not.toContain("4321");
      expect(replay).toContain("9876");
    }
    const newMessage = (await syncOf(b.token)).updates.find((u: Frame) => u.mode === "newMessage");
    expect(newMessage.message).toMatchObject({
      seq: 1,
      content: "my bank PIN is 9876",
      edited_at: edited.body.message.edited_at,
    });
    expect((await eventsOf(chatId)).join("\n")).not.toContain("4321");

    const deleted = await api({ mode: "deleteMessage", chat_id: chatId, seq: 1 }, { token: a.token });
    expect(deleted.body.message).toMatchObject({ seq: 1, content: "", deleted: true });
    await sb.nextPush("messageDeleted");
    await untilPts(b.token, deleted.body.pts);

    for (const account of [a, b]) {
      const replay = await syncOf(account.token);
      expect(JSON.stringify(replay)).not.toMatch(/4321|9876/);
      const ofMessage = replay.updates.filter((u: Frame) => u.message?.seq === 1);
      expect(ofMessage.map((u: Frame) => u.mode)).toEqual(["newMessage", "messageEdited", "messageDeleted"]);
      for (const u of ofMessage) expect(u.message).toMatchObject({ message_id: sent.body.message.message_id, content: "", deleted: true });
      const history = await api({ mode: "getMessages", chat_id: chatId }, { token: account.token });
      expect(history.body.messages).toEqual([deleted.body.message]);
      const listed = (await api({ mode: "getChats" }, { token: account.token })).body.chats[0];
      expect(listed.last_message).toEqual(deleted.body.message);
    }
    expect((await eventsOf(chatId)).join("\n")).not.toMatch(/4321|9876/);
    sb.close();
  });

  it("is gone from a later member's chatCreated too", async () => {
    const [owner, early, late] = await Promise.all([registerUser("dO"), registerUser("dE"), registerUser("dL")]);
    const [se, sl] = await Promise.all([connect(early.token), connect(late.token)]);
    const g = (await api({ mode: "createGroup", title: "secrets", members: [early.username] }, { token: owner.token })).body.chat.chat_id;
    await api({ mode: "sendGroupMessage", chat_id: g, content: "the door code is 1357", content_type: "text" }, { token: owner.token });
    // The late member's chatCreated shows that message as the group's last one.
    const added = await api({ mode: "addMembers", chat_id: g, members: [late.username] }, { token: owner.token });
    expect(added.body.chat.last_message.content).toBe("the door code is 1357");
    expect((await sl.nextPush("chatCreated")).chat.last_message.content).toBe("the door code is 1357");
    expect((await api({ mode: "deleteMessage", chat_id: g, seq: 1 }, { token: owner.token })).status).toBe(200);
    await Promise.all([se.nextPush("messageDeleted"), sl.nextPush("messageDeleted")]);

    for (const account of [owner, early, late]) {
      expect(JSON.stringify(await syncOf(account.token))).not.toContain("1357");
      const chat = (await api({ mode: "getChats" }, { token: account.token })).body.chats[0];
      expect(chat.last_message).toMatchObject({ seq: 1, content: "", deleted: true });
    }
    const lateCreated = (await syncOf(late.token)).updates.find((u: Frame) => u.mode === "chatCreated");
    expect(lateCreated.chat.last_message).toMatchObject({ content: "", deleted: true });
    expect((await eventsOf(g)).join("\n")).not.toContain("1357");
    se.close();
    sl.close();
  });
});
