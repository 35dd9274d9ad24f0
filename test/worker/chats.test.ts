import { describe, expect, it } from "vitest";
import { api, connect, fillChatList, registerUser, untilPts, type Frame } from "./helpers";

describe("direct chats", () => {
  it("createChat makes one chat per pair, the same from either side", async () => {
    const [a, b] = await Promise.all([registerUser("dA"), registerUser("dB")]);
    const first = await api({ mode: "createChat", username: b.username.toUpperCase() }, { token: a.token });
    expect(first.status).toBe(201);
    expect(first.body.chat).toMatchObject({
      type: "direct",
      title: b.username,
      members: [a.username, b.username].sort(),
      last_message: null,
      unread: 0,
      last_read_seq: 0,
    });
    expect(first.body.pts).toBe(1);
    const again = await api({ mode: "createChat", username: b.username }, { token: a.token });
    expect(again.status).toBe(200);
    expect(again.body.chat.chat_id).toBe(first.body.chat.chat_id);
    expect(again.body.pts).toBe(1);
    const fromB = await api({ mode: "createChat", username: a.username }, { token: b.token });
    expect(fromB.status).toBe(200);
    expect(fromB.body.chat).toMatchObject({ chat_id: first.body.chat.chat_id, title: a.username });
  });

  it("pushes chatCreated to the other user's sockets", async () => {
    const [a, b] = await Promise.all([registerUser("dA"), registerUser("dB")]);
    const sb = await connect(b.token);
    const { body } = await api({ mode: "createChat", username: b.username }, { token: a.token });
    const push = await sb.nextPush("chatCreated");
    expect(push).toMatchObject({ pts: 1, chat: { chat_id: body.chat.chat_id, title: a.username, type: "direct" } });
    sb.close();
  });

  it("rejects unknown users and yourself", async () => {
    const a = await registerUser("dA");
    const nobody = await api({ mode: "createChat", username: "no_such_user_xyz" }, { token: a.token });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error).toBe("user_not_found");
    const self = await api({ mode: "createChat", username: a.username }, { token: a.token });
    expect(self.status).toBe(400);
    expect(self.body.error).toBe("invalid_request");
  });

  it("cannot be left", async () => {
    const [a, b] = await Promise.all([registerUser("dA"), registerUser("dB")]);
    const { body } = await api({ mode: "createChat", username: b.username }, { token: a.token });
    const res = await api({ mode: "leaveChat", chat_id: body.chat.chat_id }, { token: a.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("wrong_chat_type");
  });
});

describe("groups", () => {
  it("createGroup makes the creator owner and tells every member", async () => {
    const [a, b, c] = await Promise.all([registerUser("gA"), registerUser("gB"), registerUser("gC")]);
    const sc = await connect(c.token);
    const res = await api(
      { mode: "createGroup", title: "Trip 🏔", members: [b.username, c.username.toLowerCase(), b.username] },
      { token: a.token },
    );
    expect(res.status).toBe(201);
    expect(res.body.chat).toMatchObject({
      type: "group",
      title: "Trip 🏔",
      owner: a.username,
      members: [a.username, b.username, c.username],
      unread: 0,
    });
    expect(await sc.nextPush("chatCreated")).toMatchObject({
      chat: { chat_id: res.body.chat.chat_id, owner: a.username },
    });
    sc.close();
  });

  it("validates title and members", async () => {
    const a = await registerUser("gA");
    const empty = await api({ mode: "createGroup", title: "", members: [] }, { token: a.token });
    expect(empty.status).toBe(400);
    expect(empty.body.fields.title).toBeDefined();
    const long = await api({ mode: "createGroup", title: "x".repeat(101), members: [] }, { token: a.token });
    expect(long.body.fields.title).toBeDefined();
    const unknown = await api({ mode: "createGroup", title: "t", members: ["ghost_user_1"] }, { token: a.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("user_not_found");
    const tooMany = await api(
      { mode: "createGroup", title: "t", members: Array.from({ length: 1001 }, (_, i) => `m${i}`) },
      { token: a.token },
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.fields.members).toBeDefined();
    expect((await api({ mode: "getChats" }, { token: a.token })).body.chats).toEqual([]);
  });

  it("only the owner adds and removes; removal stops pushes and reads", async () => {
    const [a, b, c, d] = await Promise.all([registerUser("gA"), registerUser("gB"), registerUser("gC"), registerUser("gD")]);
    const g = (await api({ mode: "createGroup", title: "team", members: [b.username] }, { token: a.token })).body.chat;
    const notOwner = await api({ mode: "addMembers", chat_id: g.chat_id, members: [c.username] }, { token: b.token });
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error).toBe("forbidden");

    const sb = await connect(b.token);
    const sc = await connect(c.token);
    const added = await api({ mode: "addMembers", chat_id: g.chat_id, members: [c.username, d.username] }, { token: a.token });
    expect(added.status).toBe(200);
    expect(added.body.chat.members).toEqual([a.username, b.username, c.username, d.username]);
    expect(await sc.nextPush("chatCreated")).toMatchObject({ chat: { chat_id: g.chat_id } });
    expect(await sb.nextPush("chatUpdated")).toMatchObject({ chat: { members: added.body.chat.members } });

    const removed = await api({ mode: "removeMember", chat_id: g.chat_id, username: c.username }, { token: a.token });
    expect(removed.status).toBe(200);
    expect(removed.body.chat.members).toEqual([a.username, b.username, d.username]);
    expect(await sc.nextPush("removedFromChat")).toMatchObject({ chat_id: g.chat_id });
    expect(await sb.nextPush("chatUpdated")).toMatchObject({ chat: { members: [a.username, b.username, d.username] } });

    await api({ mode: "sendGroupMessage", chat_id: g.chat_id, content: "after removal", content_type: "text" }, { token: a.token });
    expect(await sb.nextPush("newMessage")).toMatchObject({ message: { content: "after removal" } });
    const read = await api({ mode: "getMessages", chat_id: g.chat_id }, { token: c.token });
    expect(read.status).toBe(404);
    expect(read.body.error).toBe("chat_not_found");
    const send = await api({ mode: "sendGroupMessage", chat_id: g.chat_id, content: "hi", content_type: "text" }, { token: c.token });
    expect(send.body.error).toBe("chat_not_found");
    expect((await api({ mode: "getChats" }, { token: c.token })).body.chats).toEqual([]);

    const byMember = await api({ mode: "removeMember", chat_id: g.chat_id, username: a.username }, { token: b.token });
    expect(byMember.status).toBe(403);
    const notMember = await api({ mode: "removeMember", chat_id: g.chat_id, username: c.username }, { token: a.token });
    expect(notMember.status).toBe(404);
    expect(notMember.body.error).toBe("user_not_found");

    // Added back, c hears of the group again, and of no message sent while out: the chat
    // object delivers to a user in order, so such a message would have come first.
    await api({ mode: "addMembers", chat_id: g.chat_id, members: [c.username] }, { token: a.token });
    await sc.nothingBefore(
      (f) => f.mode === "chatCreated",
      (f) => f.mode === "newMessage",
    );
    sb.close();
    sc.close();
  });

  it("when the owner leaves, the longest-standing member becomes owner", async () => {
    const [a, b, c] = await Promise.all([registerUser("gA"), registerUser("gB"), registerUser("gC")]);
    const g = (await api({ mode: "createGroup", title: "t", members: [b.username] }, { token: a.token })).body.chat;
    await api({ mode: "addMembers", chat_id: g.chat_id, members: [c.username] }, { token: a.token });
    const left = await api({ mode: "leaveChat", chat_id: g.chat_id }, { token: a.token });
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ chat_id: g.chat_id });
    // c was added (chatCreated), then saw a leave (chatUpdated).
    await untilPts(c.token, 2);
    const chats = (await api({ mode: "getChats" }, { token: c.token })).body.chats;
    expect(chats[0]).toMatchObject({ owner: b.username, members: [b.username, c.username] });
    expect((await api({ mode: "getChats" }, { token: a.token })).body.chats).toEqual([]);
  });

  it("answers chat_not_found alike for strangers and for chats that do not exist", async () => {
    const [a, b, stranger] = await Promise.all([registerUser("gA"), registerUser("gB"), registerUser("gS")]);
    const g = (await api({ mode: "createGroup", title: "private", members: [b.username] }, { token: a.token })).body.chat;
    for (const chat_id of [g.chat_id, "g_00000000-0000-0000-0000-000000000000", "nonsense"]) {
      const res = await api({ mode: "getMessages", chat_id }, { token: stranger.token });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe("chat_not_found");
    }
    const typing = await api({ mode: "typing", chat_id: g.chat_id }, { token: stranger.token });
    expect(typing.body.error).toBe("chat_not_found");
  });
});

