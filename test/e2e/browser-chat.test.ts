// The web client in a real Chromium (playwright-core) against a real `wrangler dev`: two
// people chat live, read each other's messages, edit and delete, reload; groups; password
// recovery. Screenshots of the chat view go to test-results/.
import { describe, expect, it } from "vitest";
import {
  chatItem,
  composer,
  DESKTOP,
  hasChromium,
  message,
  messageTexts,
  PASSWORD,
  PHONE,
  registerInUi,
  screenshot,
  send,
  uniqueName,
  useBrowser,
  visibleText,
  waitUntil,
} from "./browser-helpers";

describe.skipIf(!hasChromium)("the web client in Chromium", () => {
  const env = useBrowser();

  it("two people chat live: unread counts, typing, read state, edits, deletes, and a reload keeps the history", async () => {
    const alicePage = await env.newPage(DESKTOP);
    const bobPage = await env.newPage(PHONE);
    const alice = uniqueName("alice");
    const bob = uniqueName("bob");
    await registerInUi(alicePage, env.server.url, alice);
    await registerInUi(bobPage, env.server.url, bob);

    // Alice starts a direct chat by username (the dialog submits with Enter).
    await alicePage.getByRole("button", { name: "New chat", exact: true }).click();
    await alicePage.getByRole("dialog").getByLabel("Username", { exact: true }).fill(bob);
    await alicePage.getByRole("dialog").getByLabel("Username", { exact: true }).press("Enter");
    await alicePage.locator(".chat-title", { hasText: bob }).waitFor();
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

    // Bob reloads: still logged in, and scrolling up brings back the whole history, once.
    await bobPage.reload();
    await chatItem(bobPage, alice).click();
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
  }, 180_000);

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
    expect(chats.find((c) => c.title === "Launch crew")).toMatchObject({ owner: pat.username, members: [pat.username, ray.username] });
  }, 120_000);

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
  }, 60_000);
});
