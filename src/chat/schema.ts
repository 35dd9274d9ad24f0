// The chat object's SQLite, in numbered steps (platform/object-sql.ts runs each once).
// meta: the chat's id, type, title; members (members.ts); messages (messages.ts); events:
// every change, numbered by `ev` (event-log.ts); uploads: the chat's files (uploads.ts),
// and each message's content type and attachment. Large groups: members by name for
// getMembers; online: the members with a socket open (fanout/live-push.ts); log_queue: what
// a large group still has to write in particular members' logs (fanout/log-queue.ts).
import { SEARCH_TABLES, searchMarkSchema } from "../search";

export const CHAT_SCHEMA = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE members (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL,
     joined_ev INTEGER NOT NULL, left_ev INTEGER, delivered_ev INTEGER NOT NULL, last_read_seq INTEGER NOT NULL);
   CREATE TABLE messages (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, sender_id TEXT NOT NULL,
     sender TEXT NOT NULL, content TEXT NOT NULL, ts INTEGER NOT NULL, client_msg_id TEXT,
     edited_at INTEGER, deleted INTEGER NOT NULL DEFAULT 0, ev INTEGER NOT NULL);
   CREATE UNIQUE INDEX messages_idem ON messages (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL;
   CREATE TABLE events (ev INTEGER PRIMARY KEY, data TEXT NOT NULL, audience TEXT);`,
  // events.msg_seq: the message whose text an event carries (its own, or a chat's last
  // message), so that an edit or delete can rewrite every copy of that text (event-log.ts).
  `ALTER TABLE events ADD COLUMN msg_seq INTEGER;
   UPDATE events SET msg_seq = data ->> '$.seq' WHERE data ->> '$.kind' IN ('newMessage', 'messageEdited', 'messageDeleted');
   UPDATE events SET msg_seq = data ->> '$.chat.last_seq' WHERE data ->> '$.kind' = 'chat' AND data ->> '$.chat.last_message' IS NOT NULL;
   CREATE INDEX events_by_msg ON events (msg_seq) WHERE msg_seq IS NOT NULL;`,
  `ALTER TABLE messages ADD COLUMN content_type TEXT NOT NULL DEFAULT 'text';
   ALTER TABLE messages ADD COLUMN attachment TEXT;
   CREATE TABLE uploads (file_id TEXT PRIMARY KEY, r2_key TEXT NOT NULL, uploader_id TEXT NOT NULL,
     name TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, width INTEGER, height INTEGER,
     uploaded_at INTEGER NOT NULL, attached_seq INTEGER, removed INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX uploads_unattached ON uploads (uploaded_at) WHERE attached_seq IS NULL AND removed = 0;`,
  `CREATE INDEX members_by_name ON members (lower(username)) WHERE left_ev IS NULL;
   CREATE TABLE online (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL);
   CREATE TABLE log_queue (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX log_queue_by_user ON log_queue (user_id, id);`,
  // messages.edits: how many times a message was edited (capped, messages.ts).
  `ALTER TABLE messages ADD COLUMN edits INTEGER NOT NULL DEFAULT 0;`,
  // Large groups' text in members' logs (fanout/text-rewrites.ts): the last message a
  // joiner's chatCreated carried, members by joining, and the rewrites still to be asked;
  // members by delivery cursor, so a restart finds those behind without reading them all.
  `ALTER TABLE members ADD COLUMN log_seq INTEGER;
   CREATE INDEX members_by_log_seq ON members (log_seq) WHERE log_seq IS NOT NULL AND left_ev IS NULL;
   CREATE INDEX members_by_joined ON members (joined_ev) WHERE left_ev IS NULL;
   CREATE INDEX members_by_delivered ON members (delivered_ev);
   CREATE TABLE text_rewrites (user_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (user_id, seq));`,
  // search: the chat's messages, for its members' searchMessages (search/index.ts).
  `${SEARCH_TABLES.ddl}
   INSERT INTO search (rowid, body, chat_id, seq, ts)
     SELECT seq, content, (SELECT v FROM meta WHERE k = 'chat_id'), seq, ts FROM messages WHERE deleted = 0 AND content != '';`,
  // Moderation (moderation.ts): who is banned; invites, by the SHA-256 of their secret part;
  // messages by sender, for slow mode's last send after a restart.
  `CREATE TABLE bans (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE invites (hash TEXT PRIMARY KEY, code TEXT NOT NULL, created_at INTEGER NOT NULL,
     expires_at INTEGER, max_uses INTEGER, uses INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX messages_by_sender ON messages (sender_id, seq);`,
  // notify_all: members who chose the notification level "all" here; a large group wakes
  // them (and those a message names) for Web Push (fanout/wakes.ts).
  `CREATE TABLE notify_all (user_id TEXT PRIMARY KEY);`,
  // Replies, reactions and mentions (reactions.ts, replies.ts): a reply's original and what
  // it shows of it (kept current by the original's edits and delete), the names a message
  // mentions, its reaction counts in the order each emoji came, and who reacted with what;
  // a large group's messages written into mentioned members' logs (fanout/live-push.ts).
  `ALTER TABLE messages ADD COLUMN reply_seq INTEGER;
   ALTER TABLE messages ADD COLUMN reply TEXT;
   ALTER TABLE messages ADD COLUMN mentions TEXT;
   ALTER TABLE messages ADD COLUMN reactions TEXT;
   CREATE INDEX messages_by_reply ON messages (reply_seq) WHERE reply_seq IS NOT NULL;
   CREATE TABLE reactions (seq INTEGER NOT NULL, emoji TEXT NOT NULL, user_id TEXT NOT NULL, username TEXT NOT NULL,
     PRIMARY KEY (seq, user_id, emoji));
   CREATE INDEX reactions_by_name ON reactions (seq, lower(username), emoji);
   CREATE TABLE mention_logs (seq INTEGER NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (seq, user_id));`,
  // log_queue.msg_seq: the message whose text a waiting entry carries (a joiner's last
  // message, a mention), so that an edit rewrites those entries by index, not by reading
  // every entry waiting (fanout/log-queue.ts).
  `ALTER TABLE log_queue ADD COLUMN msg_seq INTEGER;
   UPDATE log_queue SET msg_seq = data ->> '$.chat.last_seq' WHERE data ->> '$.kind' = 'chat' AND data ->> '$.chat.last_message' IS NOT NULL;
   UPDATE log_queue SET msg_seq = data ->> '$.seq' WHERE data ->> '$.kind' = 'mentioned';
   CREATE INDEX log_queue_by_msg ON log_queue (msg_seq) WHERE msg_seq IS NOT NULL;`,
  // search_mark: the search index's mark (search/index.ts): messages after it are indexed
  // in batches, not as they are stored. Every message stored before was indexed at once.
  searchMarkSchema("SELECT MAX(seq) FROM messages"),
];
