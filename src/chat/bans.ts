// Who is kept out of the group (banMember, unbanMember, getBanned): a row per banned user,
// checked when anyone is added or joins by invite.
import type { Member } from "./events";

/** Names getBanned lists at most. */
const LISTED = 1_000;

export class Bans {
  constructor(private readonly sql: SqlStorage) {}

  has(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM bans WHERE user_id = ?", userId).toArray().length > 0;
  }

  /** The first banned user among these, if any. */
  firstOf(userIds: string[]): string | undefined {
    return userIds.find((id) => this.has(id));
  }

  add(u: Member, at: number): void {
    this.sql.exec("INSERT OR REPLACE INTO bans (user_id, username, at) VALUES (?, ?, ?)", u.id, u.username, at);
  }

  remove(userId: string): void {
    this.sql.exec("DELETE FROM bans WHERE user_id = ?", userId);
  }

  list(): string[] {
    return this.sql
      .exec<{ username: string }>("SELECT username FROM bans ORDER BY lower(username) LIMIT ?", LISTED)
      .toArray()
      .map((r) => r.username);
  }
}
