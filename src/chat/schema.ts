// The chat object's SQLite, in numbered steps (platform/object-sql.ts runs each once).
// meta: the chat's id, type, title; members (members.ts); messages (messages.ts); events:
// every change, numbered by `ev`, the outbox (outbox.ts). Step 2, large groups: members by
// name for getMembers; online: the members with a socket open (online.ts); log_queue: what a
// large group still has to write in particular members' logs (log-queue.ts).
export const CHAT_SCHEMA = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE members (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL,
     joined_ev INTEGER NOT NULL, left_ev INTEGER, delivered_ev INTEGER NOT NULL, last_read_seq INTEGER NOT NULL);
   CREATE TABLE messages (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, sender_id TEXT NOT NULL,
     sender TEXT NOT NULL, content TEXT NOT NULL, ts INTEGER NOT NULL, client_msg_id TEXT,
     edited_at INTEGER, deleted INTEGER NOT NULL DEFAULT 0, ev INTEGER NOT NULL);
   CREATE UNIQUE INDEX messages_idem ON messages (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL;
   CREATE TABLE events (ev INTEGER PRIMARY KEY, data TEXT NOT NULL, audience TEXT);`,
  `CREATE INDEX members_by_name ON members (lower(username)) WHERE left_ev IS NULL;
   CREATE TABLE online (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL);
   CREATE TABLE log_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX log_queue_by_user ON log_queue (user_id, id);`,
];
