// getMessages and getChatUpdates pages end early under the byte budget getChats uses
// (contract/pages.ts), with has_more: 100 messages of 4,000 three-byte characters are
// about 1.2 MB of JSON.
import { describe, expect, it } from "vitest";
import { PAGE_BYTES } from "../../src/contract/pages";
import { api, directChat, groupOf, LARGE_AT, rested, type Account } from "./helpers";

const big = (i: number) => `${i} `.padEnd(4_000, "€");
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

async function sendBig(a: Account, chatId: string, mode: "sendMessage" | "sendGroupMessage", n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    if (i % 20 === 1) await rested(a, 10_000);
    const res = await api({ mode, chat_id: chatId, content: big(i), content_type: "text" }, { token: a.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

describe("pages under a byte budget", () => {
  it("getMessages ends a page early with has_more, and paging on gets the rest", async () => {
    const { a, chatId } = await directChat("pb");
    await sendBig(a, chatId, "sendMessage", 100);
    const first = (await api({ mode: "getMessages", chat_id: chatId, limit: 100 }, { token: a.token })).body;
    expect(first.has_more).toBe(true);
    expect(first.messages.length).toBeLessThan(100);
    expect(bytes(first.messages)).toBeLessThanOrEqual(PAGE_BYTES);
    // The newest messages, in order; the rest come before the first of them.
    expect(first.messages.at(-1).seq).toBe(100);
    const from = first.messages[0].seq as number;
    const rest = (await api({ mode: "getMessages", chat_id: chatId, before_seq: from, limit: 100 }, { token: a.token })).body;
    expect(rest.messages.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: from - 1 }, (_, i) => i + 1));
    expect(rest.has_more).toBe(false);
    // Paging forward too.
    const fwd = (await api({ mode: "getMessages", chat_id: chatId, after_seq: 0, limit: 100 }, { token: a.token })).body;
    expect(fwd.has_more).toBe(true);
    expect(fwd.messages[0].seq).toBe(1);
    expect(bytes(fwd.messages)).toBeLessThanOrEqual(PAGE_BYTES);
  });

  it("getChatUpdates ends a page early with has_more, and its ev is where the next page starts", async () => {
    const { owner, rest, chatId } = await groupOf(LARGE_AT + 1, "pbl");
    await sendBig(owner, chatId, "sendGroupMessage", 100);
    const page = (await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0, limit: 200 }, { token: rest[0]!.token })).body;
    expect(page.has_more).toBe(true);
    expect(page.updates.length).toBeLessThan(100);
    expect(bytes(page.updates)).toBeLessThanOrEqual(PAGE_BYTES);
    expect(page.ev).toBe(page.updates.at(-1).ev);
    const next = (await api({ mode: "getChatUpdates", chat_id: chatId, since_ev: page.ev, limit: 200 }, { token: rest[0]!.token })).body;
    expect(next.updates[0].ev).toBe(page.ev + 1);
    const contents = [...page.updates, ...next.updates].map((u: { message: { content: string } }) => u.message.content);
    expect(contents).toEqual(Array.from({ length: 100 }, (_, i) => big(i + 1)));
  });
});
