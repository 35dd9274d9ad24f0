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
            // The secret that signs download links (production: wrangler secret put).
            FILES_SIGNING_KEY: "test-signing-key-not-a-secret",
            // Just over R2's 5 MiB part, so a chunked upload at the limit goes up in two parts.
            MAX_UPLOAD_BYTES: String(6 * 2 ** 20),
            UPLOADS_PER_USER_PER_HOUR: "12",
          },
        },
      }),
    ],
    test: {
      include: ["test/worker/**/*.test.ts"],
      setupFiles: ["./test/worker/apply-migrations.ts"],
      testTimeout: 30_000,
    },
  };
});
