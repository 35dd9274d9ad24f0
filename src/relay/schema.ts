// A relay's SQLite (platform/object-sql.ts migrations): which chat it serves and the last
// event it took (`relay`, one row), and its shard's members online (`members`).
export const RELAY_SCHEMA = [
  `CREATE TABLE relay (chat_id TEXT NOT NULL, head INTEGER NOT NULL);
   CREATE TABLE members (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL);`,
] as const;
