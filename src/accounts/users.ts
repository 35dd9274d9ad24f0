// Looking people up by name (starting chats, adding members, blocking).
import { and, inArray, isNull } from "drizzle-orm";
import type { User } from "../contract/protocol";
import { db } from "./db";
import { users } from "./schema";

/** Users by username (any case), for starting chats and adding members; deleted accounts are not found. */
export async function usersByName(env: Env, names: string[]): Promise<Map<string, User>> {
  const keys = [...new Set(names.map((n) => n.toLowerCase()))];
  const found = new Map<string, User>();
  // D1 binds at most 100 parameters a statement.
  for (let i = 0; i < keys.length; i += 90) {
    const rows = await db(env)
      .select({ id: users.id, username: users.username, key: users.usernameKey })
      .from(users)
      .where(and(inArray(users.usernameKey, keys.slice(i, i + 90)), isNull(users.deletedAt)));
    for (const r of rows) found.set(r.key, { id: r.id, username: r.username });
  }
  return found;
}
