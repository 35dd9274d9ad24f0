// The VAPID Authorization header (RFC 8292) that goes with every push: an ES256 JWT naming
// the push service's origin (`aud`), an expiry and the deploy's contact (`sub`). Signing it
// (and importing the key) was a large part of a push's CPU, and one token serves every push to
// that service until it expires, whoever it is for: so it is signed once per service and
// kept until an hour before its expiry, in the isolate's memory, shared by the user objects
// the isolate runs. `now` is the asking object's clock, so tests move expiry by hand.

export interface Vapid {
  subject: string;
  /** base64url of the uncompressed P-256 point (65 bytes). */
  publicKey: string;
  /** base64url of the private scalar (32 bytes). */
  privateKey: string;
}

/** How long a token is valid (RFC 8292 allows at most 24 h). */
export const TOKEN_VALID_MS = 12 * 3_600_000;
/** A token is signed anew this long before it expires, so none is sent close to its end. */
export const RENEW_BEFORE_MS = 3_600_000;

interface Signed {
  header: string;
  signedAt: number;
}

export class VapidSigner {
  private key: Promise<CryptoKey> | null = null;
  private readonly signed = new Map<string, Signed>();

  constructor(private readonly vapid: Vapid) {}

  /** `vapid t=<jwt>, k=<public key>` for pushes to `audience` (a push service's origin). */
  async authorization(audience: string, now: number): Promise<string> {
    const kept = this.signed.get(audience);
    // A clock moved back before the signing (tests do) would make the token look too long-lived.
    if (kept && kept.signedAt <= now && now < kept.signedAt + TOKEN_VALID_MS - RENEW_BEFORE_MS) return kept.header;
    const exp = Math.floor((now + TOKEN_VALID_MS) / 1000);
    const jwt = await this.sign({ aud: audience, exp, sub: this.vapid.subject });
    const header = `vapid t=${jwt}, k=${this.vapid.publicKey}`;
    this.forgetExpired(now);
    this.signed.set(audience, { header, signedAt: now });
    return header;
  }

  private async sign(claims: Record<string, string | number>): Promise<string> {
    const data = `${b64uJson({ typ: "JWT", alg: "ES256" })}.${b64uJson(claims)}`;
    this.key ??= importKey(this.vapid);
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, await this.key, new TextEncoder().encode(data));
    return `${data}.${b64u(new Uint8Array(signature))}`;
  }

  /** Push services are few, but nothing should grow without end: expired tokens go. */
  private forgetExpired(now: number): void {
    for (const [aud, s] of this.signed) if (now >= s.signedAt + TOKEN_VALID_MS) this.signed.delete(aud);
  }
}

const signers = new Map<string, VapidSigner>();

/** The isolate's one signer for this VAPID pair and subject. */
export function vapidSigner(vapid: Vapid): VapidSigner {
  const id = `${vapid.publicKey} ${vapid.subject}`;
  const kept = signers.get(id);
  if (kept) return kept;
  const made = new VapidSigner(vapid);
  signers.set(id, made);
  return made;
}

function importKey(v: Vapid): Promise<CryptoKey> {
  const pub = fromB64u(v.publicKey);
  const jwk = { kty: "EC", crv: "P-256", x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)), d: v.privateKey };
  return crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
}

const b64uJson = (v: unknown) => b64u(new TextEncoder().encode(JSON.stringify(v)));

function b64u(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromB64u(s: string): Uint8Array {
  return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}
