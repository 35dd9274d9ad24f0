// The web client as people expect a messenger to behave around it: the login page asks the
// server nothing until it is used, a page runs under its Content-Security-Policy without a
// single report (browser-helpers.ts fails any test whose page reports one), links in
// messages open safely in a new tab, and each chat has a URL that Back, Forward and a
// reload follow.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { chatItem, DESKTOP, hasChromium, message, PHONE, useBrowser } from "./browser-helpers";

const chatTitle = (page: Page) => page.locator(".chat-title");

describe.skipIf(!hasChromium)("the web client's pages, links and history", () => {
  const env = useBrowser();

  it("the login page is quiet until used, and no page reports a CSP violation", async () => {
    const page = await env.newPage(DESKTOP);
    const asked: string[] = [];
    page.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (/^\/(api|ws|upload|files)\b/.test(path)) asked.push(path);
    });
    await page.goto(env.server.url, { waitUntil: "networkidle" });
    await page.getByRole("button", { name: "Log in", exact: true }).waitFor();
    expect(asked).toEqual([]);
    // Logged in, the app parses every frame with zod's schemas: still no report.
    const me = await env.signUp(page, "quiet");
    const { client: other, username } = await env.apiUser("noisy");
    const { chat } = await other.createChat({ username: me });
    await other.sendMessage({ chat_id: chat.chat_id, content: "parsed without eval" });
    await chatItem(page, username).click();
    await message(page, "parsed without eval").waitFor();
  });

  it("makes links of http, https and e-mail addresses only, opening in a new tab", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "reader");
    const { client, username } = await env.apiUser("linker");
    const { chat } = await client.createChat({ username: me });
    await client.sendMessage({
      chat_id: chat.chat_id,
      content: "<b>not bold</b> javascript:alert(1) see https://example.com/page. or write to ann@example.org",
    });
    await chatItem(page, username).click();
    const text = message(page, "not bold").locator(".text");
    await text.waitFor();
    expect(await text.locator("b").count()).toBe(0);
    expect(await text.textContent()).toContain("<b>not bold</b> javascript:alert(1)");
    const links = text.getByRole("link");
    expect(
      await links.evaluateAll((as) =>
        as.map((a) => [a.textContent, a.getAttribute("href"), a.getAttribute("target"), a.getAttribute("rel")]),
      ),
    ).toEqual([
      ["https://example.com/page", "https://example.com/page", "_blank", "noopener noreferrer"],
      ["ann@example.org", "mailto:ann@example.org", "_blank", "noopener noreferrer"],
    ]);
    // The other site is not reached from the test machine: the test answers for it.
    await page.context().route("https://example.com/**", (route) => route.fulfill({ body: "the page", contentType: "text/plain" }));
    const [opened] = await Promise.all([page.context().waitForEvent("page"), links.first().click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toBe("https://example.com/page");
    expect(await opened.evaluate(() => window.opener)).toBeNull();
    expect(page.url()).toContain(`#/chat/${chat.chat_id}`);
  });

  it("gives each chat a URL: Back and Forward on a phone and a desktop, and a reload reopens the chat", async () => {
    const phone = await env.newPage(PHONE);
    const me = await env.signUp(phone, "walker");
    const [a, b] = await env.apiUsers("amy", "ben");
    for (const u of [a, b]) {
      const { chat } = await u.client.createChat({ username: me });
      await u.client.sendMessage({ chat_id: chat.chat_id, content: `hi from ${u.username}` });
    }
    await chatItem(phone, a.username).click();
    await message(phone, `hi from ${a.username}`).waitFor();
    expect(phone.url()).toMatch(/#\/chat\/.+/);
    // A phone's Back returns to the list, not out of the app; Forward opens the chat again.
    await phone.goBack();
    await chatItem(phone, a.username).waitFor({ state: "visible" });
    expect(await chatTitle(phone).count()).toBe(0);
    expect(phone.url()).not.toContain("#/chat/");
    await phone.goForward();
    await chatTitle(phone).getByText(a.username).waitFor({ state: "visible" });
    // A reload opens the same chat.
    await phone.reload();
    await chatTitle(phone).getByText(a.username).waitFor({ state: "visible" });
    await message(phone, `hi from ${a.username}`).waitFor();
    // The app's own Back button goes back the same way.
    await phone.getByRole("button", { name: "Back to chats" }).click();
    await chatItem(phone, a.username).waitFor({ state: "visible" });
    expect(phone.url()).not.toContain("#/chat/");

    // On a desktop, Back goes from one chat to the one before it.
    const desk = await env.newPage(DESKTOP);
    await desk.goto(phone.url());
    await desk.evaluate(
      (s) => localStorage.setItem("edge-chat:session", s),
      await phone.evaluate(() => localStorage.getItem("edge-chat:session")!),
    );
    await desk.reload();
    await chatItem(desk, a.username).click();
    await chatTitle(desk).getByText(a.username).waitFor();
    await chatItem(desk, b.username).click();
    await chatTitle(desk).getByText(b.username).waitFor();
    await desk.goBack();
    await chatTitle(desk).getByText(a.username).waitFor();
    await desk.goBack();
    await expect.poll(() => chatTitle(desk).count()).toBe(0);
  });
});
