import { describe, expect, it } from "vitest";
import { applicationServerKey, pushSubscriptionParams } from "./push";

describe("a browser subscription as registerPush takes it", () => {
  it("gives the endpoint and both keys as base64url", () => {
    const p256dh = new Uint8Array(65).fill(0xfb);
    const auth = new Uint8Array(16).fill(0xff);
    const params = pushSubscriptionParams({
      endpoint: "https://push.example/abc",
      getKey: (name) => (name === "p256dh" ? p256dh.buffer : auth.buffer),
    });
    expect(params.subscription.endpoint).toBe("https://push.example/abc");
    expect(params.subscription.keys.auth).toBe("_____________________w");
    expect(params.subscription.keys.p256dh).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(applicationServerKey(params.subscription.keys.p256dh)).toEqual(p256dh);
  });
});
