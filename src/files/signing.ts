// Signed download URLs: GET /files/<file_id>?exp=<unix s>&sig=<HMAC-SHA-256 of "<file_id>.<exp>">,
// keyed with the secret FILES_SIGNING_KEY. Whoever holds one may fetch that file until it
// expires, with no token: that is what lets an <img> or a download link work, and lets
// the Worker serve it without asking the chat object. Expiry times are rounded up to the
// next ten minutes, so asking again soon gives the same URL and the browser's cache holds.
/** At least an hour; at most an hour and ten minutes. */
const VALID_S = 3600;
const ROUND_S = 600;

const encoder = new TextEncoder();
let cached: { secret: string; key: Promise<CryptoKey> } | null = null;

function hmacKey(env: Env): Promise<CryptoKey> {
  const secret = env.FILES_SIGNING_KEY;
  if (!secret)
    throw new Error(
      "FILES_SIGNING_KEY is not set: `npx wrangler secret put FILES_SIGNING_KEY` (local dev: .dev.vars, written by `npm run dev`)",
    );
  if (cached?.secret !== secret)
    cached = {
      secret,
      key: crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    };
  return cached.key;
}

const toBase64Url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(s)) return null;
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Download paths (relative to the service's origin) for these files, valid for an hour. */
export async function signedPaths(env: Env, fileIds: string[], now = Date.now()): Promise<Record<string, string>> {
  const key = await hmacKey(env);
  const exp = Math.ceil((now / 1000 + VALID_S) / ROUND_S) * ROUND_S;
  const urls: Record<string, string> = {};
  for (const id of fileIds) {
    const sig = toBase64Url(await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${exp}`)));
    urls[id] = `/files/${id}?exp=${exp}&sig=${sig}`;
  }
  return urls;
}

/** Is this a signature we made for this file, not yet expired? Compared in constant time by WebCrypto. */
export async function validSignature(env: Env, fileId: string, exp: string | null, sig: string | null, now = Date.now()): Promise<boolean> {
  if (exp === null || sig === null || !/^\d{1,12}$/.test(exp) || Number(exp) * 1000 <= now) return false;
  const mac = fromBase64Url(sig);
  return !!mac && crypto.subtle.verify("HMAC", await hmacKey(env), mac, encoder.encode(`${fileId}.${exp}`));
}
