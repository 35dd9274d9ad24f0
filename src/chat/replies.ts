// Replies and mentions on the chat's side: what a reply shows of its original (checked when
// it is sent, rewritten whenever the original changes, through the same path as an edit's
// text), and the names a message mentions (only members', as they spell them).
import { ApiError } from "../contract/errors";
import { type Message, type ReplyTo, replyPreview } from "../contract/protocol";
import type { EventLog } from "./event-log";
import type { Fanout } from "./fanout";
import type { Members } from "./members";
import { type MessageRow, type Messages, toMessage } from "./messages";

/** What a new reply to message `seq` shows of it; a missing or deleted original is refused. */
export function replyTo(messages: Messages, chatId: string, seq: number | undefined): ReplyTo | undefined {
  if (seq === undefined) return undefined;
  const row = messages.get(seq);
  if (!row || row.deleted)
    throw new ApiError(400, "invalid_request", `there is no message ${seq} to reply to`, {
      reply_to: row ? "that message was deleted" : "no message with this seq in this chat",
    });
  return replyPreview(toMessage(chatId, row));
}

/** The members among `names`: as they spell them, in the order named, and their ids; undefined when none were asked. */
export function mentioned(members: Members, names: string[] | undefined): { usernames: string[]; ids: string[] } | undefined {
  if (names === undefined) return undefined;
  const found = new Map(names.length ? members.named(names).map((m) => [m.username.toLowerCase(), m]) : []);
  const named = [...new Set(names.flatMap((n) => found.get(n.toLowerCase()) ?? []))];
  return { usernames: named.map((m) => m.username), ids: named.map((m) => m.userId) };
}

/**
 * `original` changed (edited or deleted): every reply to it shows it as it is now, in its
 * row and in every stored copy of the reply (the chat's events, and members' logs where a
 * large group's fan-out says so), exactly as an edit's own text is rewritten.
 */
export function rewriteReplies(original: Message, p: { messages: Messages; events: EventLog; fanout: Fanout }): void {
  const preview = JSON.stringify(replyPreview(original));
  for (const reply of p.messages.repliesTo(original.seq)) {
    if (reply.deleted) continue;
    const row: MessageRow = { ...reply, reply: preview };
    p.messages.setReply(row.seq, preview);
    const json = JSON.stringify(toMessage(original.chat_id, row));
    p.events.rewriteText(row.seq, json);
    p.fanout.rewritten(row.seq, json);
  }
}
