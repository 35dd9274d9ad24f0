// The web client when the network or the server goes away: a dropped connection loses and
// doubles nothing, a phone shows it is offline inside a chat, what failed offline goes out
// by itself once the connection is back, and the service worker serves the app while the
// server is down (and never caches anything but the app's own files).
import { describe, expect, it } from "vitest";
import {
  announcements,
  chatItem,
  composer,
  DESKTOP,
  hasChromium,
  message,
  messageTexts,
  PHONE,
  routeSockets,
  screenshot,
  useBrowser,
} from "./browser-helpers";

describe.skipIf(!hasChromium)("the web client offline", () => {
  const env = useBrowser();

  it("survives a dropped connection without losing or doubling a message, and says what it missed", async () => {
    const page = await env.newPage(DESKTOP);
    const net = await routeSockets(page);
    const carol = await env.signUp(page, "carol");
    const { client: dave, chatId } = await env.chatFrom(page, carol, "dave", "before the drop");

    await net.offline();
    await expect.poll(() => page.locator(".conn").textContent()).toBe("Offline. Reconnecting…");
    const missed = Array.from({ length: 5 }, (_, i) => `while offline ${i + 1}`);
    for (const content of missed) await dave.sendMessage({ chat_id: chatId, content });
    await screenshot(page, "offline");
    net.online();

    await expect.poll(() => messageTexts(page)).toEqual(["before the drop", ...missed]);
    // Caught up, the live region says so once rather than reading out each missed message. It is
    // written after the catch-up lands (maybe after the thread shows it), and keeps its last few
    // lines only, so it is read here, before anything else is announced.
    await expect.poll(() => announcements(page)).toEqual(expect.arrayContaining(["Back online.", "5 new messages."]));
    const said = await announcements(page);
    expect(said.filter((s) => s.includes("while offline"))).toEqual([]);
    await dave.sendMessage({ chat_id: chatId, content: "after the drop" });
    await expect.poll(() => messageTexts(page)).toEqual(["before the drop", ...missed, "after the drop"]);
    expect(await page.locator(".conn").isVisible()).toBe(false);
    expect(net.sockets.length).toBeGreaterThanOrEqual(2);
  });

  it("on a phone, an open chat shows it is offline, and what failed goes out once when the connection is back", async () => {
    const page = await env.newPage(PHONE);
    // Time is the test's: requests time out, and the reconnect backoff ends, when it says.
    await page.clock.install();
    const net = await routeSockets(page);
    const gus = await env.signUp(page, "gus");
    const { client: hana, username: hanaName, chatId } = await env.chatFrom(page, gus, "hana", "are you on the train?");

    // A send whose answer is lost on the way: stored on the server, "Not sent" here.
    net.lostResponses.add("sendMessage");
    await composer(page).fill("into a tunnel");
    await composer(page).press("Enter");
    await message(page, "into a tunnel").getByText("Sending…").waitFor();
    await page.clock.fastForward(16_000);
    await message(page, "into a tunnel").getByText("Not sent").waitFor();

    // The connection goes: the chat itself says so (the list, with its banner, is hidden).
    await net.offline();
    const banner = page.locator(".conn");
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toBe("Offline. Reconnecting…");
    expect(await page.locator(".chat-title").isVisible()).toBe(true);
    expect(await chatItem(page, hanaName).isVisible()).toBe(false);
    await expect.poll(() => announcements(page)).toContain("Offline. What you send goes out when the connection is back.");
    await composer(page).fill("written offline");
    await composer(page).press("Enter");
    // It waits for the connection (not an error: it goes out by itself), and so does the one before.
    await message(page, "written offline").getByText("Waiting for connection").waitFor();
    await message(page, "into a tunnel").getByText("Waiting for connection").waitFor();
    await page.clock.fastForward(16_000);
    expect(await page.locator(".msg.failed").count()).toBe(0);
    expect(await message(page, "written offline").getByRole("button", { name: "Retry sending message" }).count()).toBe(0);
    await expect.poll(() => announcements(page)).toContain(`Message to ${hanaName} not sent yet. It goes out when the connection is back.`);
    await screenshot(page, "offline-phone");

    // Back: both go out by themselves, with their client_msg_id, so each is stored once.
    net.lostResponses.clear();
    net.online();
    await page.clock.fastForward(31_000);
    await message(page, "written offline").locator(".meta time").waitFor();
    await message(page, "into a tunnel").locator(".meta time").waitFor();
    await expect.poll(() => banner.isVisible()).toBe(false);
    expect(await messageTexts(page)).toEqual(["are you on the train?", "into a tunnel", "written offline"]);
    const { messages } = await hana.getMessages({ chat_id: chatId, limit: 10 });
    expect(messages.map((m) => m.content)).toEqual(["are you on the train?", "into a tunnel", "written offline"]);
  });

  it("says it is offline as soon as the browser knows, and what is sent meanwhile waits for the connection", async () => {
    const page = await env.newPage(DESKTOP);
    const net = await routeSockets(page);
    const kim = await env.signUp(page, "kim");
    const { client: lou, chatId } = await env.chatFrom(page, kim, "lou", "still there?");

    // The socket is still up: only the browser's offline event can tell the app.
    await page.context().setOffline(true);
    const banner = page.locator(".conn");
    await banner.waitFor({ state: "visible" });
    expect(await banner.textContent()).toContain("Offline");
    await expect.poll(() => announcements(page)).toContain("Offline. What you send goes out when the connection is back.");
    await net.offline();
    await composer(page).fill("written on the plane");
    await composer(page).press("Enter");
    await message(page, "written on the plane").getByText("Waiting for connection").waitFor();
    expect(await message(page, "written on the plane").evaluate((li) => li.classList.contains("failed"))).toBe(false);

    net.online();
    await page.context().setOffline(false);
    await message(page, "written on the plane").locator(".meta time").waitFor();
    await expect.poll(() => banner.isVisible()).toBe(false);
    await expect.poll(() => announcements(page)).toContain("Back online.");
    const { messages } = await lou.getMessages({ chat_id: chatId, limit: 10 });
    expect(messages.map((m) => m.content)).toEqual(["still there?", "written on the plane"]);
  });

  it("a reload offline shows the chats and the latest messages as last seen", async () => {
    const page = await env.newPage(DESKTOP);
    const mia = await env.signUp(page, "mia");
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const { username: ned } = await env.chatFrom(page, mia, "ned", "see you offline");
    const { client: olaClient, username: ola } = await env.apiUser("ola");
    await olaClient.createChat({ username: mia });
    await chatItem(page, ola).waitFor();

    await page.context().setOffline(true);
    await page.reload();
    await page.locator(".conn").getByText("Offline").waitFor();
    // The list as it was, not "No chats yet" (nor "Loading" for ever).
    await chatItem(page, ned).waitFor();
    await chatItem(page, ola).waitFor();
    expect(await page.getByText("No chats yet").count()).toBe(0);
    await chatItem(page, ned).click();
    await message(page, "see you offline").waitFor();
    await screenshot(page, "offline-reload");

    // Online again, the chat is the server's once more.
    await page.context().setOffline(false);
    await expect.poll(() => page.locator(".conn").isVisible()).toBe(false);
    await message(page, "see you offline").locator(".meta time").waitFor();
  });

  // Last in this file: it stops the file's server.
  it("a reload while the server is down shows the app and says it is offline; the worker keeps only the app's own files", async () => {
    const page = await env.newPage(DESKTOP);
    await env.signUp(page, "ivy");
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const cached = () =>
      page.evaluate(async () => {
        const out: Record<string, string[]> = {};
        for (const name of await caches.keys())
          out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname).sort();
        return out;
      });

    // One cache, named after this build (sw.js carries the hash), holding the shell only,
    // also after the page has talked to /api, /ws, /upload and /files.
    await page.evaluate(async () => {
      await fetch("/api", { method: "POST", body: '{"mode":"ping"}' });
      await Promise.all(["/api", "/files/nothing", "/upload", "/ws"].map((path) => fetch(path).catch(() => undefined)));
    });
    const caches1 = await cached();
    const [name] = Object.keys(caches1);
    expect(Object.keys(caches1)).toHaveLength(1);
    expect(name).toMatch(/^edge-chat-shell-[0-9a-f]{16}$/);
    expect(await (await fetch(`${env.server.url}/sw.js`)).text()).toContain(name!.slice("edge-chat-shell-".length));
    expect(caches1[name!]).toEqual(["/", "/app.css", "/app.js"]);

    // Another build's cache goes when this build's worker takes over; online, the files
    // come from the server (and refresh the cache), never from a stale copy.
    await page.evaluate(async (current) => {
      await (await caches.open("edge-chat-shell-0123456789abcdef")).put("/app.js", new Response("stale"));
      await (await caches.open(current)).put("/app.css", new Response("stale"));
      for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
    }, name!);
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await expect.poll(async () => Object.keys(await cached())).toEqual([name]);
    const served = await (await fetch(`${env.server.url}/app.css`)).text();
    await expect
      .poll(() => page.evaluate(async (current) => (await (await caches.open(current)).match("/app.css"))?.text(), name!))
      .toBe(served);

    await env.server.stop();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "edge-chat" }).waitFor();
    await expect.poll(() => page.locator(".conn").textContent()).toBe("Offline. Reconnecting…");
    await screenshot(page, "server-down");
    // Nothing but the shell comes from the cache.
    const answered = await page.evaluate(() =>
      Promise.all(
        ["/api", "/files/nothing", "/upload"].map((path) =>
          fetch(path).then(
            () => `${path} answered`,
            () => `${path} failed`,
          ),
        ),
      ),
    );
    expect(answered).toEqual(["/api failed", "/files/nothing failed", "/upload failed"]);

    // Logged out, the log in form asks nothing until used, then says it cannot reach the server.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.getByLabel("Username", { exact: true }).fill("ivy");
    await page.getByLabel("Password", { exact: true }).fill("whatever it is");
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByText("Can't reach the server right now. Check your connection and try again.").waitFor();
  });
});
