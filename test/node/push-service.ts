// A Web Push service of the tests' own, on 127.0.0.1 (the pool's global setup starts it;
// end-to-end tests can start one too). It hands out subscriptions (a device's P-256 pair
// and auth secret, kept here), and for every push checks the VAPID JWT (RFC 8292: ES256
// over the k= key, aud the service's origin, exp in the future) and decrypts the RFC 8291
// aes128gcm body with the device's keys, as a browser would. Tests script its answers
// (410, 500 with Retry-After ...) and read what it received over a small HTTP API:
//   POST /subscribe            → { endpoint, keys: { p256dh, auth } }
//   POST /answers/<id>         body [status, ...]: the next pushes to <id> get these
//   GET  /received/<id>        → [{ ok, error?, payload?, ttl, urgency, authorization, status }]
//   POST /push/<id>            the endpoint a subscription names
// The benchmark (bench/phases/push.ts) starts one too, and times each push by `onPush`.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from "node:crypto";
import { createServer, type Server } from "node:http";

export interface Received {
  ok: boolean;
  error?: string;
  payload?: unknown;
  ttl: string | null;
  urgency: string | null;
  /** The VAPID header as sent (a token reused across pushes is the same string). */
  authorization: string | null;
  status: number;
}

interface Device {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  answers: number[];
  received: Received[];
}

const b64u = (b: Buffer) => b.toString("base64url");

/** `onPush` hears of each push as it is checked (the benchmark times them by it). */
export async function startPushService(
  opts: { onPush?: (id: string, got: Received) => void } = {},
): Promise<{ url: string; server: Server }> {
  const devices = new Map<string, Device>();
  let origin = "";
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const [, route, id = ""] = (req.url ?? "").split("/");
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "POST" && route === "subscribe") {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const device: Device = { ecdh, auth: randomBytes(16), answers: [], received: [] };
      const name = b64u(randomBytes(12));
      devices.set(name, device);
      return json(201, { endpoint: `${origin}/push/${name}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(device.auth) } });
    }
    const device = devices.get(id);
    if (!device) return json(404, { error: "no such subscription" });
    if (req.method === "POST" && route === "answers") {
      device.answers.push(...(JSON.parse(body.toString()) as number[]));
      return json(200, {});
    }
    if (req.method === "GET" && route === "received") return json(200, device.received);
    if (req.method === "POST" && route === "push") {
      const status = device.answers.shift() ?? 201;
      const got: Received = {
        ok: false,
        ttl: req.headers.ttl as string,
        urgency: (req.headers.urgency as string) ?? null,
        authorization: req.headers.authorization ?? null,
        status,
      };
      try {
        checkVapid(String(req.headers.authorization ?? ""), origin);
        got.payload = JSON.parse(decrypt(device, body, String(req.headers["content-encoding"] ?? "")));
        got.ok = true;
      } catch (err) {
        got.error = (err as Error).message;
      }
      device.received.push(got);
      opts.onPush?.(id, got);
      if (status === 429 || status === 503) res.setHeader("retry-after", "1");
      res.writeHead(got.ok ? status : 400);
      return res.end();
    }
    json(404, { error: "no such route" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("push service has no port");
  origin = `http://127.0.0.1:${addr.port}`;
  return { url: origin, server };
}

/** `vapid t=<jwt>, k=<public key>`: an ES256 JWT signed by k, for this origin, not expired. */
function checkVapid(header: string, origin: string): void {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header);
  if (!m) throw new Error("no vapid authorization");
  const [h, p, s] = m[1]!.split(".");
  const k = Buffer.from(m[2]!, "base64url");
  if (!h || !p || !s || k.length !== 65) throw new Error("malformed vapid");
  const key = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: b64u(k.subarray(1, 33)), y: b64u(k.subarray(33)) },
    format: "jwk",
  });
  if (!verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url")))
    throw new Error("vapid signature does not verify");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as { aud?: string; exp?: number; sub?: string };
  // The service signs an http endpoint (tests only) for the same host as https.
  if (claims.aud !== origin.replace(/^http:/, "https:")) throw new Error(`vapid aud ${claims.aud} is not ${origin}`);
  if (!claims.exp || claims.exp * 1000 < Date.now() || claims.exp * 1000 > Date.now() + 24 * 3600_000) throw new Error("vapid exp");
  if (!claims.sub) throw new Error("vapid sub missing");
}

/** RFC 8291 with RFC 8188 aes128gcm, one record. */
function decrypt(d: Device, body: Buffer, encoding: string): string {
  if (encoding !== "aes128gcm") throw new Error(`content-encoding ${encoding}`);
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const secret = d.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), d.ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", secret, d.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  if (plain[end - 1] !== 2) throw new Error("no last-record delimiter");
  return plain.subarray(0, end - 1).toString();
}
