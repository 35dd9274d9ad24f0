// Blocking: the blocked user cannot open or write in a direct chat with the blocker, nor add
// them to a group (403 forbidden); the blocker does not see their typing. Everything else
// stays as it was, and unblocking undoes it.
import { describe, expect, it } from "vitest";
import { api, connect, registerUser, text, unique, upload, type Account } from "./helpers";

async function pair(prefix: string) {
  const [blocker, blocked] = await Promise.all([registerUser(`${prefix}A`), registerUser(`${prefix}B`)]);
  return { blocker, blocked };
}

const block = (by: Account, username: string) => api({ mode: "blockUser", username }, { token: by.token });

describe("blockUser, unblockUser, getBlocked", () => {
  it("keeps the list, idempotently, names in any case", async () => {
    const { blocker, blocked } = await pair("bl");
    const other = await registerUser("blC");
    expect(await block(blocker, blocked.username.toUpperCase())).toMatchObject({
      status: 200,
      body: { mode: "blockUser", status: 200 },
    });
    expect((await block(blocker, blocked.username)).status).toBe(200);
    expect((await block(blocker, other.username)).status).toBe(200);
    const list = await api({ mode: "getBlocked" }, { token: blocker.token });
    expect(list.body).toMatchObject({ mode: "getBlocked", status: 200 });
    expect(list.body.users).toEqual([blocked.username, other.username].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())));
    expect((await api({ mode: "unblockUser", username: other.username }, { token: blocker.token })).status).toBe(200);
    expect((await api({ mode: "unblockUser", username: other.username }, { token: blocker.token })).status).toBe(200);
    expect((await api({ mode: "getBlocked" }, { token: blocker.token })).body.users).toEqual([blocked.username]);
    // The blocked user's own list is theirs alone.
    expect((await api({ mode: "getBlocked" }, { token: blocked.token })).body.users).toEqual([]);
  });

  it("answers 404 user_not_found for an unknown user, and 400 for yourself", async () => {
    const a = await registerUser("bl");
    for (const mode of ["blockUser", "unblockUser"]) {
      const { status, body } = await api({ mode, username: unique("ghost") }, { token: a.token });
      expect(status).toBe(404);
      expect(body).toMatchObject({ mode, error: "user_not_found" });
    }
    const self = await block(a, a.username);
    expect(self).toMatchObject({ status: 400, body: { error: "invalid_request", fields: { username: "is you" } } });
    expect((await api({ mode: "getBlocked" }, { token: a.token })).body.users).toEqual([]);
  });

  it("works on a socket", async () => {
    const { blocker, blocked } = await pair("bl");
    const s = await connect(blocker.token);
    expect(await s.request({ mode: "blockUser", username: blocked.username })).toMatchObject({ status: 200 });
    expect(await s.request({ mode: "getBlocked" })).toMatchObject({ status: 200, users: [blocked.username] });
    expect(await s.request({ mode: "unblockUser", username: blocked.username })).toMatchObject({ status: 200 });
    s.close();
  });
});

