import { afterEach, describe, expect, it, vi } from "vitest";
import { Clock } from "../../platform/clock";
import { RENEW_BEFORE_MS, TOKEN_VALID_MS, VapidSigner, vapidSigner, type Vapid } from "./vapid";

const FCM = "https://fcm.googleapis.com";
const MOZILLA = "https://updates.push.services.mozilla.com";

async function pair(): Promise<{ vapid: Vapid; publicKey: CryptoKey }> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", keys.privateKey)) as JsonWebKey;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", keys.publicKey)) as ArrayBuffer);
  const publicKey = Buffer.from(raw).toString("base64url");
  return { vapid: { subject: "mailto:ops@example.com", publicKey, privateKey: jwk.d! }, publicKey: keys.publicKey };
}

/** The header's claims, after checking its form and that the pair's public key verifies it. */
async function claims(header: string, v: Vapid, publicKey: CryptoKey): Promise<{ aud: string; exp: number; sub: string }> {
  const m = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(header);
  if (!m) throw new Error(`not a vapid header: ${header}`);
  const [, h, p, s, k] = m;
  expect(k).toBe(v.publicKey);
  expect(JSON.parse(Buffer.from(h!, "base64url").toString())).toEqual({ typ: "JWT", alg: "ES256" });
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    publicKey,
    Buffer.from(s!, "base64url"),
    new TextEncoder().encode(`${h}.${p}`),
  );
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(p!, "base64url").toString());
}

describe("VapidSigner", () => {
  afterEach(() => vi.restoreAllMocks());

  it("signs an ES256 token for the service's origin, valid 12 h, with the deploy's subject", async () => {
    const { vapid, publicKey } = await pair();
    const clock = new Clock();
    clock.stopAt(Date.UTC(2026, 0, 1));
    const header = await new VapidSigner(vapid).authorization(FCM, clock.now());
    expect(await claims(header, vapid, publicKey)).toEqual({
      aud: FCM,
      exp: (clock.now() + TOKEN_VALID_MS) / 1000,
      sub: vapid.subject,
    });
  });

  it("reuses a service's header until an hour before it expires, signs anew for another service, then renews", async () => {
    const { vapid, publicKey } = await pair();
    const clock = new Clock();
    clock.stopAt(Date.UTC(2026, 0, 1));
    const signer = new VapidSigner(vapid);
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    const sign = vi.spyOn(crypto.subtle, "sign");

    const first = await signer.authorization(FCM, clock.now());
    clock.advance(TOKEN_VALID_MS - RENEW_BEFORE_MS - 1);
    expect(await signer.authorization(FCM, clock.now())).toBe(first);
    expect(sign).toHaveBeenCalledTimes(1);

    const other = await signer.authorization(MOZILLA, clock.now());
    expect((await claims(other, vapid, publicKey)).aud).toBe(MOZILLA);
    expect(sign).toHaveBeenCalledTimes(2);

    clock.advance(1);
    const renewed = await signer.authorization(FCM, clock.now());
    expect(renewed).not.toBe(first);
    expect((await claims(renewed, vapid, publicKey)).exp).toBe((clock.now() + TOKEN_VALID_MS) / 1000);
    expect(sign).toHaveBeenCalledTimes(3);
    // The private key is imported once, however many tokens it signs.
    expect(importKey).toHaveBeenCalledTimes(1);
  });

  it("signs anew when the clock is set back before the kept token was signed", async () => {
    const { vapid, publicKey } = await pair();
    const signer = new VapidSigner(vapid);
    const at = Date.UTC(2026, 0, 1);
    const first = await signer.authorization(FCM, at);
    const earlier = await signer.authorization(FCM, at - TOKEN_VALID_MS);
    expect(earlier).not.toBe(first);
    expect((await claims(earlier, vapid, publicKey)).exp).toBe(at / 1000);
  });

  it("is one per VAPID pair in the isolate", async () => {
    const { vapid } = await pair();
    const { vapid: another } = await pair();
    expect(vapidSigner(vapid)).toBe(vapidSigner({ ...vapid }));
    expect(vapidSigner(another)).not.toBe(vapidSigner(vapid));
  });
});
