// Keeping a client's copy of messages current: a `reactionChanged` push gives the message's
// new counts (and who changed them, which tells whether "mine" moved), and an original's
// edit or delete changes what the replies to it show. Pure: reactions.test.ts runs it.
import { type Message, type Reaction, type ReactionChange, replyPreview } from "../contract/protocol";

/** `message` after a reactionChanged push (the same message when the push is about another one). `me`: your username. */
export function withReaction(message: Message, push: ReactionChange, me: string): Message {
  if (message.chat_id !== push.chat_id || message.seq !== push.seq) return message;
  const mine = new Set((message.reactions ?? []).filter((r) => r.mine).map((r) => r.emoji));
  if (push.username === me) {
    if (push.added) mine.add(push.emoji);
    else mine.delete(push.emoji);
  }
  const reactions = push.reactions.map((r): Reaction => ({ ...r, mine: mine.has(r.emoji) }));
  const { reactions: _old, ...rest } = message;
  return reactions.length ? { ...rest, reactions } : rest;
}

/** A reply after its original changed (an edit or delete push of `original`); other messages as they are. */
export function withReplyPreview(message: Message, original: Message): Message {
  if (message.chat_id !== original.chat_id || message.reply_to?.seq !== original.seq) return message;
  return { ...message, reply_to: replyPreview(original) };
}
