// WCAG 2.2 AA in the browser: axe-core's A/AA rules in every state of the app (logged out,
// the chat list, chats, every dialog, offline) at desktop and phone size, light and dark;
// the contrast of what axe does not measure (borders, selected states, the focus ring);
// and reflow at 320 px (1280 px at 400% zoom) with the longest names the service allows.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  audit,
  chatItem,
  colourPair,
  composer,
  contrast,
  DESKTOP,
  hasChromium,
  message,
  NARROW,
  openChat,
  PHONE,
  png,
  routeSockets,
  send,
  useBrowser,
} from "./browser-helpers";

/** Visible elements reaching past the viewport's sides, and controls whose content is cut off. */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const name = (el: Element) =>
      `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width)
      out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`);
    for (const el of document.querySelectorAll("body *")) {
      if (!el.checkVisibility() || el.closest(".sr-only")) continue;
      // What an ancestor clips away (an ellipsis, a scrolling list) is not on the screen.
      let { left, right } = el.getBoundingClientRect();
      for (let a = el.parentElement; a; a = a.parentElement) {
        if (getComputedStyle(a).overflowX === "visible") continue;
        const clip = a.getBoundingClientRect();
        left = Math.max(left, clip.left);
        right = Math.min(right, clip.right);
      }
      if (right > left && (right > width + 0.5 || left < -0.5)) out.push(`${name(el)} spans ${Math.round(left)}–${Math.round(right)} px`);
      if (el instanceof HTMLButtonElement && el.scrollWidth > el.clientWidth + 1)
        out.push(`${name(el)} is cut off (${el.scrollWidth} > ${el.clientWidth})`);
    }
    return out;
  });
}

