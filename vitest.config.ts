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
            // Tests read recovery codes off the console mail sink; deploys send mail.
            MAILER: "console",
            ALLOWED_ORIGINS: "https://chat.example, http://localhost:8787",
            // Groups of more than 10 are large here, so tests can make them with a few
            // accounts; the default (50) is kept by an end-to-end test.
            LARGE_GROUP_MEMBERS: "10",
            // The secret that signs download links (production: wrangler secret put).
            FILES_SIGNING_KEY: "test-signing-key-not-a-secret",
            // Just over R2's 5 MiB part, so a chunked upload at the limit goes up in two parts.
            MAX_UPLOAD_BYTES: String(6 * 2 ** 20),
            UPLOADS_PER_USER_PER_HOUR: "12",
            // Small enough that a test can fill a user's groups (fillChatList); the default is 2,000.
            MAX_GROUPS_PER_USER: "60",
            MAX_SOCKETS_PER_USER: "5",
            // The operator's token for /admin/ (a secret in production; unset, /admin/ is 404).
            ADMIN_TOKEN: "test-admin-token-not-a-secret",
            // Web Push to the tests' own push service on 127.0.0.1 (test/node/push-service.ts),
            // signed with this pair (made for the tests; no deploy uses it).
            VAPID_PUBLIC_KEY: "BNUsbpAgmET1jkhgp8MOx9Q6pkgs6kjacnFLx4UzlApo5QA9V6ql4WHNALR9wsFEEezBsK93oWv_3wjsJHkakl4",
            VAPID_PRIVATE_KEY: "gKSd5Rdg60nCPUlu6e3jnDXXZDJfQE9NNGTNfFqdg3I",
            VAPID_SUBJECT: "mailto:tests@example.com",
            PUSH_ALLOW_HTTP: "true",
            // Retention bounds small enough that a test passes them (defaults: 10,000 and
            // 100,000), large enough that no other test does.
            LOG_KEEP_UPDATES: "300",
            EVENTS_KEEP: "60",
            // A large group pushes through its relays from 2 members online, so every test with a
            // crowd online goes through them (the default is 1,000; relays.test.ts moves the line).
            RELAY_FROM_ONLINE: "2",
          },
        },
      }),
    ],
    test: {
      include: ["test/worker/**/*.test.ts"],
      setupFiles: ["./test/worker/apply-migrations.ts"],
      globalSetup: ["./test/node/push-service-setup.ts"],
      // The Worker's info lines (one per request) would bury the report; warnings and errors show.
      onConsoleLog: (log: string) => !log.startsWith('{"level":"info"'),
      // Generous: it bounds waits for things that should happen, and CI is slow and loaded.
      testTimeout: 120_000,
    },
  };
});
