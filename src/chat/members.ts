// The chat's members: who is in it, from which event (`joined_ev`) and until which
// (`left_ev`), their role and read position, and how far their log has been delivered
// (`delivered_ev`, fanout/member-logs.ts). SQLite is the list: a large group has up to
// 100,000 members, so memory holds only a bounded cache of current members, found by their
// primary key; a member who leaves is dropped from it at once (the row stays, for delivery).
import type { Role } from "../contract/moderation";
import type { MemberEntry } from "../contract/protocol";
import type { Member } from "./events";

export interface MemberState {
  userId: string;
  username: string;
  role: Role;
  joinedEv: number;
  leftEv: number | null;
  lastReadSeq: number;
  /** Delivered to their log and acknowledged up to here, as last persisted. */
  deliveredEv: number;
}

interface Row extends Record<string, SqlStorageValue> {
  user_id: string;
  username: string;
  role: string;
  joined_ev: number;
  left_ev: number | null;
  delivered_ev: number;
  last_read_seq: number;
}

/** Current members kept in memory at most (the most recently used). */
export const MEMBER_CACHE = 1_000;

const state = (r: Row): MemberState => ({
  userId: r.user_id,
  username: r.username,
  role: r.role as Role,
  joinedEv: r.joined_ev,
  leftEv: r.left_ev,
  lastReadSeq: r.last_read_seq,
  deliveredEv: r.delivered_ev,
});

export class Members {
  private cache = new Map<string, MemberState>();
  /**
   * Every current member, once asked for, while there are at most MEMBER_CACHE of them: a
   * small chat's every event asks (fanout/member-logs.ts). Kept as they change here, the
   * only place that writes them; dropped when someone joins or leaves.
   */
  private roster: Map<string, MemberState> | null = null;
  /** How many are in now (kept as they come and go: a large group has many). */
  count: number;
  /** The owner's user id, while there is one (a group). */
  ownerId: string | null;

  constructor(private readonly sql: SqlStorage) {
    this.count = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members WHERE left_ev IS NULL").one().n;
    this.ownerId =
      sql.exec<{ user_id: string }>("SELECT user_id FROM members WHERE role = 'owner' AND left_ev IS NULL").toArray()[0]?.user_id ?? null;
  }

  /** A current member, or undefined (never a member, or left). */
  current(userId: string): MemberState | undefined {
    const hit = this.cache.get(userId);
    if (hit) {
      this.cache.delete(userId);
      this.cache.set(userId, hit);
      return hit;
    }
    const r = this.sql.exec<Row>("SELECT * FROM members WHERE user_id = ? AND left_ev IS NULL", userId).toArray()[0];
    if (!r) return undefined;
    return this.remember(state(r));
  }

  /** Anyone who was ever a member, as stored (departed ones too, for their last deliveries). */
  row(userId: string): MemberState | undefined {
    const r = this.sql.exec<Row>("SELECT * FROM members WHERE user_id = ?", userId).toArray()[0];
    return r && state(r);
  }

  isMember(userId: string): boolean {
    return this.current(userId) !== undefined;
  }

  /** Which of these users are current members: one statement, however many are asked (addMembers). */
  currentAmong(userIds: string[]): Set<string> {
    const rows = this.sql.exec<{ user_id: string }>(
      "SELECT user_id FROM members WHERE user_id IN (SELECT value FROM json_each(?)) AND left_ev IS NULL",
      JSON.stringify(userIds),
    );
    return new Set([...rows].map((r) => r.user_id));
  }

  /** Every current member (small chats: the fan-out on write reaches each). */
  everyone(): MemberState[] {
    if (this.roster) return [...this.roster.values()];
    const all = this.sql.exec<Row>("SELECT * FROM members WHERE left_ev IS NULL").toArray().map(state);
    if (all.length <= MEMBER_CACHE) this.roster = new Map(all.map((m) => [m.userId, m]));
    return all;
  }

  /** Members whose log has not been delivered up to `end` (or their leaving, if before). */
  behind(end: number): MemberState[] {
    return this.sql
      .exec<Row>("SELECT * FROM members WHERE delivered_ev < ?", end)
      .toArray()
      .map(state)
      .filter((m) => m.deliveredEv < Math.min(m.leftEv ?? Infinity, end));
  }

  /**
   * The member list a `chat` event carries: a direct chat's two members (a deleted account's
   * too), or a small group's current members, in the order they joined.
   */
  listed(direct: boolean): MemberState[] {
    return this.sql
      .exec<Row>(`SELECT * FROM members ${direct ? "" : "WHERE left_ev IS NULL"} ORDER BY joined_ev, username`)
      .toArray()
      .map(state);
  }

  /** Current members who joined by event `ev` (a large group's members at its switch). */
  since(ev: number): string[] {
    return this.sql
      .exec<{ user_id: string }>("SELECT user_id FROM members WHERE joined_ev <= ? AND left_ev IS NULL", ev)
      .toArray()
      .map((r) => r.user_id);
  }

  /** Current members whose joining carried message `seq` as the chat's last. */
  joinedWithLast(seq: number): string[] {
    return this.sql
      .exec<{ user_id: string }>("SELECT user_id FROM members WHERE log_seq = ? AND left_ev IS NULL", seq)
      .toArray()
      .map((r) => r.user_id);
  }

  /** These members' logs got message `seq` as the chat's last (they joined with it). */
  setLogSeq(userIds: string[], seq: number): void {
    this.sql.exec("UPDATE members SET log_seq = ? WHERE user_id IN (SELECT value FROM json_each(?))", seq, JSON.stringify(userIds));
  }

