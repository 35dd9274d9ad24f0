// Typing in a large group is passed on at most once a second per chat (and to at most 100
// members online), on the chat object's clock, which this test stops and moves.
import { describe, expect, it } from "vitest";
import { api, groupOf, inChatObject, LARGE_AT, listening, until } from "./helpers";

describe("typing in a large group", () => {
  it("passes on one member's typing per second per chat; the rest within it go nowhere", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT + 1, "tl");
    const [a, b, c] = rest;
    const sc = await listening(c!.token);
    await until(() => inChatObject(chatId, (o) => o.probe.online(c!.user.id)), "c online");
    await inChatObject(chatId, (o) => o.clock.stopAt(Date.now()));
    const typing = { mode: "typing", chat_id: chatId };
    expect((await api(typing, { token: a!.token })).status).toBe(200);
    expect(await sc.nextPush("typing")).toMatchObject({ chat_id: chatId, username: a!.username });
    // b types within the same second: answered, not passed on.
    await inChatObject(chatId, (o) => o.clock.advance(999));
    expect((await api(typing, { token: b!.token })).status).toBe(200);
    await api({ mode: "sendGroupMessage", chat_id: chatId, content: "barrier", content_type: "text" }, { token: owner.token });
    await sc.nothingBefore(
      (f) => f.message?.content === "barrier",
      (f) => f.mode === "typing",
    );
    // A second on, the next member's typing goes out.
    await inChatObject(chatId, (o) => o.clock.advance(1));
    expect((await api(typing, { token: owner.token })).status).toBe(200);
    expect(await sc.nextPush("typing")).toMatchObject({ username: owner.username });
    sc.close();
  });
});
