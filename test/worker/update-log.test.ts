// The update log's costs and bounds: an edit costs the same however often the message was
// edited, a large group's edit or delete rewrites what a log carries of it (rewriteText),
// and a sync page stays under the byte budget getChats uses.
import { describe, expect, it } from "vitest";
import type { LogWrite, UpdateLog } from "../../src/user/update-log";
import type { ChatEvent } from "../../src/chat";
import {
  api,
  captureLog,
  directChat,
  fillChatList,
  inUserObject,
  registerUser,
  rested,
  sendMany,
  untilPts,
  userStub,
  type Frame,
} from "./helpers";

const LONG = "x".repeat(3_990);

/** What the user object's update log wrote with its last append (test-only accessor). */
const lastWrite = (userId: string) =>
  inUserObject(userId, (o) => (o as unknown as { inbox: { log: { lastWrite: LogWrite } } }).inbox.log.lastWrite);

describe("an edit", () => {
  it("costs each member's log the same rows and bytes at the 25th edit as at the 1st, and sync replays the current text", async () => {
    const [a, b] = await Promise.all([registerUser("ecA"), registerUser("ecB")]);
    const chatId = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id;
    expect(
      (await api({ mode: "sendMessage", chat_id: chatId, content: `${LONG} v0`, content_type: "text" }, { token: a.token })).status,
    ).toBe(200);
    const costs: LogWrite[] = [];
    for (let i = 1; i <= 25; i++) {
      const edit = await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: `${LONG} v${i}` }, { token: a.token });
      expect(edit.status, JSON.stringify(edit.body)).toBe(200);
      await untilPts(b.token, edit.body.pts);
      costs.push(await lastWrite(b.user.id));
    }
    // One log row and the one text row, whatever came before; the text once, not per frame.
    expect(costs[0]!.rows).toBe(2);
    expect(costs[24]!.rows).toBe(costs[0]!.rows);
    expect(costs[24]!.bytes).toBeLessThanOrEqual(costs[0]!.bytes + 8);
    expect(costs[24]!.bytes).toBeLessThan(LONG.length + 1_000);

    const replay = (await api({ mode: "sync", since: 0, limit: 500 }, { token: b.token })).body.updates as Frame[];
    const ofMessage = replay.filter((u) => u.message?.seq === 1);
    expect(ofMessage.map((u) => u.mode)).toEqual(["newMessage", ...Array(25).fill("messageEdited")]);
    for (const u of ofMessage) expect(u.message.content).toBe(`${LONG} v25`);
  });
});

describe("an edit of a message that has replies", () => {
  it("reads only the replies to it in each member's log, however long the chat, and their previews stay right", async () => {
    const { a, b, chatId } = await directChat("rpl");
    await inUserObject(a.user.id, (o) => o.clock.stopAt(Date.now()));
    await sendMany(a, chatId, 60);
    await rested(a, 6_000);
    const reply = await api(
      { mode: "sendMessage", chat_id: chatId, content: "answer", content_type: "text", reply_to: 1 },
      { token: a.token },
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const edit = await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "new words" }, { token: a.token });
    expect(edit.status).toBe(200);
    await untilPts(b.token, edit.body.pts);
    // The one reply, found by its index: not the chat's 61 texts.
    const cost = await inUserObject(b.user.id, (o) => (o as unknown as { inbox: { log: UpdateLog } }).inbox.log.lastReplies);
    expect(cost.written).toBeGreaterThan(0);
    expect(cost.read).toBeLessThanOrEqual(2);
    const preview = { seq: 1, sender: a.username, preview: "new words" };
    const replayed = (await api({ mode: "sync", since: 0, limit: 500 }, { token: b.token })).body.updates as Frame[];
    expect(replayed.find((u) => u.message?.seq === reply.body.message.seq)!.message.reply_to).toEqual(preview);
    expect((await api({ mode: "getChats" }, { token: b.token })).body.chats[0].last_message.reply_to).toEqual(preview);
  });
});

