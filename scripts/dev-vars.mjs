// `npm run dev` needs FILES_SIGNING_KEY, the secret that signs download links (production:
// `npx wrangler secret put FILES_SIGNING_KEY`), and a VAPID pair for Web Push
// (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY; docs/operations.md). The first run writes random
// ones into .dev.vars (git ignores it), where wrangler dev reads secrets from; later runs keep them.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";

const file = new URL("../.dev.vars", import.meta.url);
const read = () => (existsSync(file) ? readFileSync(file, "utf8") : "");
const add = (lines) => {
  const text = read();
  const gap = text && !text.endsWith("\n") ? "\n" : "";
  appendFileSync(file, `${gap}${lines}\n`);
};

if (!/^FILES_SIGNING_KEY=/m.test(read())) {
  add(
    `# Signs file download links in local dev (written by scripts/dev-vars.mjs).\nFILES_SIGNING_KEY="${randomBytes(32).toString("hex")}"`,
  );
  console.log("wrote a local FILES_SIGNING_KEY into .dev.vars");
}

if (!/^VAPID_PUBLIC_KEY=/m.test(read()) || !/^VAPID_PRIVATE_KEY=/m.test(read())) {
  // The form `web-push generate-vapid-keys` prints: base64url of the uncompressed P-256
  // point (65 bytes) and of the private scalar (32 bytes).
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  const pub = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]).toString("base64url");
  add(`# Web Push (VAPID) pair for local dev (written by scripts/dev-vars.mjs).\nVAPID_PUBLIC_KEY="${pub}"\nVAPID_PRIVATE_KEY="${jwk.d}"`);
  console.log("wrote a local VAPID pair into .dev.vars");
}