describe("what a block stops", () => {
  it("a direct chat: the blocked user cannot open it (exists or not) or write in it; the blocker can", async () => {
    const { blocker, blocked } = await pair("bd");
    // No chat yet.
    expect((await block(blocker, blocked.username)).status).toBe(200);
    const opening = await api({ mode: "createChat", username: blocker.username }, { token: blocked.token });
    expect(opening.status).toBe(403);
    expect(opening.body).toMatchObject({ mode: "createChat", error: "forbidden" });
    // The blocker opens it and writes; the blocked user reads it but cannot answer.
    const chat = (await api({ mode: "createChat", username: blocked.username }, { token: blocker.token })).body.chat.chat_id as string;
    expect((await api(text(chat, "read this"), { token: blocker.token })).status).toBe(200);
    const again = await api({ mode: "createChat", username: blocker.username }, { token: blocked.token });
    expect({ status: again.status, error: again.body.error, message: again.body.message }).toEqual({
      status: 403,
      error: "forbidden",
      message: opening.body.message,
    });
    const send = await api(text(chat, "let me talk"), { token: blocked.token });
    expect(send).toMatchObject({ status: 403, body: { mode: "sendMessage", error: "forbidden" } });
    expect(
      (await api({ mode: "getMessages", chat_id: chat }, { token: blocked.token })).body.messages.map(
        (m: { content: string }) => m.content,
      ),
    ).toEqual(["read this"]);
    // Unblocked, they talk again.
    expect((await api({ mode: "unblockUser", username: blocked.username }, { token: blocker.token })).status).toBe(200);
    expect((await api(text(chat, "thanks"), { token: blocked.token })).status).toBe(200);
    expect((await api({ mode: "createChat", username: blocker.username }, { token: blocked.token })).status).toBe(200);
  });

  it("an existing direct chat: the block reaches it at once, edits included", async () => {
    const { blocker, blocked } = await pair("be");
    const chat = (await api({ mode: "createChat", username: blocker.username }, { token: blocked.token })).body.chat.chat_id as string;
    expect((await api(text(chat, "hello"), { token: blocked.token })).status).toBe(200);
    expect((await block(blocker, blocked.username)).status).toBe(200);
    const s = await connect(blocked.token);
    expect(await s.request(text(chat, "hello?"))).toMatchObject({ status: 403, error: "forbidden" });
    expect(await s.request({ mode: "editMessage", chat_id: chat, seq: 1, content: "changed" })).toMatchObject({
      status: 403,
      error: "forbidden",
    });
    expect((await api({ mode: "getMessages", chat_id: chat }, { token: blocker.token })).body.messages).toHaveLength(1);
    s.close();
  });

  it("groups: the blocked user cannot add the blocker, or make a group with them; the blocker can add them", async () => {
    const { blocker, blocked } = await pair("bg");
    const friend = await registerUser("bgC");
    expect((await block(blocker, blocked.username)).status).toBe(200);
    const made = await api({ mode: "createGroup", title: "trap", members: [friend.username, blocker.username] }, { token: blocked.token });
    expect(made).toMatchObject({ status: 403, body: { mode: "createGroup", error: "forbidden" } });
    expect((await api({ mode: "getChats" }, { token: blocked.token })).body.chats).toEqual([]);
    const g = (await api({ mode: "createGroup", title: "mine", members: [friend.username] }, { token: blocked.token })).body.chat
      .chat_id as string;
    const add = await api({ mode: "addMembers", chat_id: g, members: [blocker.username] }, { token: blocked.token });
    expect(add).toMatchObject({ status: 403, body: { error: "forbidden" } });
    expect((await api({ mode: "getChats" }, { token: blocker.token })).body.chats).toEqual([]);
    // The other way round is allowed: the blocker adds the blocked user, who can talk there.
    const theirs = (await api({ mode: "createGroup", title: "theirs", members: [blocked.username] }, { token: blocker.token })).body.chat
      .chat_id as string;
    expect(
      (await api({ mode: "sendGroupMessage", chat_id: theirs, content: "hi", content_type: "text" }, { token: blocked.token })).status,
    ).toBe(200);
  });

  it("typing: the blocker never sees the blocked user's, in a direct chat or a group; others still do", async () => {
    const { blocker, blocked } = await pair("bt");
    const friend = await registerUser("btC");
    const direct = (await api({ mode: "createChat", username: blocked.username }, { token: blocker.token })).body.chat.chat_id as string;
    const group = (await api({ mode: "createGroup", title: "g", members: [blocked.username, friend.username] }, { token: blocker.token }))
      .body.chat.chat_id as string;
    expect((await block(blocker, blocked.username)).status).toBe(200);
    const [sBlocker, sFriend] = await Promise.all([connect(blocker.token), connect(friend.token)]);
    expect((await api({ mode: "typing", chat_id: direct }, { token: blocked.token })).status).toBe(200);
    expect((await api({ mode: "typing", chat_id: group }, { token: blocked.token })).status).toBe(200);
    expect(await sFriend.nextPush("typing")).toMatchObject({ chat_id: group, username: blocked.username });
    // The friend's typing reaches the blocker, and the blocked user's never did before it.
    expect((await api({ mode: "typing", chat_id: group }, { token: friend.token })).status).toBe(200);
    expect(await sBlocker.nextPush("typing")).toMatchObject({ chat_id: group, username: friend.username });
    expect(sBlocker.pending().filter((f) => f.mode === "typing")).toEqual([]);
    sBlocker.close();
    sFriend.close();
  });

  it("is invisible to the blocked user otherwise: the blocker's messages and receipts still arrive", async () => {
    const { blocker, blocked } = await pair("bi");
    const chat = (await api({ mode: "createChat", username: blocked.username }, { token: blocker.token })).body.chat.chat_id as string;
    expect((await block(blocker, blocked.username)).status).toBe(200);
    const s = await connect(blocked.token);
    expect((await api(text(chat, "still here"), { token: blocker.token })).status).toBe(200);
    expect(await s.nextPush("newMessage")).toMatchObject({ message: { content: "still here" } });
    expect((await s.request({ mode: "markRead", chat_id: chat, seq: 1 })).status).toBe(200);
    const listed = (await api({ mode: "getChats" }, { token: blocked.token })).body.chats[0];
    expect(listed).toMatchObject({ chat_id: chat, title: blocker.username });
    expect(listed.peer_deleted).toBeUndefined();
    s.close();
  });
});

describe("uploads into a direct chat with a blocker", () => {
  it("are refused to the blocked user (403 forbidden, nothing stored), allowed to the blocker, and again after unblocking", async () => {
    const { blocker, blocked } = await pair("blup");
    const chatId = (await api({ mode: "createChat", username: blocker.username }, { token: blocked.token })).body.chat.chat_id as string;
    expect((await block(blocker, blocked.username)).status).toBe(200);
    const refused = await upload(chatId, "the bytes", { token: blocked.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "forbidden" });
    expect((await upload(chatId, "mine", { token: blocker.token })).status).toBe(201);
    expect((await api({ mode: "unblockUser", username: blocked.username }, { token: blocker.token })).status).toBe(200);
    expect((await upload(chatId, "the bytes", { token: blocked.token })).status).toBe(201);
  });
});
