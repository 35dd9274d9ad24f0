// Running a group in the web client (the contract's "Group roles and moderation"): the info
// pane (roles, making an admin, slow mode, invite links, editing the title and description,
// banning and unbanning) under axe-core, an invite link opened in a second browser that joins
// after registering, "Report" on a message, and slow mode's countdown on the Send button.
import { describe, expect, it } from "vitest";
import {
  announcements,
  audit,
  composer,
  DESKTOP,
  expectFocused,
  hasChromium,
  message,
  registerInUi,
  send,
  uniqueName,
  useBrowser,
  visibleText,
  waitUntil,
} from "./browser-helpers";

describe.skipIf(!hasChromium)("running a group in Chromium", () => {
  const env = useBrowser();

  it("makes an admin, shares an invite link that a second browser joins by, reports, and counts slow mode down", async () => {
    const page = await env.newPage(DESKTOP);
    await env.signUp(page, "olga");
    const [pat] = await env.apiUsers("pat");
    const patChats: string[] = [];
    pat.client.on("chatCreated", (p) => patChats.push(p.chat.title));

    await page.getByRole("button", { name: "New group", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Group name").fill("Night shift");
    await dialog.getByLabel("Members", { exact: true }).fill(pat.username);
    await dialog.getByLabel("Members", { exact: true }).press("Enter");
    await page.locator(".chat-title", { hasText: "Night shift" }).waitFor();
    await waitUntil(() => patChats.includes("Night shift"), "pat to hear of the group");
    await send(page, "Welcome to the shift");

    // The info pane: the members with their roles; the owner makes pat an admin.
    await page.getByRole("button", { name: "Info", exact: true }).click();
    await dialog.getByRole("button", { name: `Make admin: ${pat.username}` }).click();
    const demote = dialog.getByRole("button", { name: `Remove admin: ${pat.username}` });
    await expectFocused(page, demote, "the button that now undoes it");
    await expect.poll(() => dialog.locator(".tag").allTextContents()).toEqual(["owner", "admin"]);
    await expect.poll(() => announcements(page)).toContain(`${pat.username} is now an admin.`);
    const { members } = await pat.client.getMembers({ chat_id: (await pat.client.getChats({})).chats[0]!.chat_id });
    expect(members.find((m) => m.username === pat.username)?.role).toBe("admin");

    // Slow mode, and an invite link.
    await dialog.getByLabel("Slow mode").selectOption("10");
    await expect.poll(() => announcements(page)).toContain("Slow mode: one message every 10 seconds.");
    await dialog.getByRole("button", { name: "Create invite link" }).click();
    const link = dialog.getByRole("textbox", { name: "Invite link" });
    await expectFocused(page, link.first(), "the new invite link");
    const url = await link.first().inputValue();
    expect(url).toMatch(/#\/join\/[A-Za-z0-9_-]+$/);
    await audit(page, "group info pane");
    await dialog.getByRole("button", { name: "Close" }).click();

    // A second browser opens the link, registers, and is in the group.
    const other = await env.newPage(DESKTOP);
    await registerInUi(other, url, uniqueName("nina"));
    await other.locator(".chat-title", { hasText: "Night shift" }).waitFor();
    await expect.poll(() => announcements(other)).toContain("You joined Night shift.");

    // Nina reports the owner's message.
    await message(other, "Welcome to the shift").waitFor();
    await message(other, "Welcome to the shift").hover();
    await message(other, "Welcome to the shift")
      .getByRole("button", { name: /^Report message/ })
      .click();
    await other.getByRole("dialog").getByLabel("Reason").fill("spam");
    await other.getByRole("dialog").getByLabel("Reason").press("Enter");
    await expect.poll(() => announcements(other)).toContain("Message reported. Thank you.");

    // Slow mode: after her message the Send button counts down, disabled, then sends again.
    await send(other, "First from nina");
    const sendButton = other.locator(".btn-send");
    await expect.poll(() => sendButton.textContent()).toMatch(/^Wait \d+ s$/);
    expect(await sendButton.isDisabled()).toBe(true);
    await composer(other).fill("Too soon");
    await composer(other).press("Enter");
    expect(await composer(other).inputValue()).toBe("Too soon");
    await expect.poll(() => sendButton.textContent(), { timeout: 20_000 }).toBe("Send");
    expect(await sendButton.isDisabled()).toBe(false);
    await composer(other).press("Enter");
    await message(page, "Too soon").waitFor();

    // The owner renames the group and describes it; the header and pat's list follow.
    await page.getByRole("button", { name: "Info", exact: true }).click();
    await dialog.getByLabel("Title").fill("Night shift crew");
    await dialog.getByLabel("Description").fill("Be kind, be brief.");
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => announcements(page)).toContain("Group info saved.");
    await expect.poll(() => page.locator(".chat-title").textContent()).toBe("Night shift crew");
    await expect
      .poll(async () => (await pat.client.getChats({})).chats[0])
      .toMatchObject({
        title: "Night shift crew",
        description: "Be kind, be brief.",
      });

    // Banning nina lists her under Banned; Unban takes her off, and the keyboard stays on the list.
    const banned = dialog.getByRole("list", { name: "Banned" });
    await expect.poll(() => visibleText(banned)).toBe("No one is banned.");
    const ban = dialog.getByRole("button", { name: /^Ban nina_/ });
    const nina = (await ban.getAttribute("aria-label"))!.slice("Ban ".length);
    await ban.click();
    await expect.poll(() => announcements(page)).toContain(`${nina} was banned.`);
    await banned.getByRole("button", { name: `Unban ${nina}` }).waitFor();
    await audit(page, "group info with a banned member");
    await banned.getByRole("button", { name: `Unban ${nina}` }).click();
    await expect.poll(() => announcements(page)).toContain(`${nina} is no longer banned.`);
    await expect.poll(() => visibleText(banned)).toBe("No one is banned.");
    await expectFocused(page, banned, "the banned list");
  });
});
