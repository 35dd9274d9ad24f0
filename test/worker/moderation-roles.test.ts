// Group roles and moderation: who may do what (owner, admin, member), editGroup, and admins
// deleting others' messages, in a small and a large group (LARGE_GROUP_MEMBERS is 10 here).
import { describe, expect, it } from "vitest";
import { api, groupOf, LARGE_AT, listening, registerUser, text, until, type Account, type Frame } from "./helpers";

const ask = (a: Account, frame: Frame) => api(frame, { token: a.token });
const say = (chatId: string, content: string) => ({ ...text(chatId, content), mode: "sendGroupMessage" });
const chatOf = async (a: Account, chatId: string) =>
  ((await ask(a, { mode: "getChats" })).body.chats as Frame[]).find((c) => c.chat_id === chatId);
const roles = async (a: Account, chatId: string) =>
  Object.fromEntries(((await ask(a, { mode: "getMembers", chat_id: chatId })).body.members as Frame[]).map((m) => [m.username, m.role]));

const SIZES = [
  ["a small group", 4],
  ["a large group", LARGE_AT + 2],
] as const;

describe.each(SIZES)("roles in %s", (_kind, size) => {
  it("the owner names admins: setRole's answer, Chat.role and getMembers show them; only the owner may", async () => {
    const { owner, rest, chatId } = await groupOf(size, "rl");
    const [a, b] = rest as [Account, Account];
    expect((await chatOf(owner, chatId))?.role).toBe("owner");
    expect((await ask(b, { mode: "setRole", chat_id: chatId, username: a.username, role: "admin" })).body).toMatchObject({
      status: 403,
      error: "forbidden",
    });
    const set = await ask(owner, { mode: "setRole", chat_id: chatId, username: a.username, role: "admin" });
    expect(set.body).toMatchObject({ mode: "setRole", status: 200, chat_id: chatId, username: a.username, role: "admin" });
    expect(await roles(owner, chatId)).toMatchObject({ [owner.username]: "owner", [a.username]: "admin", [b.username]: "member" });
    await until(async () => (await chatOf(a, chatId))?.role === "admin", "the admin's Chat.role");
    expect((await chatOf(b, chatId))?.role).toBe("member");
    // An admin names no admins, and the owner's role does not change.
    expect((await ask(a, { mode: "setRole", chat_id: chatId, username: b.username, role: "admin" })).body.status).toBe(403);
    expect((await ask(owner, { mode: "setRole", chat_id: chatId, username: owner.username, role: "member" })).body.status).toBe(403);
    expect((await ask(owner, { mode: "setRole", chat_id: chatId, username: a.username, role: "owner" })).body).toMatchObject({
      status: 400,
      error: "invalid_request",
      fields: { role: expect.any(String) },
    });
    const stranger = await registerUser("rlS");
    expect((await ask(owner, { mode: "setRole", chat_id: chatId, username: stranger.username, role: "admin" })).body).toMatchObject({
      status: 404,
      error: "user_not_found",
    });
    expect((await ask(owner, { mode: "setRole", chat_id: chatId, username: a.username, role: "member" })).body.role).toBe("member");
    expect((await roles(owner, chatId))[a.username]).toBe("member");
  });

  it("a member gets 403 from every moderation mode, and nothing changes", async () => {
    const { owner, rest, chatId } = await groupOf(size, "rm");
    const [a, b] = rest as [Account, Account];
    const sent = await ask(a, say(chatId, "a's words"));
    const invite = (await ask(owner, { mode: "createInvite", chat_id: chatId })).body.invite;
    const outsider = await registerUser("rmO");
    const before = await roles(owner, chatId);
    const frames: Frame[] = [
      { mode: "setRole", chat_id: chatId, username: a.username, role: "admin" },
      { mode: "editGroup", chat_id: chatId, title: "taken over" },
      { mode: "banMember", chat_id: chatId, username: a.username },
      { mode: "unbanMember", chat_id: chatId, username: a.username },
      { mode: "getBanned", chat_id: chatId },
      { mode: "createInvite", chat_id: chatId },
      { mode: "getInvites", chat_id: chatId },
      { mode: "revokeInvite", chat_id: chatId, code: invite.code },
      { mode: "setSlowMode", chat_id: chatId, seconds: 60 },
      { mode: "addMembers", chat_id: chatId, members: [outsider.username] },
      { mode: "removeMember", chat_id: chatId, username: a.username },
      { mode: "deleteMessage", chat_id: chatId, seq: sent.body.message.seq },
    ];
    for (const f of frames) expect((await ask(b, f)).body, f.mode as string).toMatchObject({ status: 403, error: "forbidden" });
    expect(await roles(owner, chatId)).toEqual(before);
    const chat = await chatOf(owner, chatId);
    expect(chat).toMatchObject({ title: "rm crowd", slow_mode_s: 0, description: "" });
    expect((await ask(owner, { mode: "getInvites", chat_id: chatId })).body.invites).toHaveLength(1);
    expect((await ask(owner, { mode: "getMessages", chat_id: chatId })).body.messages.at(-1)).toMatchObject({ content: "a's words" });
  });

  it("an admin moderates members but not the owner nor another admin", async () => {
    const { owner, rest, chatId } = await groupOf(size, "ra");
    const [a, b, c] = rest as [Account, Account, Account];
    for (const u of [a, c]) await ask(owner, { mode: "setRole", chat_id: chatId, username: u.username, role: "admin" });
    for (const f of [
      { mode: "removeMember", chat_id: chatId, username: owner.username },
      { mode: "banMember", chat_id: chatId, username: owner.username },
      { mode: "removeMember", chat_id: chatId, username: c.username },
      { mode: "banMember", chat_id: chatId, username: c.username },
    ])
      expect((await ask(a, f)).body, JSON.stringify(f)).toMatchObject({ status: 403, error: "forbidden" });
    expect(Object.keys(await roles(owner, chatId))).toHaveLength(size);
    const removed = await ask(a, { mode: "removeMember", chat_id: chatId, username: b.username });
    expect(removed.body).toMatchObject({ status: 200 });
    expect(await roles(owner, chatId)).not.toHaveProperty(b.username);
    // The owner may remove an admin.
    expect((await ask(owner, { mode: "removeMember", chat_id: chatId, username: c.username })).body.status).toBe(200);
  });

  it("editGroup changes title and description, with a chatUpdated to members; bad input changes nothing", async () => {
    const { owner, rest, chatId } = await groupOf(size, "re");
    const [a, b] = rest as [Account, Account];
    await ask(owner, { mode: "setRole", chat_id: chatId, username: a.username, role: "admin" });
    const watcher = await listening(b.token);
    for (const [f, field] of [
      [{ title: "" }, "title"],
      [{ title: "x".repeat(101) }, "title"],
      [{ description: "d".repeat(501) }, "description"],
      [{}, "title"],
    ] as const)
      expect((await ask(a, { mode: "editGroup", chat_id: chatId, ...f })).body).toMatchObject({
        status: 400,
        error: "invalid_request",
        fields: { [field]: expect.any(String) },
      });
    const edited = await ask(a, { mode: "editGroup", chat_id: chatId, title: "Runners", description: "Sunday 8:00 at the gate" });
    expect(edited.body).toMatchObject({ status: 200, chat: { title: "Runners", description: "Sunday 8:00 at the gate", role: "admin" } });
    const push = await watcher.next((f) => f.mode === "chatUpdated" && f.chat.title === "Runners");
    expect(push.chat).toMatchObject({ description: "Sunday 8:00 at the gate", role: "member" });
    expect(push).toHaveProperty(size > LARGE_AT ? "ev" : "pts");
    expect((await ask(b, { mode: "editGroup", chat_id: chatId, title: "mine" })).body.status).toBe(403);
    expect(await chatOf(owner, chatId)).toMatchObject({ title: "Runners", description: "Sunday 8:00 at the gate" });
    watcher.close();
  });

  it("an admin deletes another's message: its text is gone from history and replays", async () => {
    const { owner, rest, chatId } = await groupOf(size, "rd");
    const [a, b, c] = rest as [Account, Account, Account];
    await ask(owner, { mode: "setRole", chat_id: chatId, username: a.username, role: "admin" });
    const secret = `spam link ${crypto.randomUUID()}`;
    const sent = await ask(b, say(chatId, secret));
    const seq = sent.body.message.seq;
    expect((await ask(c, { mode: "deleteMessage", chat_id: chatId, seq })).body.status).toBe(403);
    const del = await ask(a, { mode: "deleteMessage", chat_id: chatId, seq });
    expect(del.body).toMatchObject({ status: 200, message: { seq, deleted: true, content: "", sender: b.username } });
    expect((await ask(c, { mode: "getMessages", chat_id: chatId })).body.messages.find((m: Frame) => m.seq === seq)).toMatchObject({
      deleted: true,
      content: "",
    });
    const replay =
      size > LARGE_AT
        ? await ask(c, { mode: "getChatUpdates", chat_id: chatId, since_ev: 0 })
        : await until(async () => {
            const s = await ask(c, { mode: "sync", since: 0 });
            return s.body.updates.some((u: Frame) => u.mode === "messageDeleted") && s;
          }, "the delete in c's log");
    expect(JSON.stringify(replay.body)).not.toContain(secret);
    expect(JSON.stringify((await ask(b, { mode: "getChats" })).body)).not.toContain(secret);
  });
});

describe("roles in a direct chat", () => {
  it("there are none: moderation modes are 400 wrong_chat_type, and nobody deletes the other's message", async () => {
    const [x, y] = await Promise.all([registerUser("rxA"), registerUser("rxB")]);
    const chatId = (await ask(x, { mode: "createChat", username: y.username })).body.chat.chat_id;
    const sent = await ask(y, { mode: "sendMessage", chat_id: chatId, content: "hi", content_type: "text" });
    for (const f of [
      { mode: "setRole", chat_id: chatId, username: y.username, role: "admin" },
      { mode: "editGroup", chat_id: chatId, title: "us" },
      { mode: "banMember", chat_id: chatId, username: y.username },
      { mode: "createInvite", chat_id: chatId },
      { mode: "setSlowMode", chat_id: chatId, seconds: 10 },
    ])
      expect((await ask(x, f)).body, f.mode).toMatchObject({ status: 400, error: "wrong_chat_type" });
    expect((await ask(x, { mode: "deleteMessage", chat_id: chatId, seq: sent.body.message.seq })).body.status).toBe(403);
    expect((await chatOf(x, chatId))?.role).toBeUndefined();
  });
});
