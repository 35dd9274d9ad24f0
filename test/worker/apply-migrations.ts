import { applyD1Migrations, env } from "cloudflare:test";

// Idempotent: applies only what the test database has not seen yet.
await applyD1Migrations(env.DB, (env as unknown as { TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] }).TEST_MIGRATIONS);
