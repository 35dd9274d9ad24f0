// Builds the web client (web/) into public/, which Workers static assets serve at `/`:
// index.html as written, app.js (web/main.ts with the client library and zod, bundled),
// app.css, and sw.js, the service worker (web/sw.ts), whose cache is named after a hash of
// the other three so a deploy that changes them replaces the cached copies.
// wrangler runs this before `dev`, `deploy` and `types` ([build] in wrangler.toml).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}public`;

// src/contract/protocol.ts uses zod's `z` namespace, which drags in every translation of zod's
// messages (about 200 KB). The client only shows the default English ones, which zod
// imports on its own, so the namespace's `locales` is left empty here.
const englishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}zod${sep}`) ? { path: "zod-locales", namespace: "empty" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await Promise.all([
  copyFile(`${root}web/index.html`, `${out}/index.html`),
  build({
    absWorkingDir: root,
    entryPoints: [
      { in: "web/main.ts", out: "app" },
      { in: "web/styles.css", out: "app" },
    ],
    outdir: out,
    bundle: true,
    format: "esm",
    target: ["es2022", "chrome110", "firefox115", "safari16"],
    minify: true,
    sourcemap: "linked",
    legalComments: "none",
    plugins: [englishOnly],
    logLevel: "warning",
  }),
]);
const hash = createHash("sha256");
for (const file of ["index.html", "app.js", "app.css"]) hash.update(await readFile(`${out}/${file}`));
await build({
  absWorkingDir: root,
  entryPoints: [{ in: "web/sw.ts", out: "sw" }],
  outdir: out,
  bundle: true,
  format: "iife",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  minify: true,
  legalComments: "none",
  define: { BUILD_VERSION: JSON.stringify(hash.digest("hex").slice(0, 16)) },
  logLevel: "warning",
});
console.log("web client built into public/");
