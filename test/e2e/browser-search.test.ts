// Message search in the web client by keyboard: / and Ctrl+K focus the search field, the
// results say their chat, sender, time and matching words, and Enter on one opens its chat
// at that message, pages older than what is loaded included. axe in each state.
import { describe, expect, it } from "vitest";
import { audit, DESKTOP, expectFocused, hasChromium, message, useBrowser } from "./browser-helpers";

describe.skipIf(!hasChromium)("message search in the web client", () => {
  const env = useBrowser();

  it("finds a message by keyboard and opens its chat at it", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "find");
    const { client: bob, username: bobName, chatId } = await env.chatFrom(page, me, "bob", "The lighthouse key is under the Café mat");
    // Enough newer messages that the first one is pages away from what the chat loads.
    for (let i = 0; i < 120; i++) await bob.sendMessage({ chat_id: chatId, content: `filler ${i}` });
    await page.reload();
    await message(page, "filler 119").waitFor();
    expect(await message(page, "The lighthouse key").count()).toBe(0);

    const field = page.getByRole("searchbox", { name: "Search messages" });
    // From the thread (the composer takes / as text).
    await page.getByRole("region", { name: "Messages" }).focus();
    await page.keyboard.press("/");
    await expectFocused(page, field, "the search field after /");
    await page.keyboard.type("cafe LIGHTHOUSE");
    await page.keyboard.press("Enter");
    const result = page.locator(".search-result").first();
    await result.waitFor();
    expect(await page.locator(".search-result").count()).toBe(1);
    expect(await result.locator(".search-chat").textContent()).toBe(bobName);
    expect(await result.locator(".search-sender").textContent()).toBe(bobName);
    expect(await result.locator("time").count()).toBe(1);
    expect(await result.locator("mark").allTextContents()).toEqual(["lighthouse", "Café"]);
    await audit(page, "search results");

    await page.keyboard.press("ArrowDown");
    await expectFocused(page, result, "the first result");
    await page.keyboard.press("Enter");
    const target = message(page, "The lighthouse key");
    await expectFocused(page, target, "the message found");
    expect(await target.isVisible()).toBe(true);

    await page.keyboard.press("Control+k");
    await expectFocused(page, field, "the search field after Ctrl+K");
    await page.keyboard.press("Escape");
    expect(await field.inputValue()).toBe("");
    expect(await page.locator(".search-result").count()).toBe(0);
    await page.keyboard.type("nothing like this");
    await page.keyboard.press("Enter");
    await page.getByText("No messages found.", { exact: true }).first().waitFor();
    await audit(page, "no results");
  });
});
