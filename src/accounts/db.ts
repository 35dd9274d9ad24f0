// The one drizzle handle on D1 that every file of accounts/ uses, one per env object
// (platform/per-env.ts); a query asked on every request is prepared once on it the same way
// (sessions.ts).
import { drizzle } from "drizzle-orm/d1";
import { perEnv } from "../platform/per-env";

export const db = perEnv((env) => drizzle(env.DB));
