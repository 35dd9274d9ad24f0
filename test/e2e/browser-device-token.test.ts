// The remembered device in a real Chromium against a real `wrangler dev`: the token the
// server gives at register is kept per username past logging out, and the next login with
// that name (spelled any way) sends it, so a username flooded by others still lets this
// browser in (test/worker/remembered-devices.test.ts tests the server's side).
import { describe, expect, it } from "vitest";
import { DESKTOP, hasChromium, PASSWORD, useBrowser } from "./browser-helpers";

describe.skipIf(!hasChromium)("the remembered device in Chromium", () => {
  const env = useBrowser();

  it("keeps the device token per username and sends it with the next login", async () => {
    const page = await env.newPage(DESKTOP);
    const name = await env.signUp(page, "device");
    const stored = () => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null"), `edge-chat:device:${name.toLowerCase()}`);
    const token = await stored();
    expect(token).toEqual(expect.any(String));

    const sent: Array<{ mode?: string; device_token?: string }> = [];
    page.on("websocket", (ws) =>
      ws.on("framesent", ({ payload }) => {
        if (typeof payload === "string") sent.push(JSON.parse(payload));
      }),
    );
    await page.getByRole("button", { name: "Log out", exact: true }).click();
    await page.getByLabel("Username", { exact: true }).fill(name.toUpperCase());
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByRole("button", { name: "New chat", exact: true }).waitFor();
    expect(sent.filter((f) => f.mode === "auth")).toEqual([expect.objectContaining({ device_token: token })]);
    expect(await stored()).toBe(token);
  });
});
