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
  return hasTable(sql, "_schema");
}

function hasTable(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}

/** Tables a feature makes when it first stores something: `ddl` makes them if they are not there. */
export interface LazySchema {
  /** Their names; the first tells whether they were made. */
  tables: readonly [string, ...string[]];
  /** CREATE ... IF NOT EXISTS for each. */
  ddl: string;
}

/**
 * A feature's tables, made when it first stores something rather than with the object's
 * schema: a new object that never uses the feature writes none of their pages (a user
 * object is made at each new account's first socket, and most users never search or
 * subscribe to pushes). Until then the feature reads nothing and answers as if empty.
 */
export class LazyTables {
  /** Whether they are there (null: not asked yet in this life of the object). */
  private made: boolean | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly schema: LazySchema,
  ) {}

  get exist(): boolean {
    this.made ??= hasTable(this.sql, this.schema.tables[0]);
    return this.made;
  }

  make(): void {
    if (this.exist) return;
    this.sql.exec(this.schema.ddl);
    this.made = true;
  }
}
