// The chat's members: who is in it, from which event (`joined_ev`) and until which
// (`left_ev`), their role and read position, and how far the outbox has delivered to them.
// A member who left stays listed until the outbox has told them.
import type { MemberEntry } from "../contract/protocol";
import type { Member } from "./events";

export interface MemberState {
  userId: string;
  username: string;
  role: "owner" | "member";
  joinedEv: number;
  leftEv: number | null;
  lastReadSeq: number;
  /** Delivered and acknowledged up to here. */
  acked: number;
  inflight: boolean;
  failures: number;
}

export class Members {
  private map = new Map<string, MemberState>();
  /** How many are in now (kept as they come and go: a large group has many). */
  count = 0;
  /** The owner's user id, while there is one (a group). */
  ownerId: string | null = null;

  constructor(private readonly sql: SqlStorage) {
    for (const r of sql.exec<{
      user_id: string; username: string; role: string; joined_ev: number; left_ev: number | null; delivered_ev: number; last_read_seq: number;
    }>("SELECT * FROM members")) {
      this.map.set(r.user_id, {
        userId: r.user_id, username: r.username, role: r.role as "owner" | "member", joinedEv: r.joined_ev,
        leftEv: r.left_ev, lastReadSeq: r.last_read_seq, acked: r.delivered_ev, inflight: false, failures: 0,
      });
      if (r.left_ev === null) this.count++;
      if (r.left_ev === null && r.role === "owner") this.ownerId = r.user_id;
    }
  }

  /** Everyone the outbox still has to reach, past and present. */
  all(): IterableIterator<MemberState> {
    return this.map.values();
  }

  get(userId: string): MemberState | undefined {
    return this.map.get(userId);
  }

  current(): MemberState[] {
    return [...this.map.values()].filter((m) => m.leftEv === null);
  }

  isMember(userId: string): boolean {
    const m = this.map.get(userId);
    return !!m && m.leftEv === null;
  }

  /** Adds (or re-adds) a member from event `ev` on, having read everything before. */
  add(u: Member, role: "owner" | "member", ev: number, lastSeq: number): void {
    const prior = this.map.get(u.id);
    if (!prior || prior.leftEv !== null) this.count++;
    if (role === "owner") this.ownerId = u.id;
    const m: MemberState = {
      userId: u.id, username: u.username, role, joinedEv: ev, leftEv: null, lastReadSeq: lastSeq,
      acked: prior ? prior.acked : ev - 1, inflight: prior?.inflight ?? false, failures: prior?.failures ?? 0,
    };
    this.map.set(u.id, m);
    this.sql.exec(
      "INSERT OR REPLACE INTO members (user_id, username, role, joined_ev, left_ev, delivered_ev, last_read_seq) VALUES (?, ?, ?, ?, NULL, ?, ?)",
      u.id, u.username, role, ev, m.acked, m.lastReadSeq,
    );
  }

  /** The member is out after event `ev`; an owner who leaves passes the group on. */
  leave(userId: string, ev: number): void {
    const m = this.map.get(userId)!;
    m.leftEv = ev;
    this.count--;
    const wasOwner = m.role === "owner";
    if (wasOwner) this.ownerId = null;
    m.role = "member";
    this.sql.exec("UPDATE members SET left_ev = ?, role = 'member' WHERE user_id = ?", ev, userId);
    const rest = wasOwner ? this.current() : [];
    if (rest.length) {
      // The longest-standing member inherits the group.
      const heir = rest.reduce((a, b) => (b.joinedEv < a.joinedEv ? b : a));
      heir.role = "owner";
      this.ownerId = heir.userId;
      this.sql.exec("UPDATE members SET role = 'owner' WHERE user_id = ?", heir.userId);
    }
  }

  setRead(m: MemberState, seq: number): void {
    m.lastReadSeq = seq;
    this.sql.exec("UPDATE members SET last_read_seq = ? WHERE user_id = ?", seq, m.userId);
  }

  saveCursor(m: MemberState): void {
    this.sql.exec("UPDATE members SET delivered_ev = ? WHERE user_id = ?", m.acked, m.userId);
  }

  /** A page of the current members ordered by lower-cased username, after `after` (compared ignoring case). */
  page(after: string | undefined, limit: number): { members: MemberEntry[]; has_more: boolean } {
    const rows = this.sql
      .exec<{ username: string; role: string }>(
        `SELECT username, role FROM members WHERE left_ev IS NULL ${after === undefined ? "" : "AND lower(username) > lower(?)"} ORDER BY lower(username) LIMIT ?`,
        ...(after === undefined ? [] : [after]), limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit).map((r) => ({ username: r.username, role: r.role as MemberEntry["role"] }));
    return { members: page, has_more: rows.length > limit };
  }

  /** Current members in the order they joined, for the member list. */
  ordered(): MemberState[] {
    return this.current().sort((a, b) => a.joinedEv - b.joinedEv || a.username.localeCompare(b.username));
  }
}
