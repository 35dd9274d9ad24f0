// Reactions on the chat's messages: who reacted with what (`reactions`), and each message's
// counts in the order each emoji first came (`messages.reactions`, so a page of messages
// reads no other table for them). A change that changes nothing stores nothing.
import { ApiError } from "../contract/errors";
import { MAX_EMOJIS, MAX_REACTIONS_PER_USER, type Message, type Reaction } from "../contract/protocol";
import type { MessageRow } from "./messages";

type Counts = { emoji: string; count: number }[];

export class Reactions {
  constructor(private readonly sql: SqlStorage) {}

  /** Adds or takes away a member's emoji on a message: the new counts, or null when nothing changed. */
  change(userId: string, username: string, row: MessageRow, emoji: string, add: boolean): Counts | null {
    const mine = this.sql
      .exec<{ emoji: string }>("SELECT emoji FROM reactions WHERE seq = ? AND user_id = ?", row.seq, userId)
      .toArray()
      .map((r) => r.emoji);
    if (mine.includes(emoji) === add) return null;
    const counts = JSON.parse(row.reactions ?? "[]") as Counts;
    const entry = counts.find((c) => c.emoji === emoji);
    if (add) {
      if (mine.length >= MAX_REACTIONS_PER_USER)
        throw new ApiError(400, "invalid_request", `a user has at most ${MAX_REACTIONS_PER_USER} reactions on a message`, {
          emoji: `you have ${MAX_REACTIONS_PER_USER} reactions on this message already`,
        });
      if (!entry && counts.length >= MAX_EMOJIS)
        throw new ApiError(400, "invalid_request", `a message has at most ${MAX_EMOJIS} distinct emojis`, {
          emoji: `this message has ${MAX_EMOJIS} emojis already`,
        });
      this.sql.exec("INSERT INTO reactions (seq, emoji, user_id, username) VALUES (?, ?, ?, ?)", row.seq, emoji, userId, username);
      if (entry) entry.count++;
      else counts.push({ emoji, count: 1 });
    } else {
      this.sql.exec("DELETE FROM reactions WHERE seq = ? AND user_id = ? AND emoji = ?", row.seq, userId, emoji);
      if (entry && --entry.count <= 0) counts.splice(counts.indexOf(entry), 1);
    }
    row.reactions = counts.length ? JSON.stringify(counts) : null;
    this.sql.exec("UPDATE messages SET reactions = ? WHERE seq = ?", row.reactions, row.seq);
    return counts;
  }

  /** A deleted message keeps no reactions. */
  clear(seq: number): void {
    this.sql.exec("DELETE FROM reactions WHERE seq = ?", seq);
    this.sql.exec("UPDATE messages SET reactions = NULL WHERE seq = ?", seq);
  }

  /** Messages as `userId` gets them in an answer: each reaction says whether it is theirs. */
  mark(messages: Message[], userId: string): Message[] {
    const seqs = messages.filter((m) => m.reactions).map((m) => m.seq);
    if (!seqs.length) return messages;
    const mine = new Set(
      this.sql
        .exec<{ seq: number; emoji: string }>(
          "SELECT seq, emoji FROM reactions WHERE user_id = ? AND seq IN (SELECT value FROM json_each(?))",
          userId,
          JSON.stringify(seqs),
        )
        .toArray()
        .map((r) => `${r.seq} ${r.emoji}`),
    );
    for (const m of messages)
      if (m.reactions) m.reactions = m.reactions.map((r): Reaction => ({ ...r, mine: mine.has(`${m.seq} ${r.emoji}`) }));
    return messages;
  }

  /** getReactions: who reacted, by lower-cased name; a page never splits one user's reactions (unless they fill it). */
  page(seq: number, emoji: string | undefined, after: string | undefined, limit: number) {
    const where = ["seq = ?"];
    const args: (string | number)[] = [seq];
    if (emoji !== undefined) {
      where.push("emoji = ?");
      args.push(emoji);
    }
    if (after !== undefined) {
      where.push("lower(username) > lower(?)");
      args.push(after);
    }
    const rows = this.sql
      .exec<{ username: string; emoji: string }>(
        `SELECT username, emoji FROM reactions WHERE ${where.join(" AND ")} ORDER BY lower(username), emoji LIMIT ?`,
        ...args,
        limit + 1,
      )
      .toArray();
    let page = rows.slice(0, limit);
    const more = rows.length > limit;
    if (more) {
      const cut = rows[limit]!.username;
      const whole = page.filter((r) => r.username !== cut);
      if (whole.length) page = whole;
    }
    return { reactions: page.map((r) => ({ username: r.username, emoji: r.emoji })), has_more: more };
  }
}
