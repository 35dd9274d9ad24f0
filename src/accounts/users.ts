// Looking people up by name (starting chats, adding members, blocking).
import { and, isNull, sql } from "drizzle-orm";
import type { User } from "../contract/protocol";
import { db } from "./db";
import { users } from "./schema";

/**
 * Users by username (any case), for starting chats and adding members; deleted accounts are
 * not found. One query however many names (addMembers brings 1,000): the names travel as
 * one JSON parameter, under D1's 100 bound parameters a statement.
 */
export async function usersByName(env: Env, names: string[]): Promise<Map<string, User>> {
  const keys = [...new Set(names.map((n) => n.toLowerCase()))];
  const found = new Map<string, User>();
  if (!keys.length) return found;
  const rows = await db(env)
    .select({ id: users.id, username: users.username, key: users.usernameKey })
    .from(users)
    .where(and(sql`${users.usernameKey} IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`, isNull(users.deletedAt)));
  for (const r of rows) found.set(r.key, { id: r.id, username: r.username });
  return found;
}
