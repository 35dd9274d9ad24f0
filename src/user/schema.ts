// The user object's SQLite, in numbered steps (platform/object-sql.ts runs each once).
// chats: the chat list (chat-list.ts); log: the update log (update-log.ts); blocks and
// blocked_by: whom the user blocks, and who blocks them (blocks.ts).
export const USER_SCHEMA = [
  `CREATE TABLE chats (chat_id TEXT PRIMARY KEY, type TEXT NOT NULL, title TEXT NOT NULL, members TEXT NOT NULL,
     owner TEXT, last_message TEXT, last_seq INTEGER NOT NULL, last_read_seq INTEGER NOT NULL, updated_at INTEGER NOT NULL);
   CREATE INDEX chats_by_activity ON chats (updated_at DESC);
   CREATE TABLE log (pts INTEGER PRIMARY KEY, ekey TEXT NOT NULL UNIQUE, frame TEXT NOT NULL);`,
  `ALTER TABLE chats ADD COLUMN peer_read_seq INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN peer_deleted INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE blocks (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE blocked_by (user_id TEXT PRIMARY KEY, username TEXT NOT NULL);`,
];
