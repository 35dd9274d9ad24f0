import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // Tests use a small registration limit (and a fresh address per account) so
            // the limit itself can be tested; the production default is in wrangler.toml.
            REGISTER_PER_ADDRESS_PER_HOUR: "20",
            ALLOWED_ORIGINS: "https://chat.example, http://localhost:8787",
          },
        },
      }),
    ],
    test: {
      include: ["test/worker/**/*.test.ts"],
      setupFiles: ["./test/worker/apply-migrations.ts"],
      // Generous: it bounds waits for things that should happen, and CI is slow and loaded.
      testTimeout: 120_000,
    },
  };
});
