// Builds the web client (web/) into public/, which Workers static assets serve at `/`:
// index.html as written, app.js (web/main.ts with the client library and zod, bundled),
// app.css, sw.js, the service worker (web/sw.ts), whose cache is named after a hash of the
// other three so a deploy that changes them replaces the cached copies, and _headers: the
// security headers the runtime adds to every asset, the same ones the Worker adds to its own
// responses (src/worker/security-headers.ts). wrangler runs this before `dev`, `deploy` and
// `types` ([build] in wrangler.toml).
//
// Source maps only when WEB_SOURCEMAP=1 (`npm run dev` sets it): a deploy does not publish them.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";
import { iconPng } from "./icons.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
// WEB_OUT builds elsewhere (test/node/web-bundle.test.ts measures a build without touching public/).
const out = process.env.WEB_OUT ?? `${root}public`;

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

// The `z` namespace also brings zod's JSON Schema (to and from) and `z.compile`, which the
// client never uses: about 18 KB of the gzipped app. Those modules are built as stubs with
// the same exports, each a function that hands back one that throws if it is ever called
// (a schema's `~standard` getter makes its `jsonSchema` methods that way, without calling them).
const UNUSED_ZOD =
  /[\\/]zod[\\/]v4[\\/](core[\\/](compile|to-json-schema|json-schema-processors|json-schema-generator)|classic[\\/]from-json-schema)\.js$/;
const zodWithoutJsonSchema = {
  name: "zod-without-json-schema",
  setup(b) {
    b.onLoad({ filter: UNUSED_ZOD }, async (args) => {
      const { metafile } = await build({ entryPoints: [args.path], write: false, metafile: true, format: "esm", logLevel: "silent" });
      const names = Object.values(metafile.outputs)[0].exports;
      const thrower = 'const unavailable = () => { throw new Error("not in the web build"); };';
      const exports = names.map((n) => `export ${n === "default" ? "default function" : `function ${n}`}() { return unavailable; }`);
      return { contents: [thrower, ...exports].join("\n"), loader: "js" };
    });
  },
};

/** public/_headers: every path gets the Worker's security headers. */
async function headersFile() {
  const compiled = await build({
    absWorkingDir: root,
    entryPoints: ["src/worker/security-headers.ts"],
    bundle: false,
    format: "esm",
    write: false,
    logLevel: "warning",
  });
  const { SECURITY_HEADERS } = await import(`data:text/javascript,${encodeURIComponent(compiled.outputFiles[0].text)}`);
  const lines = Object.entries(SECURITY_HEADERS).map(([name, value]) => `  ${name}: ${value}`);
  return `# Written by scripts/build-web.mjs from src/worker/security-headers.ts.\n/*\n${lines.join("\n")}\n`;
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await Promise.all([
  copyFile(`${root}web/index.html`, `${out}/index.html`),
  // The web app manifest and its icons: the app can be installed (a phone's home screen too).
  copyFile(`${root}web/manifest.webmanifest`, `${out}/manifest.webmanifest`),
  writeFile(`${out}/icon-192.png`, iconPng(192)),
  writeFile(`${out}/icon-512.png`, iconPng(512)),
  headersFile().then((text) => writeFile(`${out}/_headers`, text)),
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
    sourcemap: process.env.WEB_SOURCEMAP === "1" ? "linked" : false,
    legalComments: "none",
    plugins: [englishOnly, zodWithoutJsonSchema],
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
console.log(`web client built into ${out}`);
