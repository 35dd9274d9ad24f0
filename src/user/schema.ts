// The user object's SQLite, in numbered steps (platform/object-sql.ts runs each once).
// chats: the chat list (chat-list.ts); log: the update log (update-log.ts). Large groups
// (large-groups.ts) are marked in the list, with their member count and latest ev.
import type { LazySchema } from "../platform/object-sql";
import { SEARCH_TABLES, searchMarkSchema } from "../search";
import { PUSH_TABLES } from "./push/subscriptions";

export const USER_SCHEMA = [
  `CREATE TABLE chats (chat_id TEXT PRIMARY KEY, type TEXT NOT NULL, title TEXT NOT NULL, members TEXT NOT NULL,
     owner TEXT, last_message TEXT, last_seq INTEGER NOT NULL, last_read_seq INTEGER NOT NULL, updated_at INTEGER NOT NULL);
   CREATE INDEX chats_by_activity ON chats (updated_at DESC);
   CREATE TABLE log (pts INTEGER PRIMARY KEY, ekey TEXT NOT NULL UNIQUE, frame TEXT NOT NULL);`,
  // revoked: sessions of this user revoked before they expire (revoked.ts).
  `CREATE TABLE revoked (session_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);`,
  // log.msg: "chat_id:seq" of the message whose text a frame carries (its own, or a chat's
  // last message), so that an edit or delete can rewrite every copy of it (update-log.ts).
  `ALTER TABLE log ADD COLUMN msg TEXT;
   UPDATE log SET msg = (frame ->> '$.message.chat_id') || ':' || (frame ->> '$.message.seq') WHERE frame ->> '$.message.seq' IS NOT NULL;
   UPDATE log SET msg = (frame ->> '$.chat.chat_id') || ':' || (frame ->> '$.chat.last_message.seq') WHERE frame ->> '$.chat.last_message.seq' IS NOT NULL;
   CREATE INDEX log_by_msg ON log (msg) WHERE msg IS NOT NULL;`,
  // chats.peer_*: a direct chat's other member's read position and deletion (chat-list.ts);
  // blocks and blocked_by: whom the user blocks, and who blocks them (blocks.ts).
  `ALTER TABLE chats ADD COLUMN peer_read_seq INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN peer_deleted INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE blocks (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE blocked_by (user_id TEXT PRIMARY KEY, username TEXT NOT NULL);`,
  `ALTER TABLE chats ADD COLUMN large INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN ev INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;`,
  // texts: the current text of every message the log carries, once (update-log.ts): log
  // frames leave it out and sync splices it in, so an edit writes one text row and one
  // small log row however often the message was edited. Frames logged before keep their
  // copy, and the current text is spliced over it.
  `CREATE TABLE texts (msg TEXT PRIMARY KEY, ev INTEGER NOT NULL, message TEXT NOT NULL);
   INSERT OR REPLACE INTO texts (msg, ev, message)
     SELECT msg, 0, COALESCE(frame -> '$.message', frame -> '$.chat.last_message') FROM log WHERE msg IS NOT NULL ORDER BY pts;
   DROP INDEX log_by_msg;`,
  // search: the messages of texts, for searchMessages (search/index.ts). Texts logged
  // before it are indexed as they stand (runs of unspaced script as whole words).
  `${SEARCH_TABLES.ddl}
   INSERT INTO search (rowid, body, chat_id, seq, ts)
     SELECT rowid, message ->> '$.content', message ->> '$.chat_id', message ->> '$.seq', message ->> '$.timestamp' FROM texts
     WHERE message ->> '$.deleted' IS NULL AND message ->> '$.content' != '';`,
  // A group's description and slow mode, and this user's role in it (moderation).
  `ALTER TABLE chats ADD COLUMN description TEXT NOT NULL DEFAULT '';
   ALTER TABLE chats ADD COLUMN slow_mode_s INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chats ADD COLUMN role TEXT;`,
  // chats.notify: the level the user chose for a chat (null: the default); Web Push's tables
  // (push/subscriptions.ts).
  `ALTER TABLE chats ADD COLUMN notify TEXT;
   ${PUSH_TABLES.ddl}`,
  // mentions: messages that mention the user, not theirs and not deleted (mentions.ts);
  // Chat.unread_mentions counts those after the read position.
  `CREATE TABLE mentions (chat_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (chat_id, seq));`,
  // texts.reply_msg: "chat_id:seq" of the message a text replies to, so that an edit or
  // delete of the original finds its replies by index, not by reading the chat's every text.
  `ALTER TABLE texts ADD COLUMN reply_msg TEXT;
   UPDATE texts SET reply_msg = (message ->> '$.chat_id') || ':' || (message ->> '$.reply_to.seq')
     WHERE message ->> '$.reply_to.seq' IS NOT NULL;
   CREATE INDEX texts_by_reply ON texts (reply_msg) WHERE reply_msg IS NOT NULL;`,
  // chats.joined_seq: the chat's last message when it came into the list. The log holds
  // what came after; search asks the chat object for a small group's messages up to it.
  `ALTER TABLE chats ADD COLUMN joined_seq INTEGER NOT NULL DEFAULT 0;`,
  // search_mark: the search index's mark (search/index.ts): texts after it are indexed in
  // batches, not as they are stored. Every text stored before was indexed at once.
  searchMarkSchema("SELECT MAX(rowid) FROM texts"),
];

/**
 * Tables the steps above make that a new object makes only when it first stores something
 * there (platform/object-sql.ts, LazyTables): its schema in final form (schema-fresh.ts)
 * leaves them out. Most users never search or subscribe to pushes.
 */
export const USER_LAZY_TABLES: readonly LazySchema[] = [SEARCH_TABLES, PUSH_TABLES];
