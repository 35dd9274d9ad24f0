// The client library past what the server keeps (retention, too_long): it reloads (the chat
// list, or a large group's messages), says so with `reload`, and goes on from the latest.
import { afterEach, describe, expect, it } from "vitest";
import type { ChatClient } from "../../src/client";
import { api, directChat, fillChatList, groupOf, sendMany, until, untilPts } from "./helpers";
import { PoolNetwork, collect } from "./pool-network";

const open: ChatClient[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

describe("retention in the client", () => {
  it("a stored pts older than the log keeps: reloads the chats, emits reload, and is ready at the latest pts", async () => {
    const { a, b, chatId } = await directChat("clr");
    // Past twice the pool's LOG_KEEP_UPDATES (300): two updates a chat.
    await fillChatList(b.user, 305, (i) => `m${i}`);
    const latest = 1 + 610;
    await untilPts(b.token, latest);

    const c = new PoolNetwork().client({ token: b.token, pts: 1 });
    open.push(c);
    const reloads = collect(c, "reload");
    const ready = collect(c, "ready");
    c.connect();
    await until(() => ready.length === 1, "ready");
    expect(reloads).toEqual([{}]);
    expect(ready[0]).toEqual({ pts: latest });

    // And it goes on: the next message comes as a push with the next pts.
    const pushes = collect(c, "newMessage");
    expect((await api({ mode: "sendMessage", chat_id: chatId, content: "after", content_type: "text" }, { token: a.token })).status).toBe(
      200,
    );
    await until(() => pushes.length === 1, "the next push");
    expect(pushes[0]).toMatchObject({ pts: latest + 1, message: { content: "after" } });
  });

  it("a large group's ev older than the group keeps: emits reload for it and follows it from the latest ev", async () => {
    const { owner, rest, chatId } = await groupOf(11, "clrg");
    // Past twice the pool's EVENTS_KEEP (60).
    await sendMany(owner, chatId, 2 * 60 + 5, "sendGroupMessage");
    const latest = (await api({ mode: "getChats" }, { token: rest[0]!.token })).body.chats[0].ev as number;

    const c = new PoolNetwork().client({ token: rest[0]!.token, evs: { [chatId]: 1 }, catchUpLargeGroups: false });
    open.push(c);
    const reloads = collect(c, "reload");
    c.connect();
    await until(() => c.state === "ready", "ready");
    await c.catchUpChat(chatId);
    expect(reloads).toEqual([{ chat_id: chatId }]);
    expect(c.evs[chatId]).toBe(latest);

    const pushes = collect(c, "newMessage");
    expect(
      (await api({ mode: "sendGroupMessage", chat_id: chatId, content: "next", content_type: "text" }, { token: owner.token })).status,
    ).toBe(200);
    await until(() => pushes.length === 1, "the next push");
    expect(pushes[0]).toMatchObject({ ev: latest + 1, message: { content: "next" } });
  });
});
