import { defineConfig } from "vitest/config";

// Tests that run in Node, not in the pool: against a real `wrangler dev` (and a real
// browser), and of the source tree itself.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts", "test/node/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
