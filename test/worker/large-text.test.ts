// Deleted and edited text in groups that became large: the messages members' logs got
// before the switch, the switch's chatUpdated and a later joiner's chatCreated carry text
// that an edit or delete after the switch must rewrite, so `sync` never replays it.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, chatStub, failDeliveries, groupOf, LARGE_AT, registerUser, until, type Account } from "./helpers";

const say = (a: Account, chatId: string, content: string) =>
  api({ mode: "sendGroupMessage", chat_id: chatId, content, content_type: "text" }, { token: a.token });
const syncText = async (a: Account) => JSON.stringify((await api({ mode: "sync", since: 0, limit: 500 }, { token: a.token })).body.updates);

describe("text in members' logs of a group that became large", () => {
  it("an edit or delete after the switch reaches every log that carries the message", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT, "lt");
    expect((await say(owner, chatId, "secret one")).status).toBe(200);
    expect((await say(owner, chatId, "secret two")).status).toBe(200);
    // The switch: a member more makes it large; a joiner after it gets chatCreated with the last message.
    const [atSwitch, joiner] = await Promise.all([registerUser("ltS"), registerUser("ltJ")]);
    const switched = await api({ mode: "addMembers", chat_id: chatId, members: [atSwitch.username] }, { token: owner.token });
    expect(switched.body.chat).toMatchObject({ large: true });
    expect((await api({ mode: "addMembers", chat_id: chatId, members: [joiner.username] }, { token: owner.token })).status).toBe(200);
    // Every log has the text by now.
    for (const who of [rest[0]!, atSwitch, joiner])
      await until(async () => (await syncText(who)).includes("secret two"), `secret two in ${who.username}'s log`);
    expect(await syncText(rest[0]!)).toContain("secret one");

    expect((await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "edited one" }, { token: owner.token })).status).toBe(200);
    expect((await api({ mode: "deleteMessage", chat_id: chatId, seq: 2 }, { token: owner.token })).status).toBe(200);
    for (const who of [owner, rest[0]!, rest.at(-1)!, atSwitch, joiner])
      await until(async () => !(await syncText(who)).includes("secret"), `no old text in ${who.username}'s sync`);
    expect(await syncText(rest[0]!)).toContain("edited one");
  });

  it("a joiner's chatCreated still waiting to be delivered carries the message as it is now", async () => {
    const { owner, chatId } = await groupOf(LARGE_AT + 1, "ltq");
    expect((await say(owner, chatId, "secret three")).status).toBe(200);
    const joiner = await registerUser("ltqJ");
    // The joiner's object refuses deliveries while they are added and the message is edited:
    // their chatCreated waits in the group's log queue.
    await failDeliveries(joiner.user.id, async () => {
      expect((await api({ mode: "addMembers", chat_id: chatId, members: [joiner.username] }, { token: owner.token })).status).toBe(200);
      expect((await api({ mode: "editMessage", chat_id: chatId, seq: 1, content: "fixed three" }, { token: owner.token })).status).toBe(
        200,
      );
    });
    // The retry delivers it, with the current text.
    await until(async () => {
      await runDurableObjectAlarm(chatStub(chatId));
      return (await syncText(joiner)).includes("fixed three");
    }, "the joiner's chatCreated");
    expect(await syncText(joiner)).not.toContain("secret");
  });
});
