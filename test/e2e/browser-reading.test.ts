// Reading a chat as in the messengers people use: it opens at the first unread under a
// "New messages" divider; only what has been on the screen is read (the sender's side is
// what checks it); a button jumps to the latest with how many are new below; a photo that
// arrives at the bottom keeps the bottom in view; each chat keeps its scroll position and
// its unsent draft (the draft across a reload too); a long thread keeps a bounded number of
// messages in the page.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type ApiUser, chatItem, composer, DESKTOP, expectFocused, hasChromium, png, useBrowser } from "./browser-helpers";

/** How far the thread is from its bottom, in px. */
const fromBottom = (page: Page) => page.locator(".thread").evaluate((t) => t.scrollHeight - t.scrollTop - t.clientHeight);
/** The message whose text is exactly `text`. */
const exactly = (page: Page, text: string) =>
  page.locator(".messages .msg", { has: page.locator(".text", { hasText: new RegExp(`^${text}$`) }) });
/** Whether `text`'s message is inside the thread's visible part. */
const inView = (page: Page, text: string) =>
  exactly(page, text).evaluate((li) => {
    const r = li.getBoundingClientRect();
    const t = li.closest(".thread")!.getBoundingClientRect();
    return r.bottom > t.top && r.top < t.bottom;
  });

/** How far the other member of a direct chat has read, as its sender sees it. */
async function peerRead(sender: ApiUser, chatId: string): Promise<number> {
  const { chats } = await sender.client.getChats();
  return chats.find((c) => c.chat_id === chatId)?.peer_last_read_seq ?? 0;
}

async function sendMany(user: ApiUser, chatId: string, prefix: string, count: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 1; i <= count; i++) seqs.push((await user.client.sendMessage({ chat_id: chatId, content: `${prefix} ${i}` })).message.seq);
  return seqs;
}

