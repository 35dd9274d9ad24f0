// Settings → Notifications in a real Chromium against `wrangler dev`, with the permission
// granted: turning it on registers this device's subscription with the server, and a
// message that lands while the app is closed reaches the push service, decrypted there.
// Chromium's own push service is on the network, which tests do not reach, so the page's
// PushManager hands out a subscription of the tests' push service (test/node/push-service.ts)
// on 127.0.0.1 instead (PUSH_ALLOW_HTTP); everything past the browser's API is real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPushService } from "../node/push-service";
import { audit, DESKTOP, hasChromium, useBrowser } from "./browser-helpers";

const VAPID = {
  VAPID_PUBLIC_KEY: "BNUsbpAgmET1jkhgp8MOx9Q6pkgs6kjacnFLx4UzlApo5QA9V6ql4WHNALR9wsFEEezBsK93oWv_3wjsJHkakl4",
  VAPID_PRIVATE_KEY: "gKSd5Rdg60nCPUlu6e3jnDXXZDJfQE9NNGTNfFqdg3I",
  VAPID_SUBJECT: "mailto:tests@example.com",
  PUSH_ALLOW_HTTP: "true",
};

describe.skipIf(!hasChromium)("Notifications in Chromium", () => {
  const env = useBrowser(VAPID);
  let push: Awaited<ReturnType<typeof startPushService>>;
  beforeAll(async () => {
    push = await startPushService();
  });
  afterAll(() => new Promise<void>((r) => push.server.close(() => r())));

  it("turning them on in Settings registers the device; a message while the app is closed is pushed", async () => {
    const sub = (await (await fetch(`${push.url}/subscribe`, { method: "POST" })).json()) as {
      endpoint: string;
      keys: { p256dh: string; auth: string };
    };
    const page = await env.newPage(DESKTOP);
    await page.context().grantPermissions(["notifications"], { origin: env.server.url });
    await page.addInitScript((s) => {
      const bytes = (b64: string) => Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).buffer;
      let current: unknown = null;
      const subscription = {
        endpoint: s.endpoint,
        expirationTime: null,
        getKey: (name: "p256dh" | "auth") => bytes(name === "p256dh" ? `${s.keys.p256dh}=` : `${s.keys.auth}==`),
        unsubscribe: async () => {
          current = null;
          return true;
        },
      };
      PushManager.prototype.subscribe = async () => {
        current = subscription;
        return subscription as unknown as PushSubscription;
      };
      PushManager.prototype.getSubscription = async () => current as PushSubscription | null;
    }, sub);
    const me = await env.signUp(page, "nina");
    await page.getByRole("button", { name: "Settings", exact: true }).click();
    const toggle = page.getByRole("switch", { name: "Notify me of new messages" });
    await expect.poll(() => page.locator("#notifications-state").getAttribute("data-state")).toBe("off");
    await audit(page, "settings with notifications");
    await toggle.check();
    await expect.poll(() => page.locator("#notifications-state").getAttribute("data-state")).toBe("on");

    // The app closes: the session has no socket. A message to it reaches the push service.
    await page.close();
    const friend = await env.apiUser("omar");
    const { chat } = await friend.client.createChat({ username: me });
    const id = sub.endpoint.split("/").pop();
    // The server may hear of the closed socket a moment after a message: then the next one is pushed.
    let got: Array<{ ok: boolean; payload?: { seq: number } }> = [];
    let sent = 0;
    const deadline = Date.now() + 30_000;
    while (!got.length && Date.now() < deadline) {
      sent = (await friend.client.sendMessage({ chat_id: chat.chat_id, content: "are you there?" })).message.seq;
      for (let i = 0; i < 10 && !got.length; i++) {
        got = (await (await fetch(`${push.url}/received/${id}`)).json()) as typeof got;
        if (!got.length) await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(got[0]?.payload?.seq).toBeLessThanOrEqual(sent);
    expect(got[0]).toMatchObject({
      ok: true,
      payload: { chat_id: chat.chat_id, title: friend.username, body: `${friend.username}: are you there?`, count: 1 },
    });
  });
});
