// One Web Push request (RFC 8030): the payload encrypted as RFC 8291 aes128gcm by
// @block65/webcrypto-web-push (Web Crypto only, so it runs in workerd), with the VAPID header
// (RFC 8292) that vapid.ts keeps per push service. What the push service answered, sorted
// into what to do next.
import { encryptNotification } from "@block65/webcrypto-web-push";
import type { PushPayload } from "../../contract/notifications";
import type { VapidSigner } from "./vapid";

export interface StoredSubscription {
  session_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expires_at: number;
}

export type Outcome =
  | { kind: "sent"; status: number }
  /** 404 or 410: the subscription is gone for good. */
  | { kind: "gone"; status: number }
  /** 429, 5xx or no answer (status 0, and why): try again, after `afterMs` where the service said. */
  | { kind: "retry"; status: number; afterMs?: number; error?: unknown }
  /** Anything else, or a push that cannot be built: not retried. */
  | { kind: "refused"; status: number; error?: unknown };

/** How long a push service keeps a push for a device that is offline (seconds). */
const TTL_S = 24 * 60 * 60;

export async function sendPush(signer: VapidSigner, now: number, sub: StoredSubscription, payload: PushPayload): Promise<Outcome> {
  const body = await encryptNotification(
    { endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } },
    new TextEncoder().encode(JSON.stringify(payload)),
  );
  const headers = {
    authorization: await signer.authorization(audience(sub.endpoint), now),
    ttl: String(TTL_S),
    urgency: "high",
    "content-encoding": "aes128gcm",
    "content-type": "application/octet-stream",
  };
  let res: Response;
  try {
    res = await fetch(sub.endpoint, { method: "POST", headers, body });
  } catch (error) {
    return { kind: "retry", status: 0, error };
  }
  // The body is of no use to us; reading it frees the connection.
  await res.body?.cancel();
  const s = res.status;
  if (s >= 200 && s < 300) return { kind: "sent", status: s };
  if (s === 404 || s === 410) return { kind: "gone", status: s };
  if (s === 429 || s >= 500) return { kind: "retry", status: s, ...retryAfter(res.headers.get("retry-after")) };
  return { kind: "refused", status: s };
}

/** Retry-After as seconds or an HTTP date; nothing when it is neither. */
function retryAfter(h: string | null): { afterMs?: number } {
  if (!h) return {};
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return { afterMs: s * 1000 };
  const at = Date.parse(h);
  return Number.isNaN(at) ? {} : { afterMs: Math.max(0, at - Date.now()) };
}

/** The `aud` a push service expects: its origin. The tests' http one on 127.0.0.1
 * (PUSH_ALLOW_HTTP, checked at registerPush) is signed for the same host as https. */
function audience(endpoint: string): string {
  return new URL(endpoint.replace(/^http:/, "https:")).origin;
}

/** What a log line may say of an endpoint: its origin, never the path that names the device. */
export function endpointOrigin(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return "invalid";
  }
}
