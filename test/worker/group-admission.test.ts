// Who may put a user into groups: their privacy setting (getPrivacy, setPrivacy), the most
// groups a user may be in (MAX_GROUPS_PER_USER: 60 in vitest.config.ts), and being added
// counting against the target's group changes. Refusals change nothing anywhere.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, fillChatList, inUserObject, registerUser, type Account } from "./helpers";

const MAX_GROUPS = Number(env.MAX_GROUPS_PER_USER);
const ask = (a: Account, frame: Record<string, unknown>) => api(frame, { token: a.token });
const chatsOf = async (a: Account) => (await ask(a, { mode: "getChats" })).body.chats as Array<{ chat_id: string; type: string }>;

describe("who may add a user to groups", () => {
  it("is everyone by default; set to contacts, only someone with a direct chat adds them, others get 403 naming them and nothing changes", async () => {
    const [shy, friend, stranger, other] = await Promise.all(["pS", "pF", "pX", "pO"].map((p) => registerUser(p)));
    expect((await ask(shy!, { mode: "getPrivacy" })).body).toMatchObject({ status: 200, add_to_groups: "everyone" });
    expect((await ask(shy!, { mode: "setPrivacy", add_to_groups: "nobody" })).body).toMatchObject({
      status: 400,
      error: "invalid_request",
      fields: { add_to_groups: expect.any(String) },
    });
    expect((await ask(shy!, { mode: "setPrivacy", add_to_groups: "contacts" })).body).toEqual({
      mode: "setPrivacy",
      timestamp: expect.any(Number),
      status: 200,
      add_to_groups: "contacts",
    });
    expect((await ask(shy!, { mode: "getPrivacy" })).body).toMatchObject({ add_to_groups: "contacts" });
    expect((await ask(friend!, { mode: "createChat", username: shy!.username })).status).toBe(201);

    const refused = await ask(stranger!, {
      mode: "createGroup",
      title: "cold call",
      members: [other!.username, shy!.username],
    });
    expect(refused.body).toMatchObject({
      status: 403,
      error: "forbidden",
      fields: { members: expect.stringContaining(shy!.username) },
    });
    expect(refused.body.fields.members).not.toContain(other!.username);
    expect(await chatsOf(stranger!)).toEqual([]);
    expect(await chatsOf(other!)).toEqual([]);
    expect((await chatsOf(shy!)).map((c) => c.type)).toEqual(["direct"]);

    expect((await ask(friend!, { mode: "createGroup", title: "friends", members: [shy!.username] })).status).toBe(201);
    const group = (await ask(stranger!, { mode: "createGroup", title: "mine", members: [other!.username] })).body.chat.chat_id;
    const add = await ask(stranger!, { mode: "addMembers", chat_id: group, members: [shy!.username] });
    expect(add.body).toMatchObject({
      status: 403,
      error: "forbidden",
      fields: { members: expect.stringContaining(shy!.username) },
    });
    expect((await ask(stranger!, { mode: "getMembers", chat_id: group })).body.members).toHaveLength(2);

    expect((await ask(shy!, { mode: "setPrivacy", add_to_groups: "everyone" })).status).toBe(200);
    expect((await ask(stranger!, { mode: "addMembers", chat_id: group, members: [shy!.username] })).status).toBe(200);
  });

  it(`refuses a user's ${MAX_GROUPS + 1}st group, made by them or by someone adding them, with 403`, async () => {
    const [full, adder] = await Promise.all([registerUser("gF"), registerUser("gA")]);
    await fillChatList(full!.user, MAX_GROUPS, (i) => `g${i}`);
    const added = await ask(adder!, { mode: "createGroup", title: "one more", members: [full!.username] });
    expect(added.body).toMatchObject({
      status: 403,
      error: "forbidden",
      fields: { members: expect.stringContaining(full!.username) },
    });
    expect(await chatsOf(adder!)).toEqual([]);
    const own = await ask(full!, { mode: "createGroup", title: "my own", members: [] });
    expect(own.body).toMatchObject({ status: 403, error: "forbidden" });
    expect(await chatsOf(full!)).toHaveLength(MAX_GROUPS);
  });

  it("counts being added against the target's group changes: past them, 429 for the adder and nothing created", async () => {
    const [busy, adder] = await Promise.all([registerUser("rB"), registerUser("rA")]);
    const t0 = Date.now();
    await inUserObject(busy!.user.id, (o) => o.clock.stopAt(t0));
    // Added to as many groups as an hour allows (delivered as chat objects deliver them).
    await fillChatList(busy!.user, Number(env.GROUP_CHANGES_PER_USER_PER_HOUR), (i) => `r${i}`);
    const res = await ask(adder!, { mode: "createGroup", title: "too soon", members: [busy!.username] });
    expect(res.body).toMatchObject({
      status: 429,
      error: "rate_limited",
      retry_after_ms: 3_600_000 / Number(env.GROUP_CHANGES_PER_USER_PER_HOUR),
    });
    expect(await chatsOf(adder!)).toEqual([]);
    await inUserObject(busy!.user.id, (o) => o.clock.advance(3_600_000 / Number(env.GROUP_CHANGES_PER_USER_PER_HOUR)));
    expect((await ask(adder!, { mode: "createGroup", title: "now", members: [busy!.username] })).status).toBe(201);
  });
});
