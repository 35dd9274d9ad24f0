// The Settings view in a real Chromium against a real `wrangler dev`: devices (logging one
// out), changing the password, blocking from a direct chat and unblocking from Settings, and
// deleting the account; by mouse and by keyboard, with axe-core's WCAG rules at desktop and
// phone size.
import { ChatClient } from "edge-chat/client";
import { describe, expect, it } from "vitest";
import {
  announcements,
  audit,
  chatItem,
  DESKTOP,
  expectFocused,
  hasChromium,
  openChat,
  PASSWORD,
  PHONE,
  screenshot,
  useBrowser,
  waitUntil,
} from "./browser-helpers";

describe.skipIf(!hasChromium)("Settings in Chromium", () => {
  const env = useBrowser();

  it("logs out another device, changes the password, blocks and unblocks, deletes the account", async () => {
    const page = await env.newPage(DESKTOP);
    const dana = await env.signUp(page, "dana");
    // Another device of Dana's: the client library in Node.
    const phone = new ChatClient({ url: env.server.wsUrl });
    await phone.auth({ username: dana, password: PASSWORD });
    const phoneEnded: string[] = [];
    phone.on("sessionEnded", ({ reason }) => phoneEnded.push(reason));
    const eve = await env.apiUser("eve");
    const { chat } = await eve.client.createChat({ username: dana });
    await chatItem(page, eve.username).waitFor();

    const settingsButton = page.getByRole("button", { name: "Settings", exact: true });
    await settingsButton.click();
    await expectFocused(page, page.getByRole("heading", { name: "Settings", exact: true }), "the Settings heading");
    const devices = page.getByRole("list", { name: "Devices" });
    await expect.poll(() => devices.getByRole("listitem").count()).toBe(2);
    expect(await devices.getByRole("listitem").filter({ hasText: "this device" }).count()).toBe(1);
    await audit(page, "settings, desktop");
    await devices.getByRole("listitem").filter({ hasNotText: "this device" }).getByRole("button").click();
    await page.getByRole("dialog").getByRole("button", { name: "Log out", exact: true }).click();
    await waitUntil(() => phoneEnded.includes("revoked"), "the other device to be logged out");
    await expect.poll(() => devices.getByRole("listitem").count()).toBe(1);
    await expectFocused(page, page.getByRole("heading", { name: "Devices", exact: true }), "the Devices heading");
    await expect.poll(() => announcements(page)).toContainEqual(expect.stringMatching(/ is logged out\.$/));

    // A wrong current password is said at the field; the right one changes it.
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill("a better password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Current password is wrong.").waitFor();
    await expectFocused(page, page.getByLabel("Current password"), "the Current password field");
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator(".notice", { hasText: "Your password is changed. Your other devices are logged out." }).waitFor();
    await expect.poll(() => announcements(page)).toContain("Your password is changed. Your other devices are logged out.");
    await screenshot(page, "settings-desktop");

    // "Block" in the direct chat's header; Eve can no longer write, and Settings lists her.
    await openChat(page, eve.username);
    await page.getByRole("button", { name: "Block", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Block", exact: true }).click();
    await expectFocused(page, page.getByRole("button", { name: "Unblock", exact: true }), "the Unblock button");
    await expect(eve.client.sendMessage({ chat_id: chat.chat_id, content: "hello?" })).rejects.toMatchObject({
      error: "forbidden",
    });
    await settingsButton.click();
    const blocked = page.getByRole("list", { name: "Blocked users" });
    await expect.poll(() => blocked.textContent()).toContain(eve.username);
    await blocked.getByRole("button", { name: `Unblock ${eve.username}` }).click();
    await expect.poll(() => blocked.textContent()).toBe("You have not blocked anyone.");
    await expectFocused(page, page.getByRole("heading", { name: "Blocked users", exact: true }), "the Blocked users heading");
    await eve.client.sendMessage({ chat_id: chat.chat_id, content: "thanks" });

    // Opening a chat from the list leaves the settings.
    await openChat(page, eve.username);
    expect(await page.getByRole("heading", { name: "Settings", exact: true }).count()).toBe(0);

    // Deleting the account asks for the password in a dialog, then logs out for good.
    const peerGone: boolean[] = [];
    eve.client.on("chatUpdated", (p) => peerGone.push(p.chat.peer_deleted === true));
    await settingsButton.click();
    await page.getByRole("button", { name: "Delete account…" }).click();
    const dialog = page.getByRole("dialog");
    await expectFocused(page, dialog.getByLabel("Password", { exact: true }), "the dialog's password field");
    await audit(page, "delete account dialog");
    await dialog.getByLabel("Password", { exact: true }).fill("a better password");
    await dialog.getByRole("button", { name: "Delete account", exact: true }).click();
    await page.getByText("Your account has been deleted.").waitFor();
    await page.getByRole("button", { name: "Log in", exact: true }).waitFor();
    await waitUntil(() => peerGone.includes(true), "Eve to see the account gone");
    phone.close();
  }, 120_000);

  it("on a phone: Settings are the page (h1), reached and left by keyboard; a chat whose peer deleted the account cannot be answered", async () => {
    const page = await env.newPage(PHONE);
    const me = await env.signUp(page, "pia");
    const gone = await env.apiUser("gone");
    await gone.client.createChat({ username: me });
    await chatItem(page, gone.username).waitFor();
    await page.getByRole("button", { name: "Settings", exact: true }).focus();
    await page.keyboard.press("Enter");
    await expectFocused(page, page.getByRole("heading", { level: 1, name: "Settings" }), "the Settings h1");
    await expect.poll(() => page.getByRole("heading", { level: 2, name: "Devices" }).count()).toBe(1);
    await audit(page, "settings, phone");
    await page.getByRole("button", { name: "Back to chats" }).focus();
    await page.keyboard.press("Enter");
    await expectFocused(page, page.getByRole("button", { name: "Settings", exact: true }), "the Settings button");

    await gone.client.deleteAccount({ password: PASSWORD });
    await chatItem(page, gone.username).click();
    await page.getByText(`${gone.username} deleted their account. You can read this chat, but not reply.`).waitFor();
    expect(await page.getByRole("textbox", { name: "Message", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Block", exact: true }).count()).toBe(0);
    await audit(page, "a chat whose peer deleted the account, phone");
  }, 120_000);

  it("keeps a light, dark or system theme chosen in Settings on this device, across a reload", async () => {
    const page = await env.newPage(DESKTOP);
    await page.emulateMedia({ colorScheme: "light" });
    await env.signUp(page, "theo");
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole("button", { name: "Settings", exact: true }).click();
    // Once the devices are in (the page settles), not while they arrive under the pointer.
    await page.locator(".settings-list li").first().waitFor();
    await page.getByRole("radio", { name: "Dark" }).check();
    await expect.poll(background).not.toBe(light);
    const dark = await background();
    await page.reload();
    expect(await background()).toBe(dark);
    await page.getByRole("radio", { name: "Dark" }).waitFor();
    expect(await page.getByRole("radio", { name: "Dark" }).isChecked()).toBe(true);
    // As the system: the system's scheme again, whichever it is.
    await page.getByRole("radio", { name: "As the system" }).check();
    await expect.poll(background).toBe(light);
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(background).toBe(dark);
  });
});
