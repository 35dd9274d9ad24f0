// `npm run dev` needs FILES_SIGNING_KEY, the secret that signs download links (production:
// `npx wrangler secret put FILES_SIGNING_KEY`). The first run writes a random one into
// .dev.vars (git ignores it), where wrangler dev reads secrets from; later runs keep it.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";

const file = new URL("../.dev.vars", import.meta.url);
const text = existsSync(file) ? readFileSync(file, "utf8") : "";
if (!/^FILES_SIGNING_KEY=/m.test(text)) {
  const gap = text && !text.endsWith("\n") ? "\n" : "";
  appendFileSync(
    file,
    `${gap}# Signs file download links in local dev (written by scripts/dev-vars.mjs).\nFILES_SIGNING_KEY="${randomBytes(32).toString("hex")}"\n`,
  );
  console.log("wrote a local FILES_SIGNING_KEY into .dev.vars");
}
