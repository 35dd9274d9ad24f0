// Replies, reactions and mentions in the web client, in a real Chromium against a real `wrangler dev`:
// a reply quotes its original (Escape cancels one being written) and its quote shows the
// original; reactions are toggles with counts, yours pressed, pushed live to the other side;
// all by mouse and by keyboard, and axe finds nothing in these states. A mention of you is
// marked, and its chat has an "@" in the list until read.
import { describe, expect, it } from "vitest";
import {
  announcements,
  audit,
  chatItem,
  composer,
  DESKTOP,
  expectFocused,
  hasChromium,
  message,
  messageTexts,
  send,
  useBrowser,
  visibleText,
} from "./browser-helpers";

describe.skipIf(!hasChromium)("replies and reactions in the web client", () => {
  const env = useBrowser();

  it("replies quote their original and show it; reactions toggle live; by mouse and by keyboard", async () => {
    const { alicePage, bobPage, alice } = await env.twoInAChat(["alice", DESKTOP], ["bob", DESKTOP]);
    await send(alicePage, "Lunch at noon?");
    await send(alicePage, "Or later");
    await chatItem(bobPage, alice).click();
    await expect.poll(() => messageTexts(bobPage)).toEqual(["Lunch at noon?", "Or later"]);

    // Bob replies by mouse: the quote sits above the composer, which holds the keyboard.
    await message(bobPage, "Lunch at noon?")
      .getByRole("button", { name: /^Reply to message sent / })
      .click();
    const bar = bobPage.locator(".reply-bar");
    await expect.poll(() => visibleText(bar.locator(".reply-bar-text"))).toBe(`Replying to ${alice} Lunch at noon?`);
    await expectFocused(bobPage, composer(bobPage), "the composer");
    await audit(bobPage, "replying");
    await send(bobPage, "Yes, see you");
    expect(await bar.isHidden()).toBe(true);
    // Alice sees the quote of her message in Bob's reply.
    const reply = message(alicePage, "Yes, see you");
    await expect.poll(() => visibleText(reply.locator(".quote-text"))).toBe("Lunch at noon?");

    // By keyboard: Reply on "Or later", then Escape in the composer cancels it, and says so.
    const later = message(bobPage, "Or later").getByRole("button", { name: /^Reply to message sent / });
    await later.focus();
    await later.press("Enter");
    await expect.poll(() => bar.isVisible()).toBe(true);
    await composer(bobPage).press("Escape");
    await expect.poll(() => bar.isHidden()).toBe(true);
    await expect.poll(() => announcements(bobPage)).toContain("Reply cancelled.");

    // Enter on the quote puts the keyboard on the original.
    const quote = reply.getByRole("button", { name: /^Show the original from .*Lunch at noon\?$/ });
    await quote.focus();
    await quote.press("Enter");
    await expectFocused(alicePage, message(alicePage, "Lunch at noon?"), "the original");

    // Alice reacts by mouse from the picker: her reaction is pressed, Bob sees the count live.
    await reply.getByRole("button", { name: /^React to message sent / }).click();
    await audit(alicePage, "the emoji picker open");
    await reply.getByRole("button", { name: /^React 👍 to message sent / }).click();
    const mine = reply.getByRole("button", { name: /^👍 1 on message sent .*, yours$/ });
    await expect.poll(() => mine.getAttribute("aria-pressed")).toBe("true");
    await expectFocused(alicePage, mine, "her reaction");
    const bobs = message(bobPage, "Yes, see you").locator(".reaction");
    await expect.poll(() => visibleText(bobs)).toBe("👍 1");
    expect(await bobs.getAttribute("aria-pressed")).toBe("false");

    // Bob adds his by keyboard (Enter on the count), then takes it back (Space).
    await bobs.focus();
    await bobs.press("Enter");
    await expect.poll(() => bobs.getAttribute("aria-pressed")).toBe("true");
    await expect.poll(() => visibleText(reply.locator(".reaction"))).toBe("👍 2");
    await bobs.focus();
    await bobs.press(" ");
    await expect.poll(() => bobs.getAttribute("aria-pressed")).toBe("false");
    await expect.poll(() => visibleText(reply.locator(".reaction"))).toBe("👍 1");
    // Alice takes hers back by mouse: no count is left.
    await mine.click();
    await expect.poll(() => bobs.count()).toBe(0);
    await audit(alicePage, "after reactions");
  });

  it("a mention of you shows an @ in the chat list until read, and is marked in the thread", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "carol");
    const { client, username } = await env.apiUser("dave");
    const { chat } = await client.createChat({ username: me });
    await client.sendMessage({ chat_id: chat.chat_id, content: "Hi all" });
    await client.sendMessage({ chat_id: chat.chat_id, content: `Over to you @${me}`, mentions: [me] });
    const mention = chatItem(page, username).locator(".badge-mention");
    await expect.poll(() => visibleText(mention)).toBe("@ mentions you");
    await chatItem(page, username).click();
    await expect.poll(() => message(page, "Over to you").getAttribute("class")).toContain("mentions-me");
    expect(await message(page, "Hi all").getAttribute("class")).not.toContain("mentions-me");
    await expect.poll(() => mention.count()).toBe(0);
    await audit(page, "a message that mentions you");
  });
});