describe("the chat list in pages", () => {
  it("pages latest activity first with an opaque cursor, and refuses a cursor it did not give", async () => {
    const a = await registerUser("pg");
    const ids = await fillChatList(a.user, 7, (i) => `message ${i}`);
    const seen: string[] = [];
    let before: string | undefined;
    const shapes: Array<[number, boolean]> = [];
    for (;;) {
      const { status, body } = await api({ mode: "getChats", limit: 3, ...(before && { before }) }, { token: a.token });
      expect(status).toBe(200);
      shapes.push([body.chats.length, body.has_more]);
      seen.push(...body.chats.map((c: Frame) => c.chat_id));
      expect(typeof body.cursor).toBe(body.has_more ? "string" : "undefined");
      if (!body.has_more) break;
      before = body.cursor;
    }
    expect(shapes).toEqual([
      [3, true],
      [3, true],
      [1, false],
    ]);
    expect(seen).toEqual(ids);
    const whole = await api({ mode: "getChats" }, { token: a.token });
    expect(whole.body).toMatchObject({ has_more: false });
    expect(whole.body.chats.map((c: Frame) => c.chat_id)).toEqual(ids);
    expect(whole.body.cursor).toBeUndefined();

    for (const bad of ["nonsense", "12.g_nope", `x${before}`]) {
      const res = await api({ mode: "getChats", before: bad }, { token: a.token });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: "invalid_request", fields: { before: expect.any(String) } });
    }
    for (const limit of [0, 501, 2.5]) expect((await api({ mode: "getChats", limit }, { token: a.token })).body.fields.limit).toBeDefined();
  });

  it("holds at most 500 chats and under 1 MB a page, however many a user is added to and however long their messages", async () => {
    const a = await registerUser("big");
    const short = (i: number) => `${i} hello`;
    await fillChatList(a.user, 600, short);
    const s = await connect(a.token);
    const first = await s.request({ mode: "getChats" });
    expect(first).toMatchObject({ status: 200, has_more: true });
    expect(first.chats).toHaveLength(500);
    const second = await s.request({ mode: "getChats", before: first.cursor });
    expect(second).toMatchObject({ status: 200, has_more: false });
    expect(second.chats).toHaveLength(100);
    s.close();

    // 500 chats whose last messages are 4,000 four-byte characters would be 8 MB: pages end
    // before 1 MB, and paging by cursor still gives every chat exactly once, in order.
    const b = await registerUser("wide");
    const ids = await fillChatList(b.user, 150, (i) => `${i}${"😀".repeat(4_000 - String(i).length)}`);
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = (await api({ mode: "getChats", ...(before && { before }) }, { token: b.token })).body;
      expect(page.status).toBe(200);
      expect(new TextEncoder().encode(JSON.stringify(page)).byteLength).toBeLessThan(1_000_000);
      expect(page.chats.length).toBeGreaterThan(0);
      expect([...page.chats[0].last_message.content]).toHaveLength(4_000);
      seen.push(...page.chats.map((c: { chat_id: string }) => c.chat_id));
      if (!page.has_more) break;
      before = page.cursor;
    }
    expect(seen).toEqual(ids);
  });
});