describe.skipIf(!hasChromium)("reading a chat in the web client", () => {
  const env = useBrowser();

  it("opens at the first unread, reads only what was on the screen, and jumps to the latest", async () => {
    const page = await env.newPage(DESKTOP);
    const bob = await env.signUp(page, "bob");
    const alice = await env.apiUser("alice");
    const { chat } = await alice.client.createChat({ username: bob });
    const read = await sendMany(alice, chat.chat_id, "old", 20);
    // Read up to there on another device of bob's.
    const elsewhere = await env.apiLogin(bob);
    await elsewhere.markRead({ chat_id: chat.chat_id, seq: read.at(-1)! });
    const unread = await sendMany(alice, chat.chat_id, "new", 40);

    await chatItem(page, alice.username).locator(".badge", { hasText: "40" }).waitFor();
    await chatItem(page, alice.username).click();
    // The divider sits right above the first unread, and that is on the screen; the latest is not.
    const divider = page.locator(".new-divider");
    await divider.waitFor();
    expect(await divider.textContent()).toBe("New messages");
    expect(await divider.evaluate((d) => d.nextElementSibling?.querySelector(".text")?.textContent)).toBe("new 1");
    expect(await inView(page, "new 1")).toBe(true);
    expect(await inView(page, "new 40")).toBe(false);

    // What was on the screen is read, and nothing below it: alice sees how far.
    await expect.poll(() => peerRead(alice, chat.chat_id)).toBeGreaterThanOrEqual(unread[0]!);
    expect(await peerRead(alice, chat.chat_id)).toBeLessThan(unread.at(-1)!);

    // The button says how many are new below, and takes the view (and the keyboard) there.
    const jump = page.getByRole("button", { name: /^Jump to latest message, \d+ new$/ });
    await jump.waitFor();
    await jump.click();
    await expect.poll(() => inView(page, "new 40")).toBe(true);
    await expectFocused(page, page.getByRole("region", { name: "Messages" }), "the thread");
    await expect.poll(() => peerRead(alice, chat.chat_id)).toBe(unread.at(-1)!);
    await expect.poll(() => page.getByRole("button", { name: /^Jump to latest/ }).isVisible()).toBe(false);

    // Scrolled up, a new message is counted, not read; at the bottom again, it is.
    await page.locator(".thread").evaluate((t) => t.scrollBy(0, -600));
    await page.getByRole("button", { name: "Jump to latest message" }).waitFor();
    const { message: late } = await alice.client.sendMessage({
      chat_id: chat.chat_id,
      content: "while you were up there",
    });
    await page.getByRole("button", { name: "Jump to latest message, 1 new" }).waitFor();
    expect(await peerRead(alice, chat.chat_id)).toBe(unread.at(-1)!);
    await page.getByRole("button", { name: "Jump to latest message, 1 new" }).click();
    await expect.poll(() => peerRead(alice, chat.chat_id)).toBe(late.seq);
  });

  it("keeps the bottom in view when a photo arrives, and keeps each chat's place and draft", async () => {
    const page = await env.newPage(DESKTOP);
    const dora = await env.signUp(page, "dora");
    const [eli, fay] = await env.apiUsers("eli", "fay");
    const { chat } = await eli.client.createChat({ username: dora });
    await sendMany(eli, chat.chat_id, "line", 30);
    const { chat: other } = await fay.client.createChat({ username: dora });
    await fay.client.sendMessage({ chat_id: other.chat_id, content: "hi from fay" });

    await chatItem(page, eli.username).click();
    // It opens at the first unread: the button takes the view to the bottom.
    await page.getByRole("button", { name: /^Jump to latest message/ }).click();
    await exactly(page, "line 30").waitFor();
    await expect.poll(() => fromBottom(page)).toBeLessThan(2);
    // A 600 x 900 photo: drawn at its final size before it loads, so the bottom stays in view.
    await eli.client.sendFile(chat.chat_id, png(600, 900), { name: "tall.png", type: "image/png" });
    const img = page.locator(".att-img");
    await img.waitFor();
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
    expect(await img.evaluate((i) => Math.round(i.getBoundingClientRect().height))).toBe(360);
    await expect.poll(() => fromBottom(page)).toBeLessThan(2);

    // A draft and a scroll position, left for another chat and found again.
    await composer(page).fill("half a thought");
    await page.locator(".thread").evaluate((t) => (t.scrollTop = 200));
    const top = await page.locator(".thread").evaluate((t) => t.scrollTop);
    await chatItem(page, fay.username).click();
    await exactly(page, "hi from fay").waitFor();
    expect(await composer(page).inputValue()).toBe("");
    await chatItem(page, eli.username).click();
    await exactly(page, "line 30").waitFor();
    expect(await composer(page).inputValue()).toBe("half a thought");
    expect(await page.locator(".thread").evaluate((t) => t.scrollTop)).toBe(top);

    // The draft survives a reload.
    await page.reload();
    await chatItem(page, eli.username).click();
    await exactly(page, "line 30").waitFor();
    expect(await composer(page).inputValue()).toBe("half a thought");
  });

  it("keeps a bounded number of messages in the page, in reading order, however long the thread", async () => {
    const page = await env.newPage(DESKTOP);
    const gil = await env.signUp(page, "gil");
    const hal = await env.apiUser("hal");
    const { chat } = await hal.client.createChat({ username: gil });
    const seqs = await sendMany(hal, chat.chat_id, "m", 300);
    await (await env.apiLogin(gil)).markRead({ chat_id: chat.chat_id, seq: seqs.at(-1)! });
    await chatItem(page, hal.username).click();
    await exactly(page, "m 300").waitFor();
    const drawn = () => page.locator(".messages .msg").count();
    // Scrolling up draws (and loads) older messages, a step at a time, and drops the newest.
    for (let i = 0; i < 40 && !(await exactly(page, "m 1").count()); i++) {
      await page.locator(".thread").evaluate((t) => (t.scrollTop = 0));
      await page.waitForFunction(() => document.querySelector(".thread")!.scrollTop > 0 || !!document.querySelector(".older .thread-note"));
      expect(await drawn()).toBeLessThanOrEqual(120);
    }
    await exactly(page, "m 1").waitFor();
    expect(await exactly(page, "m 300").count()).toBe(0);
    const texts = await page.locator(".messages .msg .text").allTextContents();
    expect(texts).toEqual(texts.map((_, i) => `m ${i + 1}`));
    // The jump button draws the latest again, and only a window of them.
    await page.getByRole("button", { name: "Jump to latest message" }).click();
    await exactly(page, "m 300").waitFor();
    expect(await drawn()).toBeLessThanOrEqual(120);
  });
});
