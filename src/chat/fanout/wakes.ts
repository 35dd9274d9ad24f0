// Web Push in a large group: its messages reach no member's log, so the chat object itself
// wakes the few members a new message may notify, never scanning its members. Those are
// the members it names (mentions, and the sender of the message it replies to: looked up
// by the members_by_name index) and the members who chose the level "all" (the
// notify_all table, small: a large group's default is "mentions"). Each one's user object
// decides by its own level and sessions (user/push/); a wake is best effort, not retried.
import type { FanoutParts } from "./fanout";

/** The most members one message may wake by naming them. */
const MAX_NAMED = 100;

/** A member chose (or gave up) the level "all" in this chat. */
export function setNotifyAll(sql: SqlStorage, userId: string, all: boolean): void {
  if (all) sql.exec("INSERT OR IGNORE INTO notify_all (user_id) VALUES (?)", userId);
  else sql.exec("DELETE FROM notify_all WHERE user_id = ?", userId);
}

export class Wakes {
  constructor(private readonly p: FanoutParts) {}

  /** A new message of a large group: its user objects are told of it. */
  message(sender: string, message: string): void {
    const ids = new Set<string>();
    for (const name of named(message).slice(0, MAX_NAMED)) {
      const r = this.p.sql
        .exec<{ user_id: string }>("SELECT user_id FROM members WHERE lower(username) = lower(?) AND left_ev IS NULL", name)
        .toArray()[0];
      if (r) ids.add(r.user_id);
    }
    const all = this.p.sql.exec<{ user_id: string; username: string }>(
      "SELECT n.user_id, m.username FROM notify_all n JOIN members m ON m.user_id = n.user_id WHERE m.left_ev IS NULL",
    );
    for (const r of all) ids.add(r.user_id);
    const chatId = this.p.meta.chatId;
    for (const id of ids) {
      const m = this.p.members.current(id);
      if (!m || m.username === sender) continue;
      this.p.courier.fire(id, "push_wake_failed", (u) => u.notify({ id, username: m.username }, chatId, message));
    }
  }
}

/** The usernames a message names, read defensively (mentions and reply_to may be absent). */
function named(message: string): string[] {
  try {
    const m = JSON.parse(message) as { mentions?: unknown; reply_to?: { sender?: unknown } | null };
    const out = Array.isArray(m.mentions) ? m.mentions.filter((x): x is string => typeof x === "string") : [];
    if (m.reply_to && typeof m.reply_to.sender === "string") out.push(m.reply_to.sender);
    return out;
  } catch {
    return [];
  }
}
