// How far the other member of a direct chat has read comes with the chat itself
// (peer_last_read_seq), so a device that just logged in can show "Seen" at once.
import { describe, expect, it } from "vitest";
import { api, login, registerUser, untilPts, type Frame } from "./helpers";

describe("peer_last_read_seq", () => {
  it("shows in a direct chat's Chat, from creation on, and only there", async () => {
    const [a, b] = await Promise.all([registerUser("rsA"), registerUser("rsB")]);
    const created = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body;
    expect(created.chat.peer_last_read_seq).toBe(0);
    const chatId = created.chat.chat_id as string;
    for (const content of ["one", "two", "three"])
      expect((await api({ mode: "sendMessage", chat_id: chatId, content, content_type: "text" }, { token: a.token })).status).toBe(200);
    const read = await api({ mode: "markRead", chat_id: chatId, seq: 2 }, { token: b.token });
    expect(read.status).toBe(200);
    // A's user object learns it from B's read receipt; a fresh device of A's sees it in getChats.
    await untilPts(a.token, 5);
    const fresh = await login(a);
    const chats = (await api({ mode: "getChats" }, { token: fresh })).body.chats as Frame[];
    expect(chats.find((c) => c.chat_id === chatId)).toMatchObject({ peer_last_read_seq: 2, last_read_seq: 3 });
    // B's own view: A has read everything A sent.
    const bChats = (await api({ mode: "getChats" }, { token: b.token })).body.chats as Frame[];
    expect(bChats.find((c) => c.chat_id === chatId)).toMatchObject({ peer_last_read_seq: 3, last_read_seq: 2 });
    const group = (await api({ mode: "createGroup", title: "g", members: [b.username] }, { token: a.token })).body.chat;
    expect(group.peer_last_read_seq).toBeUndefined();
  });
});
