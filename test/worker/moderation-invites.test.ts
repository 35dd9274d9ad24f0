// Invite links and bans: codes that lead to their group, expiry and most uses exact (under
// concurrent joins too), every dead code answered alike, bans keeping users out, and a
// per-address limit on codes tried. In a small and a large group.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  api,
  fillChatList,
  groupOf,
  holdLimiterClock,
  inChatObject,
  inUserObject,
  LARGE_AT,
  registerUser,
  unique,
  type Account,
  type Frame,
} from "./helpers";

const ask = (a: Account, frame: Frame, ip?: string) => api(frame, { token: a.token, ...(ip && { ip }) });
const count = async (a: Account, chatId: string) => (await ask(a, { mode: "getMembers", chat_id: chatId })).body.members.length as number;
const invite = async (a: Account, chatId: string, extra: Frame = {}) => {
  const res = await ask(a, { mode: "createInvite", chat_id: chatId, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.invite as { code: string; uses: number; max_uses?: number; expires_at?: number };
};
const join = (a: Account, code: string) => ask(a, { mode: "joinByInvite", code }, unique("ip"));
const gone = { status: 404, error: "invite_not_found" };

describe.each([
  ["a small group", 3],
  ["a large group", LARGE_AT + 1],
] as const)("invites to %s", (_kind, size) => {
  it("an admin makes one; an outsider joins with it (as addMembers of one), again changes nothing", async () => {
    const { owner, rest, chatId } = await groupOf(size, "iv");
    await ask(owner, { mode: "setRole", chat_id: chatId, username: rest[0]!.username, role: "admin" });
    const made = await ask(rest[0]!, { mode: "createInvite", chat_id: chatId, max_uses: 5 });
    expect(made.body).toEqual({
      mode: "createInvite",
      timestamp: expect.any(Number),
      status: 201,
      invite: { code: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/), max_uses: 5, uses: 0 },
    });
    const code = made.body.invite.code;
    const guest = await registerUser("ivG");
    const joined = await join(guest, code);
    expect(joined.body).toMatchObject({
      mode: "joinByInvite",
      status: 200,
      chat: { chat_id: chatId, role: "member", member_count: size + 1 },
    });
    expect(joined.body.pts).toEqual(expect.any(Number));
    expect(await count(owner, chatId)).toBe(size + 1);
    const again = await join(guest, code);
    expect(again.body).toMatchObject({ status: 200, chat: { chat_id: chatId } });
    expect(again.body.pts).toBeUndefined();
    expect((await ask(owner, { mode: "getInvites", chat_id: chatId })).body.invites).toEqual([{ code, max_uses: 5, uses: 1 }]);
    expect(((await ask(guest, { mode: "getChats" })).body.chats as Frame[]).map((c) => c.chat_id)).toContain(chatId);
  });

  it("unknown, malformed, revoked, expired and used-up codes are one 404; nothing changes", async () => {
    const { owner, chatId } = await groupOf(size, "ix");
    const now = Date.now();
    await inChatObject(chatId, (o) => o.clock.stopAt(now));
    const revoked = await invite(owner, chatId);
    expect((await ask(owner, { mode: "revokeInvite", chat_id: chatId, code: revoked.code })).body).toMatchObject({ status: 200 });
    expect((await ask(owner, { mode: "revokeInvite", chat_id: chatId, code: revoked.code })).body).toMatchObject(gone);
    const expiring = await invite(owner, chatId, { expires_in_s: 60 });
    expect(expiring.expires_at).toBe(now + 60_000);
    const once = await invite(owner, chatId, { max_uses: 1 });
    const first = await registerUser("ixF");
    expect((await join(first, once.code)).body.status).toBe(200);
    await inChatObject(chatId, (o) => o.clock.advance(60_000));
    const wrongSecret = revoked.code.slice(0, 30) + (revoked.code[30] === "A" ? "B" : "A") + revoked.code.slice(31);
    const noChat = `${"A".repeat(22)}${revoked.code.slice(22)}`;
    const answers: Frame[] = [];
    const late = await registerUser("ixL");
    for (const code of [revoked.code, expiring.code, once.code, wrongSecret, noChat, "not-a-code", "x".repeat(43)]) {
      const res = await join(late, code);
      expect(res.body, code).toMatchObject(gone);
      answers.push({ status: res.status, error: res.body.error, message: res.body.message });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(await count(owner, chatId)).toBe(size + 1);
    expect((await ask(late, { mode: "getChats" })).body.chats).toEqual([]);
    expect((await ask(owner, { mode: "getInvites", chat_id: chatId })).body.invites).toEqual([]);
    for (const bad of [{ expires_in_s: 59 }, { expires_in_s: 2_592_001 }, { max_uses: 0 }, { max_uses: 100_001 }])
      expect((await ask(owner, { mode: "createInvite", chat_id: chatId, ...bad })).body).toMatchObject({
        status: 400,
        error: "invalid_request",
        fields: { [Object.keys(bad)[0]!]: expect.any(String) },
      });
  });

  it("joins that arrive together never pass max_uses", async () => {
    const { owner, chatId } = await groupOf(size, "ic");
    const { code } = await invite(owner, chatId, { max_uses: 3 });
    const joiners = await Promise.all(Array.from({ length: 7 }, (_, i) => registerUser(`ic${i}`)));
    const results = await Promise.all(joiners.map((j) => join(j, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 404).every((r) => r.body.error === "invite_not_found")).toBe(true);
    expect(await count(owner, chatId)).toBe(size + 3);
  });

  it("a ban removes a member and keeps them out (added or by invite) until unbanned", async () => {
    const { owner, rest, chatId } = await groupOf(size, "ib");
    const [a, b] = rest as [Account, Account];
    await ask(owner, { mode: "setRole", chat_id: chatId, username: a.username, role: "admin" });
    const outsider = await registerUser("ibO");
    const { code } = await invite(owner, chatId);
    expect((await ask(a, { mode: "banMember", chat_id: chatId, username: b.username })).body).toMatchObject({
      status: 200,
      chat_id: chatId,
      username: b.username,
    });
    expect((await ask(a, { mode: "banMember", chat_id: chatId, username: outsider.username })).body.status).toBe(200);
    expect((await ask(a, { mode: "getBanned", chat_id: chatId })).body.users.sort()).toEqual([b.username, outsider.username].sort());
    expect(await count(owner, chatId)).toBe(size - 1);
    expect((await ask(b, { mode: "getMessages", chat_id: chatId })).body).toMatchObject({ status: 404, error: "chat_not_found" });
    expect((await join(b, code)).body).toMatchObject({ status: 403, error: "forbidden" });
    expect((await ask(owner, { mode: "addMembers", chat_id: chatId, members: [outsider.username] })).body).toMatchObject({
      status: 403,
      error: "forbidden",
    });
    expect(await count(owner, chatId)).toBe(size - 1);
    expect((await ask(a, { mode: "banMember", chat_id: chatId, username: a.username })).body).toMatchObject({ status: 400 });
    expect((await ask(owner, { mode: "banMember", chat_id: chatId, username: "nobody-here-zz" })).body).toMatchObject({
      status: 404,
      error: "user_not_found",
    });
    expect((await ask(a, { mode: "unbanMember", chat_id: chatId, username: b.username })).body).toMatchObject({ status: 200 });
    expect((await join(b, code)).body).toMatchObject({ status: 200, chat: { chat_id: chatId } });
    expect((await ask(a, { mode: "getBanned", chat_id: chatId })).body.users).toEqual([outsider.username]);
  });
});

describe("guessing invite codes", () => {
  it("is held per address: 30 tries an hour, then 429 rate_limited, good codes included; another address is not held", async () => {
    const clock = await holdLimiterClock();
    try {
      const { owner, chatId } = await groupOf(2, "ig");
      const { code } = await invite(owner, chatId);
      const guesser = await registerUser("igG");
      const ip = unique("ip");
      const fake = () => `${code.slice(0, 22)}${crypto.randomUUID().replaceAll("-", "").slice(0, 21)}`;
      for (let i = 0; i < 30; i++) expect((await ask(guesser, { mode: "joinByInvite", code: fake() }, ip)).body).toMatchObject(gone);
      const held = await ask(guesser, { mode: "joinByInvite", code }, ip);
      expect(held.body).toMatchObject({ status: 429, error: "rate_limited", retry_after_ms: expect.any(Number) });
      expect(await count(owner, chatId)).toBe(2);
      expect((await ask(guesser, { mode: "joinByInvite", code }, unique("ip"))).body.status).toBe(200);
    } finally {
      clock.release();
    }
  });

  it("joining counts against the joiner's group changes", async () => {
    const { owner, chatId } = await groupOf(2, "il");
    const { code } = await invite(owner, chatId);
    const joiner = await registerUser("ilJ");
    // Added to as many groups as GROUP_CHANGES_PER_USER_PER_HOUR allows, with the joiner's clock held.
    await inUserObject(joiner.user.id, (o) => o.clock.stopAt(Date.now()));
    await fillChatList(joiner.user, Number(env.GROUP_CHANGES_PER_USER_PER_HOUR), (i) => `g${i}`);
    expect((await join(joiner, code)).body).toMatchObject({ status: 429, error: "rate_limited" });
    expect(await count(owner, chatId)).toBe(2);
  });
});
