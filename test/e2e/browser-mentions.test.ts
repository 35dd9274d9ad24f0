// "@" in the composer, in a real Chromium against a real `wrangler dev` whose groups are
// large past 3 members: it suggests the members whose names start with what follows it
// (a small group's from its Chat, a large group's asked for with getMembers), by keyboard
// (arrows, Enter or Tab to pick, Escape to close) and by mouse, and what is sent carries
// `mentions`. The list is announced, and axe finds nothing while it is open.
import type { Page } from "playwright-core";
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
  useBrowser,
  visibleText,
} from "./browser-helpers";

const options = (page: Page) => page.getByRole("listbox", { name: "Members to mention" }).getByRole("option");
const names = (page: Page) => options(page).locator(".mention-name").allTextContents();
/** The option the composer's aria-activedescendant points at. */
const activeOption = (page: Page) =>
  composer(page).evaluate(
    (el) => document.getElementById(el.getAttribute("aria-activedescendant") ?? "")?.querySelector(".mention-name")?.textContent ?? null,
  );

describe.skipIf(!hasChromium)("mentions in the web client", () => {
  const env = useBrowser({ LARGE_GROUP_MEMBERS: "3" });

  it("suggests a small group's members by keyboard: arrows choose, Tab and Enter pick, Escape closes; the send carries mentions", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "mona");
    const [ana, andy] = await env.apiUsers("ana", "andy");
    const { chat } = await ana.client.createGroup({ title: "Pair", members: [me, andy.username] });
    await chatItem(page, "Pair").click();
    await expectFocused(page, composer(page), "the composer");

    await page.keyboard.type("Hi @an");
    await expect.poll(() => names(page)).toEqual([ana.username, andy.username]);
    await expect.poll(() => announcements(page)).toContain("2 members to mention. Up and down arrows choose, Enter picks.");
    expect(await activeOption(page)).toBe(ana.username);
    await audit(page, "mention suggestions");
    await page.keyboard.press("ArrowDown");
    expect(await activeOption(page)).toBe(andy.username);
    expect(await options(page).nth(1).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("ArrowDown");
    expect(await activeOption(page)).toBe(ana.username);
    await page.keyboard.press("Escape");
    await expect.poll(() => options(page).count()).toBe(0);
    expect(await composer(page).getAttribute("aria-activedescendant")).toBeNull();
    await expectFocused(page, composer(page), "the composer after Escape");
    expect(await composer(page).inputValue()).toBe("Hi @an");

    // Typing on narrows it; Tab picks, and the text goes on after the name.
    await page.keyboard.type("d");
    await expect.poll(() => names(page)).toEqual([andy.username]);
    await page.keyboard.press("Tab");
    await expectFocused(page, composer(page), "the composer after picking");
    expect(await composer(page).inputValue()).toBe(`Hi @${andy.username} `);
    await page.keyboard.type("and @a");
    await expect.poll(() => options(page).count()).toBe(2);
    await page.keyboard.press("Enter");
    expect(await composer(page).inputValue()).toBe(`Hi @${andy.username} and @${ana.username} `);
    await page.keyboard.type("lunch?");
    await page.keyboard.press("Enter");
    await message(page, "lunch?").locator(".meta time").waitFor();
    const { messages } = await andy.client.getMessages({ chat_id: chat.chat_id });
    expect(messages.at(-1)?.mentions?.toSorted()).toEqual([ana.username, andy.username].toSorted());
    // Andy's own browser would mark it; his chat counts the mention.
    expect((await andy.client.getChats({})).chats.find((c) => c.chat_id === chat.chat_id)?.unread_mentions).toBe(1);
  });

  it("in a large group asks getMembers for names from the prefix on, and a click picks one", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "otto");
    const [zara, zeke, bo] = await env.apiUsers("zara", "zeke", "bo");
    const { chat } = await zara.client.createGroup({ title: "Crowd", members: [me, zeke.username, bo.username] });
    expect(chat.large).toBe(true);
    await chatItem(page, "Crowd").click();
    await composer(page).click();
    await page.keyboard.type("@ze");
    await expect.poll(() => names(page)).toEqual([zeke.username]);
    await page.keyboard.press("Backspace");
    await expect.poll(() => names(page)).toEqual([zara.username, zeke.username]);
    await options(page).filter({ hasText: zeke.username }).click();
    await expectFocused(page, composer(page), "the composer after a click");
    expect(await composer(page).inputValue()).toBe(`@${zeke.username} `);
    await page.keyboard.type("welcome");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await message(page, "welcome").locator(".meta time").waitFor();
    const { messages } = await zeke.client.getMessages({ chat_id: chat.chat_id });
    expect(messages.at(-1)?.mentions).toEqual([zeke.username]);
    expect(await visibleText(message(page, "welcome").locator(".text"))).toBe(`@${zeke.username} welcome`);
  });
});
