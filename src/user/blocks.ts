// Blocking. The blocker's user object owns the list (`blocks`). The blocked user's object
// keeps a copy of who blocks them (`blocked_by`), written by the blocker's object before
// the block is answered, so every check sits where the blocked user acts and costs no
// call: on their side, a direct chat with a blocker (createChat, sendMessage, edits) and
// adding a blocker to a group are refused with 403 forbidden; on the blocker's side, the
// blocked user's typing is dropped. Nothing else shows a block to the blocked user.
import { usersByName } from "../accounts";
import { ApiError, forbidden } from "../contract/errors";
import type { User } from "../contract/protocol";

interface BlockRow extends Record<string, SqlStorageValue> {
  user_id: string;
  username: string;
}

export class Blocks {
  /** Whom this user blocks: lower-cased username → user (read when first asked). */
  private blockingRead: Map<string, User> | null = null;
  /** Who blocks this user: lower-cased usernames (read when first asked). */
  private blockersRead: Set<string> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
    private readonly clock: { now(): number },
  ) {}

  /** Test-only: whether either list has been read yet. */
  get loaded(): boolean {
    return this.blockingRead !== null || this.blockersRead !== null;
  }

  // Read when first asked, not when the object starts: a socket that only connects asks neither.
  private get blocking(): Map<string, User> {
    this.blockingRead ??= new Map(
      this.sql
        .exec<BlockRow>("SELECT user_id, username FROM blocks")
        .toArray()
        .map((r) => [r.username.toLowerCase(), { id: r.user_id, username: r.username }]),
    );
    return this.blockingRead;
  }

  private get blockers(): Set<string> {
    this.blockersRead ??= new Set(
      this.sql
        .exec<BlockRow>("SELECT username FROM blocked_by")
        .toArray()
        .map((r) => r.username.toLowerCase()),
    );
    return this.blockersRead;
  }

  // ---- The modes ----

  async block(me: User, username: string): Promise<void> {
    if (username.toLowerCase() === me.username.toLowerCase())
      throw new ApiError(400, "invalid_request", "you cannot block yourself", { username: "is you" });
    const target = this.blocking.get(username.toLowerCase()) ?? (await this.resolve(username));
    // Told first, stored second: a failure leaves the block unmade on both sides, and a
    // repeated block tells again.
    await this.userObject(target.id).setBlockedBy(me, true);
    this.sql.exec("INSERT OR IGNORE INTO blocks (user_id, username, at) VALUES (?, ?, ?)", target.id, target.username, this.clock.now());
    this.blocking.set(target.username.toLowerCase(), target);
  }

  async unblock(me: User, username: string): Promise<void> {
    const target = this.blocking.get(username.toLowerCase());
    // Not blocked: nothing to undo, as long as the user exists.
    if (!target) return void (await this.resolve(username));
    await this.userObject(target.id).setBlockedBy(me, false);
    this.sql.exec("DELETE FROM blocks WHERE user_id = ?", target.id);
    this.blocking.delete(target.username.toLowerCase());
  }

  list(): string[] {
    return [...this.blocking.values()].map((u) => u.username).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  }

  /** The users this user blocks (deleting the account unblocks them all). */
  blocked(): User[] {
    return [...this.blocking.values()];
  }

  // ---- The copy on the blocked user's side ----

  /** Another user's object says it blocks (or no longer blocks) this user. */
  setBlockedBy(blocker: User, on: boolean): void {
    if (on) {
      this.sql.exec("INSERT OR REPLACE INTO blocked_by (user_id, username) VALUES (?, ?)", blocker.id, blocker.username);
      this.blockers.add(blocker.username.toLowerCase());
    } else {
      this.sql.exec("DELETE FROM blocked_by WHERE user_id = ?", blocker.id);
      this.blockers.delete(blocker.username.toLowerCase());
    }
  }

  // ---- Checks ----

  /** This user blocks `username`: their typing is not shown. */
  blocks(username: string): boolean {
    return this.blocking.size > 0 && this.blocking.has(username.toLowerCase());
  }

  /** 403 when any of these users blocks this user (a direct chat with them, adding them to a group). */
  refuseBlockers(usernames: Array<string | undefined>): void {
    if (!this.blockers.size) return;
    if (usernames.some((u) => u !== undefined && this.blockers.has(u.toLowerCase())))
      throw forbidden("you cannot start a chat with, write to or add this user");
  }

  /** The same for a direct chat's other member: looked up only if anyone blocks this user (sends ask on every message). */
  refusePeer(peer: () => string | undefined): void {
    if (this.blockers.size) this.refuseBlockers([peer()]);
  }

  private async resolve(username: string): Promise<User> {
    const user = (await usersByName(this.env, [username])).get(username.toLowerCase());
    if (!user) throw new ApiError(404, "user_not_found", `no user ${username}`, { username: "is unknown" });
    return user;
  }

  private userObject(userId: string) {
    return this.env.USERS.get(this.env.USERS.idFromName(userId));
  }
}
