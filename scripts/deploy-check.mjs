// The deploy check, without a Cloudflare account: bundles the Worker as `wrangler deploy`
// would (the web build included) with --dry-run, offline, and fails when the bundle passes
// its budget, gzipped, or when the web assets to be published carry source maps. So a change
// that would break or bloat a deploy is caught before anyone deploys.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** Workers' limit on the free plan is 3 MiB gzipped; this service should stay far below it. */
const BUDGET_BYTES = 1024 * 1024;
const root = fileURLToPath(new URL("..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "edge-chat-deploy-"));
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

try {
  try {
    execFileSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", out], {
      cwd: root,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    process.stdout.write(err.stdout ?? "");
    process.stderr.write(err.stderr ?? "");
    console.error("deploy check: `wrangler deploy --dry-run` failed");
    process.exit(1);
  }
  const modules = readdirSync(out).filter((f) => !f.endsWith(".map") && f !== "README.md");
  let raw = 0;
  let gzipped = 0;
  for (const f of modules) {
    const bytes = readFileSync(join(out, f));
    raw += bytes.byteLength;
    gzipped += gzipSync(bytes).byteLength;
  }
  const maps = readdirSync(join(root, "public")).filter((f) => f.endsWith(".map"));
  console.log(`deploy check: Worker bundle ${kib(raw)}, ${kib(gzipped)} gzipped (budget ${kib(BUDGET_BYTES)}); ${modules.join(", ")}`);
  if (gzipped > BUDGET_BYTES) {
    console.error(`deploy check: the bundle is over budget by ${kib(gzipped - BUDGET_BYTES)}`);
    process.exit(1);
  }
  if (maps.length) {
    console.error(`deploy check: public/ would publish source maps: ${maps.join(", ")}`);
    process.exit(1);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
