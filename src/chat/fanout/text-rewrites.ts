// Edited and deleted text in members' logs of a large group. Its messages after the switch
// are never in members' logs, but some text is: the messages from before it became large
// (and the switch's `chatUpdated`), in the logs of the members it had then, and the last
// message each later joiner's `chatCreated` carried, and the messages that mentioned a member. When such a message changes, exactly
// those user objects are asked to rewrite it (`rewriteText`), found by index, never by a scan
// of the members: a message up to the switch, the members since the switch; any other, the
// members who joined while it was the last. The asks wait in `text_rewrites` until done,
// one in flight per member through the courier, retried from the alarm.
import type { MemberState } from "../members";
import type { FanoutParts } from "./fanout";

const BACKSTOP_MS = 60_000;

export class TextRewrites {
  /** The last message's seq at the switch (what members' logs may carry), read once. */
  private switchSeq: number | null = null;

  constructor(private readonly p: FanoutParts) {
    p.alarms.register("rewrite", () => {
      const retried = new Set(p.courier.retry("rewrite"));
      for (const r of p.sql.exec<{ user_id: string }>("SELECT DISTINCT user_id FROM text_rewrites"))
        if (retried.has(r.user_id) || p.courier.free("rewrite", r.user_id)) this.pump(r.user_id);
    });
  }

  /** These members' logs got the chat with message `seq` as its last (they joined the large group). */
  joined(ms: MemberState[], seq: number): void {
    this.p.members.setLogSeq(
      ms.map((m) => m.userId),
      seq,
    );
  }

  /** Message `seq` changed: every member whose log may carry it is asked to rewrite it. */
  changed(seq: number): void {
    const targets = seq <= this.upToSwitch() ? this.p.members.since(this.p.meta.largeSince!) : [];
    targets.push(...this.p.members.joinedWithLast(seq));
    // Members it mentioned (then or now) have it in their logs.
    for (const r of this.p.sql.exec<{ user_id: string }>("SELECT user_id FROM mention_logs WHERE seq = ?", seq)) targets.push(r.user_id);
    if (!targets.length) return;
    this.p.sql.exec(
      "INSERT OR IGNORE INTO text_rewrites (user_id, seq) SELECT value, ? FROM json_each(?)",
      seq,
      JSON.stringify([...new Set(targets)]),
    );
    for (const userId of new Set(targets)) this.pump(userId);
    // A backstop: asks still waiting then (the object restarted meanwhile) go again.
    void this.p.alarms.wakeIn("rewrite", BACKSTOP_MS);
  }

  private upToSwitch(): number {
    if (this.switchSeq === null) {
      const e = this.p.events.at(this.p.meta.largeSince!);
      this.switchSeq = e.kind === "chat" ? e.chat.last_seq : 0;
    }
    return this.switchSeq;
  }

  private pump(userId: string): void {
    if (!this.p.courier.free("rewrite", userId)) return;
    const next = this.p.sql
      .exec<{ seq: number }>("SELECT seq FROM text_rewrites WHERE user_id = ? ORDER BY seq LIMIT 1", userId)
      .toArray()[0];
    if (!next) return;
    const done = () => {
      this.p.sql.exec("DELETE FROM text_rewrites WHERE user_id = ? AND seq = ?", userId, next.seq);
      this.pump(userId);
    };
    // Every target was a member (their row stays when they leave); none is asked otherwise.
    const m = this.p.members.row(userId);
    if (!m) {
      done();
      return;
    }
    const chatId = this.p.meta.chatId;
    // The message as it is when asked: a later change asks again.
    const message = this.p.messages.json(chatId, next.seq) ?? "null";
    const me = { id: userId, username: m.username };
    this.p.courier.send("rewrite", userId, (u) => u.rewriteText(me, chatId, next.seq, message), done);
  }
}