  /** Adds (or re-adds) a member from event `ev` on, having read everything before. */
  add(u: Member, role: Role, ev: number, lastSeq: number): MemberState {
    if (role === "owner") this.ownerId = u.id;
    return this.remember(this.addAll([u], role, ev, lastSeq)[0]!);
  }

  /**
   * Adds (or re-adds) distinct users from event `ev` on: one read and one write however many
   * (addMembers brings 1,000). They are not cached: whoever is asked about next is.
   */
  addAll(users: Member[], role: Role, ev: number, lastSeq: number): MemberState[] {
    users = [...new Map(users.map((u) => [u.id, u])).values()];
    const prior = new Map(
      this.sql
        .exec<Row>("SELECT * FROM members WHERE user_id IN (SELECT value FROM json_each(?))", JSON.stringify(users.map((u) => u.id)))
        .toArray()
        .map((r) => [r.user_id, state(r)]),
    );
    const added = users.map((u): MemberState => {
      const p = prior.get(u.id);
      if (!p || p.leftEv !== null) this.count++;
      return {
        userId: u.id,
        username: u.username,
        role,
        joinedEv: ev,
        leftEv: null,
        lastReadSeq: lastSeq,
        deliveredEv: p ? p.deliveredEv : ev - 1,
      };
    });
    this.sql.exec(
      `INSERT OR REPLACE INTO members (user_id, username, role, joined_ev, left_ev, delivered_ev, last_read_seq, log_seq)
       SELECT value ->> 0, value ->> 1, ?, ?, NULL, value ->> 2, ?, NULL FROM json_each(?)`,
      role,
      ev,
      lastSeq,
      JSON.stringify(added.map((m) => [m.userId, m.username, m.deliveredEv])),
    );
    // A re-added member cached from before is stale.
    for (const m of added) this.cache.delete(m.userId);
    this.roster = null;
    return added;
  }

  /** The member is out after event `ev`; an owner who leaves passes the group on. */
  leave(userId: string, ev: number): void {
    const m = this.current(userId)!;
    this.cache.delete(userId);
    this.roster = null;
    this.count--;
    const wasOwner = m.role === "owner";
    if (wasOwner) this.ownerId = null;
    this.sql.exec("UPDATE members SET left_ev = ?, role = 'member' WHERE user_id = ?", ev, userId);
    if (!wasOwner) return;
    // The longest-standing member inherits the group.
    const heir = this.sql
      .exec<{ user_id: string }>("SELECT user_id FROM members WHERE left_ev IS NULL ORDER BY joined_ev, username LIMIT 1")
      .toArray()[0];
    if (!heir) return;
    this.ownerId = heir.user_id;
    this.sql.exec("UPDATE members SET role = 'owner' WHERE user_id = ?", heir.user_id);
    const cached = this.cache.get(heir.user_id);
    if (cached) cached.role = "owner";
  }

  /** Makes a current member an admin or a member again. */
  setRole(m: MemberState, role: "admin" | "member"): void {
    m.role = role;
    const listed = this.roster?.get(m.userId);
    if (listed) listed.role = role;
    this.sql.exec("UPDATE members SET role = ? WHERE user_id = ?", role, m.userId);
  }

  /** The current admins' names, by name (few: MAX_ADMINS). */
  admins(): string[] {
    return this.sql
      .exec<{ username: string }>("SELECT username FROM members WHERE role = 'admin' AND left_ev IS NULL ORDER BY lower(username)")
      .toArray()
      .map((r) => r.username);
  }

  setRead(m: MemberState, seq: number): void {
    m.lastReadSeq = seq;
    const listed = this.roster?.get(m.userId);
    if (listed) listed.lastReadSeq = seq;
    this.sql.exec("UPDATE members SET last_read_seq = ? WHERE user_id = ?", seq, m.userId);
  }

  saveCursor(userId: string, ev: number): void {
    this.sql.exec("UPDATE members SET delivered_ev = ? WHERE user_id = ?", ev, userId);
    for (const m of [this.cache.get(userId), this.roster?.get(userId)]) if (m) m.deliveredEv = ev;
  }

  /** A page of the current members ordered by lower-cased username, after `after` (compared ignoring case). */
  page(after: string | undefined, limit: number): { members: MemberEntry[]; has_more: boolean } {
    const rows = this.sql
      .exec<{ username: string; role: string }>(
        `SELECT username, role FROM members WHERE left_ev IS NULL ${after === undefined ? "" : "AND lower(username) > lower(?)"} ORDER BY lower(username) LIMIT ?`,
        ...(after === undefined ? [] : [after]),
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit).map((r) => ({ username: r.username, role: r.role as MemberEntry["role"] }));
    return { members: page, has_more: rows.length > limit };
  }

  /** The current members among these names (matched ignoring case), as they spell them, with their ids. */
  named(names: string[]): { userId: string; username: string }[] {
    return this.sql
      .exec<{ user_id: string; username: string }>(
        "SELECT user_id, username FROM members WHERE left_ev IS NULL AND lower(username) IN (SELECT lower(value) FROM json_each(?))",
        JSON.stringify(names),
      )
      .toArray()
      .map((r) => ({ userId: r.user_id, username: r.username }));
  }

  /** For tests: is this user held in memory? */
  cached(userId: string): boolean {
    return this.cache.has(userId);
  }

  private remember(m: MemberState): MemberState {
    this.cache.set(m.userId, m);
    if (this.cache.size > MEMBER_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return m;
  }
}