describe("rewriteText", () => {
  it("rewrites every frame of a log that carries the message, chat frames' last_message included, and the chat list", async () => {
    const a = await registerUser("rwA");
    const me = a.user;
    const chatId = `g_${crypto.randomUUID()}`;
    const message = (seq: number, content: string, extra: Frame = {}) =>
      JSON.stringify({
        message_id: `m${seq}`,
        chat_id: chatId,
        seq,
        sender: "someone_else",
        content,
        content_type: "text",
        timestamp: 1_000 + seq,
        ...extra,
      });
    // As before a group became large: joined with message 1 as its last, then message 2 logged.
    const events: ChatEvent[] = [
      {
        chat_id: chatId,
        ev: 3,
        timestamp: 1_001,
        kind: "chat",
        chat: {
          type: "group",
          title: "soon large",
          members: [me.username, "someone_else"],
          owner: "someone_else",
          member_count: 2,
          last_seq: 1,
          last_message: message(1, "first secret"),
        },
      },
      {
        chat_id: chatId,
        ev: 4,
        timestamp: 1_002,
        kind: "newMessage",
        seq: 2,
        sender: "someone_else",
        message: message(2, "second secret"),
      },
    ];
    await userStub(me.id).deliver(me, events);
    await untilPts(a.token, 2);

    const gone = message(1, "", { deleted: true, edited_at: 2_000 });
    await userStub(me.id).rewriteText(me, chatId, 1, gone);
    await userStub(me.id).rewriteText(me, chatId, 2, message(2, "second, edited", { edited_at: 2_001 }));
    // A deleted message stays deleted; one the log never carried changes nothing.
    await userStub(me.id).rewriteText(me, chatId, 1, message(1, "first secret again", { edited_at: 2_002 }));
    await userStub(me.id).rewriteText(me, chatId, 9, message(9, "never logged"));

    const sync = (await api({ mode: "sync", since: 0 }, { token: a.token })).body;
    expect(JSON.stringify(sync)).not.toMatch(/secret|never logged/);
    expect(sync.updates.map((u: Frame) => u.mode)).toEqual(["chatCreated", "newMessage"]);
    expect(sync.updates[0].chat.last_message).toEqual(JSON.parse(gone));
    expect(sync.updates[1].message).toMatchObject({ seq: 2, content: "second, edited", edited_at: 2_001 });
    const listed = (await api({ mode: "getChats" }, { token: a.token })).body.chats[0];
    expect(listed.last_message).toMatchObject({ seq: 2, content: "second, edited" });
    // The chat list's copy too: deleted, it stays so.
    await userStub(me.id).rewriteText(me, chatId, 2, message(2, "", { deleted: true, edited_at: 2_003 }));
    await userStub(me.id).rewriteText(me, chatId, 2, message(2, "second secret", { edited_at: 2_004 }));
    expect((await api({ mode: "getChats" }, { token: a.token })).body.chats[0].last_message).toMatchObject({
      seq: 2,
      content: "",
      deleted: true,
    });
    expect(JSON.stringify((await api({ mode: "sync", since: 0 }, { token: a.token })).body)).not.toContain("secret");
  });

  it("changes nothing for a message that is not the one named, and logs it", async () => {
    const a = await registerUser("rwB");
    const chatId = `g_${crypto.randomUUID()}`;
    const json = (seq: number, content: string) =>
      JSON.stringify({
        message_id: `m${seq}`,
        chat_id: chatId,
        seq,
        sender: "x",
        content,
        content_type: "text",
        timestamp: 1,
      });
    await userStub(a.user.id).deliver(a.user, [
      {
        chat_id: chatId,
        ev: 1,
        timestamp: 1,
        kind: "chat",
        chat: {
          type: "group",
          title: "g",
          members: [a.username, "x"],
          owner: "x",
          member_count: 2,
          last_seq: 0,
          last_message: null,
        },
      },
      { chat_id: chatId, ev: 2, timestamp: 1, kind: "newMessage", seq: 1, sender: "x", message: json(1, "kept") },
    ]);
    const lines = await captureLog(async () => {
      await userStub(a.user.id).rewriteText(a.user, chatId, 1, json(2, "not this one"));
      await userStub(a.user.id).rewriteText(a.user, chatId, 1, "{not json");
    });
    expect(lines.filter((l) => l.event === "rewrite_refused")).toHaveLength(2);
    const sync = (await api({ mode: "sync", since: 0 }, { token: a.token })).body;
    expect(sync.updates[1].message.content).toBe("kept");
  });
});

describe("a sync page", () => {
  it("ends early under the byte budget getChats uses, with has_more, and paging still gets every update once", async () => {
    const a = await registerUser("sb");
    // 300 messages of 3,990 three-byte characters: 12 KB each, 3.6 MB in all.
    await fillChatList(a.user, 300, (i) => `${"€".repeat(3_990)}${i}`);
    await untilPts(a.token, 600);
    const first = await api({ mode: "sync", since: 0, limit: 500 }, { token: a.token });
    expect(first.status).toBe(200);
    expect(new TextEncoder().encode(JSON.stringify(first.body)).byteLength).toBeLessThan(1_000_000);
    expect(first.body.has_more).toBe(true);
    expect(first.body.updates.length).toBeLessThan(500);
    expect(first.body.pts).toBe(first.body.updates.at(-1).pts);
    const seen: number[] = first.body.updates.map((u: Frame) => u.pts);
    for (let since = first.body.pts, more = true; more; ) {
      const page = (await api({ mode: "sync", since, limit: 500 }, { token: a.token })).body;
      seen.push(...page.updates.map((u: Frame) => u.pts));
      since = page.pts;
      more = page.has_more;
    }
    expect(seen).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
  });
});
