import { defineConfig } from "vitest/config";

// Tests that run in Node against a real `wrangler dev` (and a real browser), not in the pool.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
