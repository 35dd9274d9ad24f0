// What a large group still has to write in particular members' logs. Its messages are
// never written there (members read them from the chat), but a few events are each one
// member's own: joining (chatCreated), leaving (removedFromChat) and their own reads
// (readReceipt), and the messages that mention them (mentioned). Those wait here, per member, until that member's user object has
// applied them; member-logs.ts delivers them with the same rules as everything else.
import type { ChatEvent } from "../events";

/** The message whose text a waiting entry carries: a joiner's last message, or a mention's. */
function textOf(e: ChatEvent): number | null {
  if (e.kind === "chat") return e.chat.last_message != null ? e.chat.last_seq : null;
  return e.kind === "mentioned" ? e.seq : null;
}

export class LogQueue {
  /** Members with something waiting. */
  private waiting = new Set<string>();
  /** Test-only: the rows the last rewriteText read and wrote. */
  lastRewrite = { read: 0, written: 0 };

  constructor(private readonly sql: SqlStorage) {
    for (const r of sql.exec<{ user_id: string }>("SELECT DISTINCT user_id FROM log_queue")) this.waiting.add(r.user_id);
  }

  /** The same event for each of these members, in one statement (1,000 joiners of an addMembers). */
  add(userIds: string[], event: ChatEvent): void {
    const { origin: _origin, ...stored } = event;
    this.sql.exec(
      "INSERT INTO log_queue (user_id, data, msg_seq) SELECT value, ?, ? FROM json_each(?)",
      JSON.stringify(stored),
      textOf(event),
      JSON.stringify(userIds),
    );
    for (const id of userIds) this.waiting.add(id);
  }

  /** Members with something waiting (after a restart: whom to deliver to). */
  members(): string[] {
    return [...this.waiting];
  }

  has(userId: string): boolean {
    return this.waiting.has(userId);
  }

  /** The oldest `max` waiting for a member, and the id up to which they reach. */
  next(userId: string, max: number): { events: ChatEvent[]; upTo: number } {
    const rows = this.sql
      .exec<{ id: number; data: string }>("SELECT id, data FROM log_queue WHERE user_id = ? ORDER BY id LIMIT ?", userId, max)
      .toArray();
    return { events: rows.map((r) => JSON.parse(r.data) as ChatEvent), upTo: rows.at(-1)?.id ?? 0 };
  }

  /**
   * Message `seq` changed: a waiting chatCreated that carries it as the last message, or a
   * waiting mention of it, carries `message` instead. Found by index: an edit reads those
   * entries only, however many are waiting.
   */
  rewriteText(seq: number, message: string): void {
    const c = this.sql.exec(
      `UPDATE log_queue SET data = CASE WHEN data ->> '$.kind' = 'chat' THEN json_set(data, '$.chat.last_message', ?1)
         ELSE json_set(data, '$.message', ?1) END
       WHERE msg_seq = ?2`,
      message,
      seq,
    );
    c.toArray();
    this.lastRewrite = { read: c.rowsRead, written: c.rowsWritten };
  }

  /** The member's user object has applied everything up to `upTo`. */
  done(userId: string, upTo: number): void {
    this.sql.exec("DELETE FROM log_queue WHERE user_id = ? AND id <= ?", userId, upTo);
    if (!this.sql.exec("SELECT 1 FROM log_queue WHERE user_id = ? LIMIT 1", userId).toArray().length) this.waiting.delete(userId);
  }
}
