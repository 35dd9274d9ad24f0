// Web Push in the client library: a browser's PushSubscription as registerPush takes it.
import type { ParamsOf } from "./types";

/** What a browser's PushSubscription offers (so this runs where the DOM types are absent). */
export interface BrowserPushSubscription {
  endpoint: string;
  getKey(name: "p256dh" | "auth"): ArrayBuffer | null;
}

/** registerPush's params from a browser subscription (`PushManager.subscribe`). */
export function pushSubscriptionParams(sub: BrowserPushSubscription): ParamsOf<"registerPush"> {
  const key = (name: "p256dh" | "auth") => {
    const k = sub.getKey(name);
    if (!k) throw new Error(`the subscription has no ${name} key`);
    return base64url(new Uint8Array(k));
  };
  return { subscription: { endpoint: sub.endpoint, keys: { p256dh: key("p256dh"), auth: key("auth") } } };
}

/** The VAPID public key as PushManager.subscribe's applicationServerKey takes it. */
export function applicationServerKey(vapidPublicKey: string): Uint8Array<ArrayBuffer> {
  const b64 = vapidPublicKey.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
