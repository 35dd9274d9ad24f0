// The web client in a real Chromium (playwright-core) against a real `wrangler dev`: two
// people chat live, read each other's messages, edit and delete, reload; photos and files;
// groups; the chat list a page at a time; password recovery. Screenshots of the chat view go
// to test-results/.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Route } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  chatItem,
  composer,
  DESKTOP,
  expectFocused,
  hasChromium,
  message,
  messageTexts,
  PASSWORD,
  PHONE,
  png,
  screenshot,
  send,
  useBrowser,
  visibleText,
  waitUntil,
} from "./browser-helpers";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe.skipIf(!hasChromium)("the web client in Chromium", () => {
  const env = useBrowser();

  it("two people chat live: unread counts, typing, read state, edits, deletes, and a reload keeps the history", async () => {
    // Alice starts a direct chat by username (the dialog submits with Enter).
    const { alicePage, bobPage, alice, bob } = await env.twoInAChat(["alice", DESKTOP], ["bob", PHONE]);
    await send(alicePage, "Hello Bob");

    // Bob's list shows the new chat live, with an unread count that grows.
    await expect.poll(() => visibleText(chatItem(bobPage, alice).locator(".badge"))).toBe("1 unread");
    await send(alicePage, "Are you there?", "button");
    await expect.poll(() => visibleText(chatItem(bobPage, alice).locator(".badge"))).toBe("2 unread");
    expect(await chatItem(bobPage, alice).locator(".chat-item-preview").textContent()).toBe("Are you there?");
    await expect.poll(() => alicePage.locator(".status").last().textContent()).toBe("Sent");

    // Bob opens it: the messages are there, the badge goes, and Alice sees them read.
    await chatItem(bobPage, alice).click();
    await expect.poll(() => messageTexts(bobPage)).toEqual(["Hello Bob", "Are you there?"]);
    await expect.poll(() => alicePage.locator(".status").last().textContent()).toBe("Seen");

    // Bob types; Alice sees it, then his reply arrives live.
    await composer(bobPage).pressSequentially("Yes!");
    await expect.poll(() => alicePage.locator(".typing").textContent()).toBe(`${bob} is typing…`);
    await send(bobPage, "Yes! Hi Alice");
    await expect.poll(() => messageTexts(alicePage)).toEqual(["Hello Bob", "Are you there?", "Yes! Hi Alice"]);
    // Alice has the chat open, so nothing is unread for her, and Bob sees his reply read.
    expect(await chatItem(alicePage, bob).locator(".badge").count()).toBe(0);
    await expect.poll(() => bobPage.locator(".status").last().textContent()).toBe("Seen");
    await screenshot(bobPage, "chat-phone");

    // Alice edits one message and deletes another; Bob sees both live.
    const first = message(alicePage, "Hello Bob");
    await first.hover();
    await first.getByRole("button", { name: /^Edit message sent / }).click();
    const edited = alicePage.getByRole("textbox", { name: "Edited text" });
    await edited.fill("Hello Bob, welcome to edge-chat");
    await edited.press("Enter");
    await expect.poll(() => messageTexts(bobPage)).toEqual(["Hello Bob, welcome to edge-chat", "Are you there?", "Yes! Hi Alice"]);
    expect(await message(bobPage, "welcome to edge-chat").locator(".edited").textContent()).toBe("edited");
    const second = message(alicePage, "Are you there?");
    await second.hover();
    await second.getByRole("button", { name: /^Delete message sent / }).click();
    await alicePage.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => messageTexts(bobPage)).toEqual(["Hello Bob, welcome to edge-chat", "Message deleted", "Yes! Hi Alice"]);
    await screenshot(alicePage, "chat-desktop");

    // A longer history, sent from Node with the client library as Alice.
    const node = await env.apiLogin(alice);
    const { chat } = await node.createChat({ username: bob });
    const history = Array.from({ length: 70 }, (_, i) => `history ${i + 1}`);
    for (const content of history) await node.sendMessage({ chat_id: chat.chat_id, content });
    await expect.poll(() => bobPage.locator(".messages .msg").count()).toBe(73);

    // Bob reloads: still logged in and in the same chat (it is in the URL), and scrolling up
    // brings back the whole history, once.
    await bobPage.reload();
    await bobPage.locator(".chat-title", { hasText: alice }).waitFor();
    await message(bobPage, "history 70").waitFor();
    const beginning = bobPage.getByText("This is the beginning of the conversation.");
    // Each page that arrives lands above the top; scrolling up again asks for the next one.
    await expect
      .poll(async () => {
        await bobPage.locator(".thread").evaluate((el) => el.scrollTo({ top: 0 }));
        return beginning.isVisible();
      })
      .toBe(true);
    expect(await messageTexts(bobPage)).toEqual(["Hello Bob, welcome to edge-chat", "Message deleted", "Yes! Hi Alice", ...history]);
    expect(await chatItem(bobPage, alice).isVisible()).toBe(false); // a phone shows the list or a chat
    await bobPage.getByRole("button", { name: "Back to chats" }).click();
    expect(await chatItem(bobPage, alice).locator(".badge").count()).toBe(0);
    expect(await chatItem(bobPage, alice).locator(".chat-item-preview").textContent()).toBe("history 70");
  });

  it("sends a photo and a file: the other sees the photo inline, opens it large and downloads it; uploads cancel and retry", async () => {
    const { alicePage, bobPage, alice } = await env.twoInAChat(["ann", DESKTOP], ["ben", DESKTOP]);

    // Alice attaches a photo with the "Attach file" button.
    const photo = png(96, 64);
    const [chooser] = await Promise.all([
      alicePage.waitForEvent("filechooser"),
      alicePage.getByRole("button", { name: "Attach file" }).click(),
    ]);
    await chooser.setFiles({ name: "sunset.png", mimeType: "image/png", buffer: photo });
    await alicePage.locator(".messages .att-img").waitFor();

    // Bob sees it inline, at its own size from the first paint, and it loads.
    await chatItem(bobPage, alice).click();
    const img = bobPage.getByRole("button", { name: "Open image sunset.png" }).locator("img");
    await img.waitFor();
    expect([await img.getAttribute("width"), await img.getAttribute("height")]).toEqual(["96", "64"]);
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(96);
    const box = (await img.boundingBox())!;
    expect(Math.abs(box.width / box.height - 96 / 64)).toBeLessThan(0.02);
    await screenshot(bobPage, "photo-inline");

    // He opens it large and downloads it: the same bytes.
    await img.click();
    const viewer = bobPage.getByRole("dialog", { name: "sunset.png" });
    await viewer.waitFor();
    const [download] = await Promise.all([bobPage.waitForEvent("download"), viewer.getByRole("link", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe("sunset.png");
    expect(sha(readFileSync((await download.path())!))).toBe(sha(photo));
    await viewer.getByRole("button", { name: "Close" }).click();

    // A file dropped on the chat goes as a chip with its name, size and a download link.
    const dropped = await alicePage.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["agenda: ship files\n"], "agenda.txt", { type: "text/plain" }));
      return dt;
    });
    await alicePage.dispatchEvent(".chat", "drop", { dataTransfer: dropped });
    const chip = bobPage.getByRole("link", { name: "Download agenda.txt 19 B" });
    await chip.waitFor();
    expect(await chip.getAttribute("href")).toMatch(/\/files\/[0-9a-f]{32}\?exp=\d+&sig=/);

    // An upload can be cancelled while it is on its way; a failed one says why and is retried.
    let held: Route | null = null;
    await alicePage.route("**/upload?**", (route) => {
      held = route;
    });
    const [again] = await Promise.all([
      alicePage.waitForEvent("filechooser"),
      alicePage.getByRole("button", { name: "Attach file" }).click(),
    ]);
    await again.setFiles({ name: "draft.txt", mimeType: "text/plain", buffer: Buffer.from("draft") });
    await alicePage.getByRole("progressbar", { name: "Uploading draft.txt" }).waitFor();
    await alicePage.getByRole("button", { name: "Cancel uploading draft.txt" }).click();
    await expect.poll(() => alicePage.locator(".upload").count()).toBe(0);
    await waitUntil(() => held !== null, "the held upload");
    await held!.abort().catch(() => undefined);
    await alicePage.unroute("**/upload?**");
    let failNext = true;
    await alicePage.route("**/upload?**", (route) => {
      if (!failNext) return route.continue();
      failNext = false;
      return route.abort("connectionreset");
    });
    const [third] = await Promise.all([
      alicePage.waitForEvent("filechooser"),
      alicePage.getByRole("button", { name: "Attach file" }).click(),
    ]);
    await third.setFiles({ name: "final.txt", mimeType: "text/plain", buffer: Buffer.from("final") });
    await expect.poll(() => alicePage.locator(".upload-error").textContent()).toContain("Can't reach the server");
    await alicePage.getByRole("button", { name: "Retry sending final.txt" }).click();
    await bobPage.getByRole("link", { name: "Download final.txt 5 B" }).waitFor();
    expect(await bobPage.getByRole("link", { name: /draft\.txt/ }).count()).toBe(0);
    await screenshot(alicePage, "files-sent");
  });

  it("creates a group and manages its members", async () => {
    const page = await env.newPage(DESKTOP);
    const owner = await env.signUp(page, "olga");
    const [pat, quinn, ray] = await env.apiUsers("pat", "quinn", "ray");
    const patChats: string[] = [];
    pat.client.on("chatCreated", (p) => patChats.push(p.chat.title));

    await page.getByRole("button", { name: "New group", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Group name").fill("Launch crew");
    await dialog.getByLabel("Members", { exact: true }).fill(`${pat.username}, ${quinn.username}`);
    await dialog.getByLabel("Members", { exact: true }).press("Enter");
    await page.locator(".chat-title", { hasText: "Launch crew" }).waitFor();
    await waitUntil(() => patChats.includes("Launch crew"), "pat to hear of the group");
    await send(page, "Welcome, crew");

    await page.getByRole("button", { name: "Members", exact: true }).click();
    await dialog.getByRole("button", { name: `Remove ${quinn.username}` }).click();
    await expect.poll(() => dialog.locator(".member-name").allTextContents()).toEqual([`${owner} (you)`, pat.username]);
    await dialog.getByLabel("Add members").fill(ray.username);
    await dialog.getByLabel("Add members").press("Enter");
    await expect.poll(() => dialog.locator(".member-name").allTextContents()).toEqual([`${owner} (you)`, pat.username, ray.username]);
    await expect.poll(() => page.locator(".chat-sub").textContent()).toContain("3 members");

    await dialog.getByRole("button", { name: "Leave group" }).click();
    await dialog.getByRole("button", { name: "Leave group" }).click();
    await page.getByText("You are no longer in Launch crew.").waitFor();
    expect(await chatItem(page, "Launch crew").count()).toBe(0);
    // Pat, the longest-standing member left, owns it now.
    const { chats } = await pat.client.getChats();
    expect(chats.find((c) => c.title === "Launch crew")).toMatchObject({
      owner: pat.username,
      members: [pat.username, ray.username],
    });
  });

  it("shows the chat list a page at a time", async () => {
    const [uma, vic] = await env.apiUsers("uma", "vic");
    let heard = 0;
    uma.client.on("chatCreated", () => heard++);
    for (let i = 1; i <= 55; i++) await vic.client.createGroup({ title: `club ${String(i).padStart(2, "0")}`, members: [uma.username] });
    await waitUntil(() => heard === 55, "uma to hear of 55 groups");
    uma.client.close();

    const page = await env.newPage(DESKTOP);
    await page.goto(env.server.url);
    await page.getByLabel("Username", { exact: true }).fill(uma.username);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    const more = page.getByRole("button", { name: "Show older chats" });
    await more.waitFor();
    // The latest 50 first; the rest with the next page.
    expect(await page.locator(".chat-item").count()).toBe(50);
    // From the keyboard: the last page in, the button goes and the keyboard is on the first chat it brought.
    await more.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(".chat-item").count()).toBe(55);
    const titles = (await page.locator(".chat-item-title").allTextContents()).sort();
    expect(titles).toEqual(Array.from({ length: 55 }, (_, i) => `club ${String(i + 1).padStart(2, "0")}`));
    expect(await more.isVisible()).toBe(false);
    await expectFocused(page, page.locator(".chat-item").nth(50), "the first of the older chats");
  });

  it("resets a forgotten password with the mailed code", async () => {
    const { client, username } = await env.apiUser("sam");
    client.close();
    const page = await env.newPage(PHONE);
    await page.goto(env.server.url);
    await page.getByRole("button", { name: "Forgot password?" }).click();
    await page.getByLabel("Email", { exact: true }).fill(`${username}@example.com`);
    await page.getByLabel("Email", { exact: true }).press("Enter");
    const code = await env.server.mailedCode(`${username}@example.com`);
    await page.getByLabel("Code").fill(code);
    await page.getByLabel("New password").fill("a brand new password");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.getByText("Your password is changed. Log in with the new one.").waitFor();

    await page.getByLabel("Username", { exact: true }).fill(username);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByText("Wrong username or password.").waitFor();
    await page.getByLabel("Password", { exact: true }).fill("a brand new password");
    await page.getByLabel("Password", { exact: true }).press("Enter");
    await page.getByRole("button", { name: "Log out", exact: true }).click();
    await page.getByRole("button", { name: "Log in", exact: true }).waitFor();
  });
});
