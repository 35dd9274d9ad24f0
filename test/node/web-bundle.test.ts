// The web client's weight, measured on every `npm test`: a build into a temporary folder
// (public/ is left alone), gzipped as a browser downloads it, held under a budget. Most
// of app.js is zod, which the client library brings for the wire contract
// (src/contract/protocol.ts); the app's own code is what grows, and this says when.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";

/**
 * Gzipped bytes. app.js was 77 KB before #25's features, 85 KB with search, notifications
 * and retention's reload, 89 KB with replies, reactions, mentions and moderation; 71 KB once
 * the build left out zod's JSON Schema and `z.compile` (scripts/build-web.mjs). A feature
 * that needs more raises this on purpose.
 */
const BUDGET = { "app.js": 74 * 1024, "app.css": 6 * 1024, "sw.js": 1024 } as const;

describe("the web bundle", () => {
  const out = mkdtempSync(join(tmpdir(), "edge-chat-web-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("stays within its gzipped budget", () => {
    execFileSync(process.execPath, [resolve(import.meta.dirname, "../../scripts/build-web.mjs")], {
      env: { ...process.env, WEB_OUT: out },
      stdio: "pipe",
    });
    const sizes = Object.fromEntries(
      Object.keys(BUDGET).map((file) => [file, gzipSync(readFileSync(join(out, file)), { level: 9 }).length]),
    );
    console.log(
      `web bundle, gzipped: ${Object.entries(sizes)
        .map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} KB`)
        .join(", ")}`,
    );
    for (const [file, limit] of Object.entries(BUDGET)) expect(sizes[file], `${file} gzipped`).toBeLessThanOrEqual(limit);
  });
});