describe.skipIf(!hasChromium)("the web client's accessibility", () => {
  const env = useBrowser();

  for (const device of ["desktop", "phone"] as const) {
    it(`passes axe-core's WCAG 2.2 A/AA rules in every state at ${device} size, light and dark`, async () => {
      const page = await env.newPage(device === "phone" ? PHONE : DESKTOP);
      // Time is the test's, for the "Not sent" state (a send that times out offline).
      await page.clock.install();
      const net = await routeSockets(page);
      const { username: known } = await env.apiUser("kim");
      const dialog = page.getByRole("dialog");

      // ---- Logged out ----
      await page.goto(env.server.url);
      await page.getByLabel("Username", { exact: true }).waitFor();
      expect(await page.getByRole("heading", { level: 1, name: "edge-chat" }).isVisible()).toBe(true);
      expect(await page.getByRole("tabpanel", { name: "Log in" }).isVisible()).toBe(true);
      await audit(page, "log in");
      await page.getByLabel("Username", { exact: true }).fill(known);
      await page.getByLabel("Password", { exact: true }).fill("not the password");
      await page.getByLabel("Password", { exact: true }).press("Enter");
      await page.getByText("Wrong username or password.").waitFor();
      await audit(page, "log in, wrong password");

      await page.getByRole("tab", { name: "Register" }).click();
      await page.getByLabel("Username", { exact: true }).fill("x!");
      await page.getByLabel("Email", { exact: true }).fill("not an email");
      await page.getByLabel("Password", { exact: true }).fill("short");
      await page.getByRole("button", { name: "Register", exact: true }).click();
      await page.locator("input[aria-invalid=true]").first().waitFor();
      expect(await page.locator("input[aria-invalid=true]").count()).toBe(3);
      await audit(page, "register, with field errors");

      await page.getByRole("tab", { name: "Log in" }).click();
      await page.getByRole("button", { name: "Forgot password?" }).click();
      // No tab leads here, so it is no tab panel.
      expect(await page.getByRole("tabpanel").count()).toBe(0);
      await audit(page, "recovery: ask for a code");
      await page.getByLabel("Email", { exact: true }).fill(`${known}@example.com`);
      await page.getByLabel("Email", { exact: true }).press("Enter");
      await page.getByLabel("Code").waitFor();
      await audit(page, "recovery: set a new password");

      // ---- The chat list ----
      const me = await env.signUp(page, "me");
      await audit(page, "chat list, empty");
      await page.getByRole("button", { name: "New chat", exact: true }).click();
      await dialog.getByLabel("Username", { exact: true }).fill("nobody_is_called_this");
      await dialog.getByLabel("Username", { exact: true }).press("Enter");
      await dialog.getByText("There is no user with that name.").waitFor();
      await audit(page, "new chat, unknown user");
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: "New group", exact: true }).click();
      await dialog.getByLabel("Group name").waitFor();
      await audit(page, "new group");
      await page.keyboard.press("Escape");

      const [bob, carol, dave] = await env.apiUsers("bob", "carol", "dave");
      const meApi = await env.apiLogin(me);
      const { chat: direct } = await bob.client.createChat({ username: me });
      await bob.client.sendMessage({
        chat_id: direct.chat_id,
        content: "Hi there, notes at https://example.com/notes or ask bob@example.com",
      });
      const { message: typo } = await bob.client.sendMessage({ chat_id: direct.chat_id, content: "Long tiem no see" });
      const { chat: crew } = await carol.client.createGroup({ title: "Crew", members: [me, dave.username] });
      await carol.client.sendGroupMessage({ chat_id: crew.chat_id, content: "Welcome to the crew" });
      await meApi.createGroup({ title: "Book club", members: [bob.username] });
      await chatItem(page, "Book club").waitFor();
      await bob.client.typing({ chat_id: direct.chat_id });
      await chatItem(page, bob.username).getByText("typing…").waitFor();
      await audit(page, "chat list, unread and typing");

      // ---- A direct chat ----
      await openChat(page, bob.username);
      await send(page, "Hello Bob");
      await send(page, "Second thought");
      // Past the last message: Bob has read everything there is.
      await bob.client.markRead({ chat_id: direct.chat_id, seq: 1_000_000 });
      await page.getByText("Seen", { exact: true }).waitFor();
      await bob.client.editMessage({ chat_id: direct.chat_id, seq: typo.seq, content: "Long time no see" });
      const { message: oops } = await bob.client.sendMessage({ chat_id: direct.chat_id, content: "oops" });
      await bob.client.deleteMessage({ chat_id: direct.chat_id, seq: oops.seq });
      await message(page, "Message deleted").waitFor();
      await audit(page, "direct chat");

      // Photos and files: inline, opened large, and an upload that failed.
      await bob.client.sendFile(direct.chat_id, png(96, 64), { name: "sunset.png", type: "image/png" });
      await bob.client.sendFile(direct.chat_id, new TextEncoder().encode("agenda: ship it\n"), {
        name: "agenda.txt",
        type: "text/plain",
      });
      const photo = page.getByRole("button", { name: "Open image sunset.png" }).locator("img");
      await expect.poll(() => photo.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(96);
      await page.getByRole("link", { name: "Download agenda.txt 16 B" }).waitFor();
      await audit(page, "a photo and a file");
      await photo.click();
      await page.getByRole("dialog", { name: "sunset.png" }).getByRole("button", { name: "Close" }).waitFor();
      await audit(page, "a photo opened large");
      await page.keyboard.press("Escape");
      await page.route("**/upload?**", (route) => route.abort("connectionreset"));
      const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.getByRole("button", { name: "Attach file" }).click()]);
      await chooser.setFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("notes") });
      await page.getByRole("button", { name: "Retry sending notes.txt" }).waitFor();
      await audit(page, "an upload that failed");
      await page.getByRole("button", { name: "Dismiss notes.txt" }).click();
      await page.unroute("**/upload?**");

      const mine = message(page, "Second thought");
      await mine.getByRole("button", { name: /^Edit message sent / }).focus();
      await mine.getByRole("button", { name: /^Edit message sent / }).click();
      await page.getByRole("textbox", { name: "Edited text" }).waitFor();
      await audit(page, "editing a message");
      await page.keyboard.press("Escape");
      await mine.getByRole("button", { name: /^Delete message sent / }).click();
      await dialog.getByRole("button", { name: "Cancel" }).waitFor();
      await audit(page, "delete confirmation");
      await dialog.getByRole("button", { name: "Cancel" }).click();

      // ---- Groups ----
      await openChat(page, "Book club");
      await page.getByRole("button", { name: "Members", exact: true }).click();
      await dialog.getByLabel("Add members").waitFor();
      await audit(page, "members, as the owner");
      await page.keyboard.press("Escape");
      await openChat(page, "Crew");
      await message(page, "Welcome to the crew").waitFor();
      await audit(page, "group chat");
      // Replying, reacting and mentioning: the reply bar, the emoji picker, the member suggestions.
      const welcome = message(page, "Welcome to the crew");
      await welcome.getByRole("button", { name: /^Reply to message sent / }).click();
      await page.locator(".reply-bar").waitFor();
      await audit(page, "replying: the quote above the composer");
      await composer(page).press("Escape");
      await welcome.getByRole("button", { name: /^React to message sent / }).click();
      await welcome.getByRole("group", { name: /^Pick a reaction/ }).waitFor();
      await audit(page, "the emoji picker open");
      await page.keyboard.press("Escape");
      await composer(page).fill(`@${dave.username.slice(0, 2)}`);
      await page.getByRole("listbox", { name: "Members to mention" }).waitFor();
      await audit(page, "member suggestions for a mention");
      await composer(page).press("Escape");
      await composer(page).fill("");
      await page.getByRole("button", { name: "Members", exact: true }).click();
      await dialog.getByRole("button", { name: "Leave group" }).click();
      await dialog.getByRole("heading", { name: "Leave Crew?" }).waitFor();
      await audit(page, "leave confirmation");
      await dialog.getByRole("button", { name: "Cancel" }).click();

      // ---- Unread: the "New messages" divider and the jump button with its count ----
      await openChat(page, bob.username);
      for (let i = 1; i <= 30; i++) await carol.client.sendGroupMessage({ chat_id: crew.chat_id, content: `news ${i}` });
      await chatItem(page, "Crew").locator(".badge", { hasText: "30" }).waitFor({ state: "attached" });
      await openChat(page, "Crew");
      await page.locator(".new-divider").waitFor();
      await page.getByRole("button", { name: /^Jump to latest message, \d+ new$/ }).waitFor();
      await audit(page, "new messages divider and the jump button");
      await page.getByRole("button", { name: /^Jump to latest message/ }).click();

      // ---- Settings: the theme, chosen ----
      const back = page.getByRole("button", { name: "Back to chats" });
      if (await back.isVisible()) await back.click();
      await page.getByRole("button", { name: "Settings", exact: true }).click();
      await page.getByRole("radio", { name: "Dark" }).check();
      await audit(page, "settings, dark chosen");
      await page.getByRole("radio", { name: "Light" }).check();
      await audit(page, "settings, light chosen");
      await page.getByRole("radio", { name: "As the system" }).check();

      // ---- Offline ----
      await openChat(page, bob.username);
      // A send whose answer is lost on the way, while the connection looks fine: "Not sent", with Retry.
      net.lostResponses.add("sendMessage");
      await composer(page).fill("lost on the way");
      await composer(page).press("Enter");
      await message(page, "lost on the way").getByText("Sending…").waitFor();
      await audit(page, "sending");
      await page.clock.fastForward(16_000);
      await message(page, "lost on the way").getByText("Not sent").waitFor();
      await audit(page, "not sent");
      net.lostResponses.clear();
      await net.offline();
      await page.getByText("Offline. Reconnecting…").waitFor();
      await composer(page).fill("sent from a tunnel");
      await composer(page).press("Enter");
      await message(page, "sent from a tunnel").getByText("Waiting for connection").waitFor();
      await audit(page, "offline, waiting for connection");
      // The browser knows it is offline: the banner says so at once.
      await page.context().setOffline(true);
      await page.getByText("Offline. Waiting for the network…").waitFor();
      await audit(page, "offline, no network");
      await page.context().setOffline(false);
      net.online();
      await page.clock.fastForward(31_000);
      await message(page, "sent from a tunnel").locator(".meta time").waitFor();
      await message(page, "lost on the way").locator(".meta time").waitFor();
    });
  }

  it("draws input borders, selected states and the focus ring at 3:1 or more against what is next to them, light and dark", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "lena");
    const { client: max } = await env.apiUser("max");
    await max.createChat({ username: me });
    await page.locator(".chat-item").first().click();
    await composer(page).waitFor();
    const checks: [string, string, string, "own" | "behind"][] = [
      ["the message box's border", ".composer textarea", "border-top-color", "behind"],
      ["the message box's border, inside", ".composer textarea", "border-top-color", "own"],
      ["the open chat's row marker", ".chat-item[aria-current=true]", "box-shadow", "own"],
      ["the focus ring", ".composer textarea", "outline-color", "behind"],
    ];
    const auth = await env.newPage(DESKTOP);
    await auth.goto(env.server.url);
    await auth.getByLabel("Username", { exact: true }).waitFor();
    const authChecks: typeof checks = [
      ["a field's border", ".field input", "border-top-color", "behind"],
      ["the selected tab's marker", "[role=tab][aria-selected=true]", "box-shadow", "own"],
      ["the focus ring on a button", ".auth .btn-primary", "outline-color", "behind"],
    ];
    const low: string[] = [];
    for (const colorScheme of ["light", "dark"] as const) {
      for (const [p, list] of [
        [page, checks],
        [auth, authChecks],
      ] as const) {
        await p.emulateMedia({ colorScheme });
        // Focused from the keyboard, so the ring is the :focus-visible one.
        if (list === checks) await p.locator(".composer textarea").focus();
        else {
          await p.getByLabel("Password", { exact: true }).focus();
          await p.keyboard.press("Tab");
        }
        for (const [what, selector, property, against] of list) {
          const [fg, bg] = await colourPair(p, selector, property, against);
          const ratio = contrast(fg, bg);
          if (ratio < 3) low.push(`${what} (${colorScheme}): ${ratio.toFixed(2)}:1`);
        }
      }
    }
    expect(low).toEqual([]);
  });

  it("reflows at 320 px: a 32-character username, the New chat and New group buttons, a long member name, a 100-character title", async () => {
    const page = await env.newPage(NARROW);
    const me = await env.signUp(page, "reflow", 32);
    expect(me).toHaveLength(32);
    expect(await overflowing(page)).toEqual([]);

    const { username: long } = await env.apiUser("member", 32);
    const title = "Supercalifragilisticexpialidocious".repeat(3).slice(0, 100);
    expect(title).toHaveLength(100);
    await (await env.apiLogin(me)).createGroup({ title, members: [long] });
    await chatItem(page, title).waitFor();
    expect(await overflowing(page)).toEqual([]);

    await chatItem(page, title).click();
    await page.getByRole("heading", { name: title }).waitFor();
    await send(page, "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(3));
    expect(await overflowing(page)).toEqual([]);

    const dialog = page.getByRole("dialog");
    await page.getByRole("button", { name: "Members", exact: true }).click();
    await dialog.getByRole("button", { name: `Remove ${long}` }).waitFor();
    expect(await overflowing(page)).toEqual([]);
    expect(await dialog.getByRole("button", { name: `Remove ${long}` }).textContent()).toBe("Remove");
    await dialog.getByRole("button", { name: "Leave group" }).click();
    await dialog.getByRole("heading", { name: `Leave ${title}?` }).waitFor();
    expect(await overflowing(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => dialog.count()).toBe(0);
  });
});
