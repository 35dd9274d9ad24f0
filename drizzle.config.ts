import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/accounts/schema.ts",
  out: "./migrations",
});
