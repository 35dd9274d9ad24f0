// The one drizzle handle on D1 that every file of accounts/ uses.
import { drizzle } from "drizzle-orm/d1";

export const db = (env: Env) => drizzle(env.DB);
