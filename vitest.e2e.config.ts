import { defineConfig } from "vitest/config";

// Tests that run in Node, not in the pool: against a real `wrangler dev` (and a real
// browser), of the source tree itself, and unit tests of pure logic beside their modules
// (`src/**/*.test.ts`, `web/**/*.test.ts`: nothing there may import `cloudflare:*`).
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts", "test/node/**/*.test.ts", "src/**/*.test.ts", "web/**/*.test.ts"],
    // Generous: these bound waits for things that should happen, and CI is slow and loaded.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    expect: { poll: { timeout: 30_000 } },
    fileParallelism: false,
  },
});
