// Schema migrations for a Durable Object's own SQLite: numbered steps, each run once, in
// the constructor under blockConcurrencyWhile so no request sees an old schema (or, for an
// object that stores nothing until it is created, when it is created).
export function migrate(sql: SqlStorage, steps: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema").toArray()[0];
  if (!row) sql.exec("INSERT INTO _schema (version) VALUES (0)");
  for (let v = row?.version ?? 0; v < steps.length; v++) {
    sql.exec(steps[v]!);
    sql.exec("UPDATE _schema SET version = ?", v + 1);
  }
}

/** Has this object's schema been created? Reading it writes nothing. */
export function hasSchema(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_schema'").toArray().length > 0;
}
