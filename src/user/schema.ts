// The user object's SQLite, in numbered steps (platform/object-sql.ts runs each once).
// chats: the chat list (chat-list.ts); log: the update log (update-log.ts).
export const USER_SCHEMA = [
  `CREATE TABLE chats (chat_id TEXT PRIMARY KEY, type TEXT NOT NULL, title TEXT NOT NULL, members TEXT NOT NULL,
     owner TEXT, last_message TEXT, last_seq INTEGER NOT NULL, last_read_seq INTEGER NOT NULL, updated_at INTEGER NOT NULL);
   CREATE INDEX chats_by_activity ON chats (updated_at DESC);
   CREATE TABLE log (pts INTEGER PRIMARY KEY, ekey TEXT NOT NULL UNIQUE, frame TEXT NOT NULL);`,
  // revoked: sessions of this user revoked before they expire (revoked.ts).
  `CREATE TABLE revoked (session_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`,
];
