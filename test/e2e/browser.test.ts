// The web client in a real Chromium (playwright-core) against a real `wrangler dev`: two
// people chat live, read each other's messages, edit and delete, reload, lose the
// connection; photos and files; groups; password recovery. Screenshots of the chat view go to test-results/.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";
import { ChatClient } from "edge-chat/client";
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/local-server";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the browser tests: ${CHROMIUM} does not exist (apt-get install chromium; .ci/run does).`);

const ARTIFACTS = "test-results";
const PASSWORD = "correct horse battery";
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

let server: LocalServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const clients: ChatClient[] = [];

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`;

async function newPage(options: typeof PHONE | typeof DESKTOP): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
  return page;
}

/** A user who is not in a browser: the client library in Node, on Node's own WebSocket. */
async function apiUser(prefix: string): Promise<{ client: ChatClient; username: string }> {
  const client = new ChatClient({ url: server.wsUrl });
  clients.push(client);
  const username = uniqueName(prefix);
  await client.register({ username, password: PASSWORD, email: `${username}@example.com` });
  await waitUntil(() => client.state === "ready", "the Node client to be ready");
  return { client, username };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function registerInUi(page: Page, username: string): Promise<void> {
  await page.goto(server.url);
  await page.getByRole("tab", { name: "Register" }).click();
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Email", { exact: true }).fill(`${username}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Register", exact: true }).click();
  await page.getByRole("button", { name: "New chat", exact: true }).waitFor();
}

/** Two people registered in their own browsers; the first opens a direct chat with the second from the "New chat" dialog. */
async function twoInAChat(first: [string, typeof PHONE | typeof DESKTOP], second: [string, typeof PHONE | typeof DESKTOP]) {
  const [alicePage, bobPage] = [await newPage(first[1]), await newPage(second[1])];
  const [alice, bob] = [uniqueName(first[0]), uniqueName(second[0])];
  await registerInUi(alicePage, alice);
  await registerInUi(bobPage, bob);
  await alicePage.getByRole("button", { name: "New chat", exact: true }).click();
  await alicePage.getByRole("dialog").getByLabel("Username", { exact: true }).fill(bob);
  await alicePage.getByRole("dialog").getByLabel("Username", { exact: true }).press("Enter");
  await alicePage.locator(".chat-title", { hasText: bob }).waitFor();
  return { alicePage, bobPage, alice, bob };
}

const chatItem = (page: Page, title: string) => page.locator(".chat-item", { has: page.locator(".chat-item-title", { hasText: title }) });
const messageTexts = (page: Page) => page.locator(".messages .msg .text").allTextContents();
const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });
const message = (page: Page, text: string) => page.locator(".messages .msg", { has: page.locator(".text", { hasText: text }) });
const visibleText = async (l: Locator) => ((await l.count()) ? ((await l.first().textContent()) ?? "") : "");

async function send(page: Page, text: string, how: "enter" | "button" = "enter"): Promise<void> {
  await composer(page).fill(text);
  if (how === "enter") await composer(page).press("Enter");
  else await page.getByRole("button", { name: "Send", exact: true }).click();
  await message(page, text).locator(".meta time").waitFor();
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A real PNG of w x h pixels (a diagonal gradient), made here so the test needs no fixture file. */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) rows.set([(x * 255) / w, (y * 255) / h, 160], y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
}

