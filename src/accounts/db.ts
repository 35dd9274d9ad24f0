// The one drizzle handle on D1 that every file of accounts/ uses: one per env object, which
// does not change while it lives (as config does), so a request does not build a handle,
// and a query prepared once (sessionOf's, asked on every request) is built once.
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

const handles = new WeakMap<object, DrizzleD1Database>();

export function db(env: Env): DrizzleD1Database {
  let handle = handles.get(env);
  if (!handle) {
    handle = drizzle(env.DB);
    handles.set(env, handle);
  }
  return handle;
}

/** A value made once per env object from its handle (a prepared query). */
export function perEnv<T>(make: (d: DrizzleD1Database) => T): (env: Env) => T {
  const made = new WeakMap<object, T>();
  return (env) => {
    let v = made.get(env);
    if (v === undefined) {
      v = make(db(env));
      made.set(env, v);
    }
    return v;
  };
}
