// The D1 schema: accounts, sessions and recovery codes. Everything about chats lives in
// the Durable Objects; D1 only answers "who is this" and "is this token good".
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  // As typed at registration; `usernameKey` (lower case) is what makes it unique.
  username: text("username").notNull(),
  usernameKey: text("username_key").notNull().unique(),
  email: text("email").notNull(),
  emailKey: text("email_key").notNull().unique(),
  // Self-describing: "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>".
  passwordHash: text("password_hash").notNull(),
  createdAt: integer("created_at").notNull(),
  // A deleted account keeps its row, so its name stays taken and old chats still name it;
  // its email and password hash are erased (email_key becomes "deleted:<id>", which no
  // address can equal, so the address is free again).
  deletedAt: integer("deleted_at"),
  // Set by an operator (POST /admin/suspend): the account cannot log in until unsuspended.
  suspendedAt: integer("suspended_at"),
});

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    // SHA-256 of the token, hex; the token itself is never stored.
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    // To the nearest few minutes: the user object writes it at most every LAST_SEEN_EVERY_MS.
    lastSeenAt: integer("last_seen_at"),
    // What the device said it was (User-Agent, cut short) and where (country code), at login.
    userAgent: text("user_agent"),
    location: text("location"),
  },
  // By expiry: the hourly purge deletes expired rows.
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expiry_idx").on(t.expiresAt)],
);

export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    codeHash: text("code_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId), index("recovery_codes_expiry_idx").on(t.expiresAt)],
);

// Every upload a user has under way or kept, by its size: what the storage quota and the cap
// on uploads at once count. A row is written before the body is read (with the declared
// size), marked stored once the bytes are in R2, and deleted when the file is (the chat
// object deletes it with the R2 object) or the upload fails.
export const uploads = sqliteTable(
  "uploads",
  {
    fileId: text("file_id").primaryKey(),
    userId: text("user_id").notNull(),
    size: integer("size").notNull(),
    startedAt: integer("started_at").notNull(),
    // Null while the body is on its way.
    storedAt: integer("stored_at"),
  },
  (t) => [index("uploads_user_idx").on(t.userId)],
);

// Remembered devices: a device that logged in once gets a random token (only its SHA-256 is
// kept) that lets its later logins past the per-username login queue. It is not a session:
// the password is still checked.
export const devices = sqliteTable(
  "devices",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
    // Each login with the token moves it on; the hourly purge deletes expired rows.
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("devices_user_idx").on(t.userId), index("devices_expiry_idx").on(t.expiresAt)],
);

// Messages members reported (reportMessage), for the operator (GET /admin/reports). `message`
// is the Message as JSON as it was when reported: a message already deleted then has no text.
export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    chatId: text("chat_id").notNull(),
    seq: integer("seq").notNull(),
    reporterId: text("reporter_id").notNull(),
    reporter: text("reporter").notNull(),
    reason: text("reason").notNull(),
    message: text("message").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("reports_created_idx").on(t.createdAt, t.id)],
);
