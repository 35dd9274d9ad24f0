// A chat object keeps departed members out of memory and pages members from SQLite.
// (Second security review: every departed member stayed in memory, 681 B each.)
import { describe, expect, it } from "vitest";
import { api, type Frame, groupOf, inChatObject, LARGE_AT } from "./helpers";

const names = (page: Frame): string[] => page.members.map((m: { username: string }) => m.username);

describe("members in a chat object", () => {
  for (const size of [5, LARGE_AT + 2]) {
    it(`drops a member who leaves or is removed from memory at once (${size} members)`, async () => {
      const { owner, rest, chatId } = await groupOf(size, `mm${size}`);
      const [gone, removed, stays] = rest;
      // Everyone acted once, so all of them were looked up.
      for (const u of rest) await api({ mode: "markRead", chat_id: chatId, seq: 0 }, { token: u.token });
      expect(await inChatObject(chatId, (o) => o.probe.memberInMemory(stays!.user.id))).toBe(true);
      expect((await api({ mode: "leaveChat", chat_id: chatId }, { token: gone!.token })).status).toBe(200);
      expect((await api({ mode: "removeMember", chat_id: chatId, username: removed!.username }, { token: owner.token })).status).toBe(200);
      expect(await inChatObject(chatId, (o) => [o.probe.memberInMemory(gone!.user.id), o.probe.memberInMemory(removed!.user.id)])).toEqual([
        false,
        false,
      ]);
      // They are not members any more, and the others still are.
      expect((await api({ mode: "getMessages", chat_id: chatId }, { token: gone!.token })).body.error).toBe("chat_not_found");
      expect((await api({ mode: "getMessages", chat_id: chatId }, { token: stays!.token })).status).toBe(200);
    });
  }

  it("pages getMembers from SQLite by lower-cased name, without the departed", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT + 3, "mmp");
    await api({ mode: "leaveChat", chat_id: chatId }, { token: rest[0]!.token });
    await api({ mode: "removeMember", chat_id: chatId, username: rest[1]!.username }, { token: owner.token });
    const expected = [owner, ...rest.slice(2)].map((u) => u.username).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (
        await api({ mode: "getMembers", chat_id: chatId, limit: 4, ...(after !== undefined && { after }) }, { token: rest[2]!.token })
      ).body;
      expect(page.members.length).toBeLessThanOrEqual(4);
      seen.push(...names(page));
      if (!page.has_more) break;
      after = seen.at(-1);
    }
    expect(seen).toEqual(expected);
    const first = (await api({ mode: "getMembers", chat_id: chatId, limit: 100 }, { token: owner.token })).body;
    expect(first.members.find((m: { username: string }) => m.username === owner.username)).toMatchObject({
      role: "owner",
    });
  });
});
