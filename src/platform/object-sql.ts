// Schema migrations for a Durable Object's own SQLite: numbered steps, each run once, in
// the constructor under blockConcurrencyWhile so no request sees an old schema (or, for an
// object that stores nothing until it is created, when it is created).
//
// One call reads the version, and one more runs every step still to run with the new
// version: a new object (a user's first message, a member added for the first time) is
// made in two calls however many steps there are, and an object at the latest in one.
// `fresh`, if given, is the schema the steps make, in its final form (generated, and held
// to the steps by a test): a new object makes that instead of replaying each step.
export function migrate(sql: SqlStorage, steps: readonly string[], fresh?: string): void {
  const at = sql
    .exec<{ version: number }>("CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL); SELECT version FROM _schema")
    .toArray()[0]?.version;
  if (at !== undefined && at >= steps.length) return;
  const todo = (at === undefined && fresh !== undefined ? [fresh] : steps.slice(at ?? 0)).map((s) => s.trim().replace(/;+$/, ""));
  // The version is a count of our own steps, not input: it goes into the text as a number.
  const version =
    at === undefined ? `INSERT INTO _schema (version) VALUES (${steps.length})` : `UPDATE _schema SET version = ${steps.length}`;
  sql.exec([...todo, version].join(";\n"));
}

/** Has this object's schema been created? Reading it writes nothing. */
export function hasSchema(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_schema'").toArray().length > 0;
}