describe.skipIf(!hasChromium)("the web client in Chromium", () => {
  beforeAll(async () => {
    // Below, one user sends a long history in one go and another makes 55 groups: more than
    // a person's send burst and hourly group changes.
    server = await startLocalServer({ vars: { SENDS_PER_USER_BURST: "1000", GROUP_CHANGES_PER_USER_PER_HOUR: "1000" } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it("two people chat live: unread counts, typing, read state, edits, deletes, and a reload keeps the history", async () => {
    // Alice starts a direct chat by username (the dialog submits with Enter).
    const { alicePage, bobPage, alice, bob } = await twoInAChat(["alice", DESKTOP], ["bob", PHONE]);
    await send(alicePage, "Hello Bob");

    // Bob's list shows the new chat live, with an unread count that grows.
    await expect.poll(() => visibleText(chatItem(bobPage, alice).locator(".badge"))).toBe("1");
    await send(alicePage, "Are you there?", "button");
    await expect.poll(() => visibleText(chatItem(bobPage, alice).locator(".badge"))).toBe("2");
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
    await first.getByRole("button", { name: "Edit", exact: true }).click();
    const edited = alicePage.getByRole("textbox", { name: "Edited text" });
    await edited.fill("Hello Bob, welcome to edge-chat");
    await edited.press("Enter");
    await expect.poll(() => messageTexts(bobPage)).toEqual(["Hello Bob, welcome to edge-chat", "Are you there?", "Yes! Hi Alice"]);
    expect(await message(bobPage, "welcome to edge-chat").locator(".edited").textContent()).toBe("edited");
    const second = message(alicePage, "Are you there?");
    await second.hover();
    await second.getByRole("button", { name: "Delete", exact: true }).click();
    await alicePage.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => messageTexts(bobPage)).toEqual(["Hello Bob, welcome to edge-chat", "Message deleted", "Yes! Hi Alice"]);
    await screenshot(alicePage, "chat-desktop");

    // A longer history, sent from Node with the client library as Alice.
    const node = new ChatClient({ url: server.wsUrl });
    clients.push(node);
    await node.auth({ username: alice, password: PASSWORD });
    const { chat } = await node.createChat({ username: bob });
    const history = Array.from({ length: 70 }, (_, i) => `history ${i + 1}`);
    for (const content of history) await node.sendMessage({ chat_id: chat.chat_id, content });
    await expect.poll(() => bobPage.locator(".messages .msg").count(), { timeout: 15_000 }).toBe(73);

    // Bob reloads: still logged in, and scrolling up brings back the whole history, once.
    await bobPage.reload();
    await chatItem(bobPage, alice).click();
    await message(bobPage, "history 70").waitFor();
    const beginning = bobPage.getByText("This is the beginning of the conversation.");
    for (let i = 0; i < 10 && !(await beginning.isVisible()); i++) {
      await bobPage.locator(".thread").evaluate((el) => el.scrollTo({ top: 0 }));
      await bobPage.waitForTimeout(300);
    }
    await beginning.waitFor();
    expect(await messageTexts(bobPage)).toEqual(["Hello Bob, welcome to edge-chat", "Message deleted", "Yes! Hi Alice", ...history]);
    expect(await chatItem(bobPage, alice).isVisible()).toBe(false); // a phone shows the list or a chat
    await bobPage.getByRole("button", { name: "Back to chats" }).click();
    expect(await chatItem(bobPage, alice).locator(".badge").count()).toBe(0);
    expect(await chatItem(bobPage, alice).locator(".chat-item-preview").textContent()).toBe("history 70");
  }, 180_000);

  it("survives a dropped connection without losing or doubling a message", async () => {
    const page = await newPage(DESKTOP);
    let offline = false;
    const routes: WebSocketRoute[] = [];
    // Every socket the page opens goes through here, so the test can cut it like a network would.
    await page.routeWebSocket(/\/ws$/, (ws) => {
      if (offline) return void ws.close({ code: 4000, reason: "offline" });
      ws.connectToServer();
      routes.push(ws);
    });
    const carol = uniqueName("carol");
    await registerInUi(page, carol);
    const { client: dave, username: daveName } = await apiUser("dave");
    const { chat } = await dave.createChat({ username: carol });
    await dave.sendMessage({ chat_id: chat.chat_id, content: "before the drop" });
    await chatItem(page, daveName).click();
    await message(page, "before the drop").waitFor();

    offline = true;
    await routes.at(-1)!.close({ code: 4000, reason: "cut" });
    await expect.poll(() => page.locator(".conn").textContent()).toBe("Offline. Reconnecting…");
    const missed = Array.from({ length: 5 }, (_, i) => `while offline ${i + 1}`);
    for (const content of missed) await dave.sendMessage({ chat_id: chat.chat_id, content });
    await screenshot(page, "offline");
    offline = false;

    await expect.poll(() => messageTexts(page), { timeout: 20_000 }).toEqual(["before the drop", ...missed]);
    await dave.sendMessage({ chat_id: chat.chat_id, content: "after the drop" });
    await expect.poll(() => messageTexts(page)).toEqual(["before the drop", ...missed, "after the drop"]);
    expect(await page.locator(".conn").isVisible()).toBe(false);
    expect(routes.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("sends a photo and a file: the other sees the photo inline, opens it large and downloads it; uploads cancel and retry", async () => {
    const { alicePage, bobPage, alice } = await twoInAChat(["ann", DESKTOP], ["ben", DESKTOP]);

    // Alice attaches a photo with the "Attach file" button.
    const photo = png(96, 64);
    const [chooser] = await Promise.all([alicePage.waitForEvent("filechooser"), alicePage.getByRole("button", { name: "Attach file" }).click()]);
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
    const chip = bobPage.getByRole("link", { name: "Download agenda.txt, 19 B" });
    await chip.waitFor();
    expect(await chip.getAttribute("href")).toMatch(/\/files\/[0-9a-f]{32}\?exp=\d+&sig=/);

    // An upload can be cancelled while it is on its way; a failed one says why and is retried.
    let held: import("playwright-core").Route | null = null;
    await alicePage.route("**/upload?**", (route) => void (held = route));
    const [again] = await Promise.all([alicePage.waitForEvent("filechooser"), alicePage.getByRole("button", { name: "Attach file" }).click()]);
    await again.setFiles({ name: "draft.txt", mimeType: "text/plain", buffer: Buffer.from("draft") });
    await alicePage.getByRole("progressbar", { name: "Uploading draft.txt" }).waitFor();
    await alicePage.getByRole("button", { name: "Cancel uploading draft.txt" }).click();
    await expect.poll(() => alicePage.locator(".upload").count()).toBe(0);
    await waitUntil(() => held !== null, "the held upload");
    await held!.abort().catch(() => undefined);
    await alicePage.unroute("**/upload?**");
    let failNext = true;
    await alicePage.route("**/upload?**", (route) => (failNext ? ((failNext = false), route.abort("connectionreset")) : route.continue()));
    const [third] = await Promise.all([alicePage.waitForEvent("filechooser"), alicePage.getByRole("button", { name: "Attach file" }).click()]);
    await third.setFiles({ name: "final.txt", mimeType: "text/plain", buffer: Buffer.from("final") });
    await expect.poll(() => alicePage.locator(".upload-error").textContent()).toContain("Can't reach the server");
    await alicePage.getByRole("button", { name: "Retry" }).click();
    await bobPage.getByRole("link", { name: "Download final.txt, 5 B" }).waitFor();
    expect(await bobPage.getByRole("link", { name: /draft\.txt/ }).count()).toBe(0);
    await screenshot(alicePage, "files-sent");
  }, 120_000);

  it("creates a group and manages its members", async () => {
    const page = await newPage(DESKTOP);
    const owner = uniqueName("olga");
    await registerInUi(page, owner);
    const [pat, quinn, ray] = [await apiUser("pat"), await apiUser("quinn"), await apiUser("ray")];
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

    await page.getByRole("button", { name: "Members" }).click();
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

  it("Settings: logs out another device, changes the password, blocks and unblocks, deletes the account", async () => {
    const page = await newPage(DESKTOP);
    const dana = uniqueName("dana");
    await registerInUi(page, dana);
    // Another device of Dana's: the client library in Node.
    const phone = new ChatClient({ url: server.wsUrl });
    clients.push(phone);
    await phone.auth({ username: dana, password: PASSWORD });
    const phoneEnded: string[] = [];
    phone.on("sessionEnded", ({ reason }) => phoneEnded.push(reason));
    const eve = await apiUser("eve");
    const { chat } = await eve.client.createChat({ username: dana });
    await chatItem(page, eve.username).waitFor();

    await page.getByRole("button", { name: "Settings", exact: true }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    const devices = page.getByRole("list", { name: "Devices" });
    await expect.poll(() => devices.getByRole("listitem").count()).toBe(2);
    expect(await devices.getByRole("listitem").filter({ hasText: "this device" }).count()).toBe(1);
    await devices.getByRole("listitem").filter({ hasNotText: "this device" }).getByRole("button").click();
    await page.getByRole("dialog").getByRole("button", { name: "Log out", exact: true }).click();
    await waitUntil(() => phoneEnded.includes("revoked"), "the other device to be logged out");
    await expect.poll(() => devices.getByRole("listitem").count()).toBe(1);

    // A wrong current password is said so at the field; the right one changes it.
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill("a better password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Current password is wrong.").waitFor();
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Your password is changed. Your other devices are logged out.").waitFor();
    await screenshot(page, "settings-desktop");

    // "Block" in the direct chat's header; Eve can no longer write, and Settings lists her.
    await chatItem(page, eve.username).click();
    await page.getByRole("button", { name: "Block", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Block", exact: true }).click();
    await page.getByRole("button", { name: "Unblock", exact: true }).waitFor();
    await expect(eve.client.sendMessage({ chat_id: chat.chat_id, content: "hello?" })).rejects.toMatchObject({ error: "forbidden" });
    await page.getByRole("button", { name: "Settings", exact: true }).click();
    const blocked = page.getByRole("list", { name: "Blocked users" });
    await expect.poll(() => blocked.textContent()).toContain(eve.username);
    await blocked.getByRole("button", { name: `Unblock ${eve.username}` }).click();
    await expect.poll(() => blocked.textContent()).toBe("You have not blocked anyone.");
    await eve.client.sendMessage({ chat_id: chat.chat_id, content: "thanks" });

    // Deleting the account asks for the password in a dialog, then logs out for good.
    const peerGone: boolean[] = [];
    eve.client.on("chatUpdated", (p) => peerGone.push(p.chat.peer_deleted === true));
    await page.getByRole("button", { name: "Delete account…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Password", { exact: true }).fill("a better password");
    await dialog.getByRole("button", { name: "Delete account", exact: true }).click();
    await page.getByText("Your account has been deleted.").waitFor();
    await page.getByRole("button", { name: "Log in", exact: true }).waitFor();
    await waitUntil(() => peerGone.includes(true), "Eve to see the account gone");
  }, 120_000);

  it("shows the chat list a page at a time", async () => {
    const [uma, vic] = [await apiUser("uma"), await apiUser("vic")];
    let heard = 0;
    uma.client.on("chatCreated", () => heard++);
    for (let i = 1; i <= 55; i++) await vic.client.createGroup({ title: `club ${String(i).padStart(2, "0")}`, members: [uma.username] });
    await waitUntil(() => heard === 55, "uma to hear of 55 groups");
    uma.client.close();

    const page = await newPage(DESKTOP);
    await page.goto(server.url);
    await page.getByLabel("Username", { exact: true }).fill(uma.username);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    const more = page.getByRole("button", { name: "Show older chats" });
    await more.waitFor();
    // The latest 50 first; the rest with the next page.
    expect(await page.locator(".chat-item").count()).toBe(50);
    await more.click();
    await expect.poll(() => page.locator(".chat-item").count()).toBe(55);
    const titles = (await page.locator(".chat-item-title").allTextContents()).map((t) => t.replace(/group$/, "")).sort();
    expect(titles).toEqual(Array.from({ length: 55 }, (_, i) => `club ${String(i + 1).padStart(2, "0")}`));
    expect(await more.isVisible()).toBe(false);
  }, 120_000);

  it("resets a forgotten password with the mailed code", async () => {
    const { client, username } = await apiUser("sam");
    client.close();
    const page = await newPage(PHONE);
    await page.goto(server.url);
    await page.getByRole("button", { name: "Forgot password?" }).click();
    await page.getByLabel("Email", { exact: true }).fill(`${username}@example.com`);
    await page.getByLabel("Email", { exact: true }).press("Enter");
    const code = await server.mailedCode(`${username}@example.com`);
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
