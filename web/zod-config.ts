// Imported first (main.ts): zod decides whether to compile its object parsers with
// `new Function` when a schema is built, probing for it once. Under the app's
// Content-Security-Policy (no 'unsafe-eval') the probe fails, but the browser still reports
// it as a violation on every page. Jitless, zod skips the probe and parses the same way.
import { config } from "zod";

config({ jitless: true });
