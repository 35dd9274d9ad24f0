// The web app in a large group (more than the server's LARGE_GROUP_MEMBERS, 50): the chat
// list shows its unread count, opening it loads the history, messages arrive live, and the
// member list (in Members and in the group's info) comes a page at a time.
import { describe, expect, it } from "vitest";
import {
  chatItem,
  DESKTOP,
  hasChromium,
  messageTexts,
  PASSWORD,
  screenshot,
  send,
  uniqueName,
  useBrowser,
  visibleText,
} from "./browser-helpers";
import { post } from "./helpers";

describe.skipIf(!hasChromium)("a large group in the web client", () => {
  const env = useBrowser();

  it("shows unread in the list, loads history, gets messages live, pages the members", async () => {
    const page = await env.newPage(DESKTOP);
    const lena = await env.signUp(page, "lena");
    const mia = await env.apiUser("mia");
    // Registered over POST /api, a few at a time: 50 more make the group large.
    const crowd: string[] = [];
    for (let i = 0; i < 50; i += 5)
      crowd.push(
        ...(await Promise.all(
          Array.from({ length: 5 }, async () => {
            const username = uniqueName("crowd");
            const res = await post(env.server.url, { mode: "register", username, password: PASSWORD, email: `${username}@example.com` });
            expect(res.status).toBe(201);
            return username;
          }),
        )),
      );
    const { chat } = await mia.client.createGroup({ title: "Town hall", members: [lena, ...crowd] });
    expect(chat).toMatchObject({ large: true, member_count: 52 });
    await mia.client.sendGroupMessage({ chat_id: chat.chat_id, content: "agenda first" });
    await mia.client.sendGroupMessage({ chat_id: chat.chat_id, content: "then questions" });

    await expect.poll(() => visibleText(chatItem(page, "Town hall").locator(".badge"))).toBe("2 unread");
    // After a reload the list comes from getChats, with the same count.
    await page.reload();
    await expect.poll(() => visibleText(chatItem(page, "Town hall").locator(".badge"))).toBe("2 unread");
    await chatItem(page, "Town hall").click();
    await expect.poll(() => messageTexts(page)).toEqual(["agenda first", "then questions"]);
    await expect.poll(() => page.locator(".chat-sub").textContent()).toBe("52 members");
    await mia.client.sendGroupMessage({ chat_id: chat.chat_id, content: "live from the hall" });
    await expect.poll(() => messageTexts(page)).toEqual(["agenda first", "then questions", "live from the hall"]);
    await send(page, "a question from lena");
    expect((await mia.client.getMessages({ chat_id: chat.chat_id })).messages.at(-1)).toMatchObject({
      content: "a question from lena",
      sender: lena,
    });
    await screenshot(page, "large-group");

    await page.getByRole("button", { name: "Members" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.locator(".member-name").count()).toBe(50);
    // From the keyboard: the button goes once the list is whole, and the focus stays in the list.
    await dialog.getByRole("button", { name: "Show more members" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.locator(".member-name").count()).toBe(52);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Members");
    const names = (await dialog.locator(".member-name").allTextContents()).map((n) => n.replace(" (you)", ""));
    expect(names).toEqual([lena, mia.username, ...crowd].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    expect(await dialog.getByRole("button", { name: "Show more members" }).isVisible()).toBe(false);
    await dialog.getByRole("button", { name: "Close" }).click();

    // The group's info pane pages its members the same way, with their roles.
    await page.getByRole("button", { name: "Info", exact: true }).click();
    const members = dialog.getByRole("list", { name: "Members" }).locator(".member-name");
    await expect.poll(() => members.count()).toBe(50);
    // A double click asks for the next page once: nobody is listed twice.
    await dialog.getByRole("button", { name: "Show more members" }).dblclick();
    await dialog.getByRole("button", { name: "Show more members" }).waitFor({ state: "hidden" });
    await expect.poll(() => members.count()).toBe(52);
    expect((await members.allTextContents()).map((n) => n.replace(" (you)", ""))).toEqual(names);
  });
});
