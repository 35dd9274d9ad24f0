// The message requests: sending, editing, deleting, a page of messages, reacting, a page of
// a message's reactions, and marking read. The chat object hands each here (ChatObject.send,
// edit, remove, getMessages, react, reactionPage, markRead) inside its `catching`; each
// checks, stores and hands the change to the fan-out.
import { ApiError, forbidden } from "../contract/errors";
import type { MessageResult, SendExtra } from "../contract/objects";
import type { Attachment, Message, PayloadOf, RequestOf } from "../contract/protocol";
import type { Clock } from "../platform/clock";
import type { EventLog } from "./event-log";
import type { ChatEvent, EventBody, Member, Origin } from "./events";
import type { Fanout } from "./fanout";
import type { MemberState, Members } from "./members";
import { MAX_EDITS, toMessage, type MessageRow, type Messages } from "./messages";
import type { ChatMeta } from "./meta";
import type { Reactions } from "./reactions";
import { mentioned, replyTo, rewriteReplies } from "./replies";
import { isModerator } from "./roles";
import type { SlowMode } from "./slow-mode";
import type { Uploads } from "./uploads";

/** What the message requests use of the chat object. */
export interface MessageHost {
  meta: ChatMeta;
  members: Members;
  messages: Messages;
  events: EventLog;
  uploads: Uploads;
  slowMode: SlowMode;
  reactions: Reactions;
  clock: Clock;
  fanout(): Fanout;
  requireMember(userId: string): MemberState;
}

/** `attachment`: an image or file message, with a file the sender uploaded into this chat. */
export function sendMessage(
  h: MessageHost,
  actor: Member,
  type: "direct" | "group",
  content: string,
  clientMsgId: string | undefined,
  origin: Origin,
  attachment: { content_type: "image" | "file"; file_id: string } | undefined,
  extra: SendExtra,
): MessageResult {
  const m = h.requireMember(actor.id);
  if (h.meta.type !== type)
    throw new ApiError(
      400,
      "wrong_chat_type",
      type === "direct" ? "this is a group: use sendGroupMessage" : "this is a direct chat: use sendMessage",
    );
  if (peerDeleted(h)) throw forbidden("the other member of this chat deleted their account");
  h.slowMode.check(m, h.meta.slowModeS, h.clock.now());
  if (clientMsgId !== undefined) {
    const row = h.messages.bySenderAndClientId(actor.id, clientMsgId);
    if (row) return { message: toMessage(h.meta.chatId, row), event: h.events.ofMessage(row.seq, row.ev) };
  }
  const reply = replyTo(h.messages, h.meta.chatId, extra.reply_to);
  const mentions = mentioned(h.members, extra.mentions);
  const file = attachment && h.uploads.claim(actor.id, attachment.file_id, attachment.content_type);
  const seq = h.messages.lastSeq + 1;
  const message: Message = {
    message_id: crypto.randomUUID(),
    chat_id: h.meta.chatId,
    seq,
    sender: m.username,
    content,
    content_type: attachment?.content_type ?? "text",
    ...(file && { attachment: file }),
    timestamp: h.clock.now(),
    ...(clientMsgId !== undefined && { client_msg_id: clientMsgId }),
    ...(reply && { reply_to: reply }),
    ...(mentions?.usernames.length && { mentions: mentions.usernames }),
  };
  const event = h.fanout().publish({ kind: "newMessage", seq, sender: m.username, message: JSON.stringify(message) }, origin);
  h.messages.insert(message, actor.id, event.ev);
  h.slowMode.sent(actor.id, message.timestamp);
  if (file) h.uploads.attach(file.file_id, seq);
  if (mentions?.ids.length) h.fanout().mention(event, mentions.ids, origin);
  // Sending reads the chat up to your own message.
  h.members.setRead(m, seq);
  return { message, event };
}

export function editMessage(
  h: MessageHost,
  actorId: string,
  seq: number,
  content: string,
  origin: Origin,
  mentions?: string[],
): MessageResult {
  const row = ownMessage(h, actorId, seq);
  if (row.deleted) throw new ApiError(404, "message_not_found", `message ${seq} was deleted`);
  if (row.edits >= MAX_EDITS)
    throw new ApiError(400, "invalid_request", `message ${seq} was edited ${MAX_EDITS} times, the most a message can be`, {
      seq: `was edited ${MAX_EDITS} times already`,
    });
  row.edits++;
  row.content = content;
  row.edited_at = h.clock.now();
  const names = mentioned(h.members, mentions);
  if (names) row.mentions = names.usernames.length ? JSON.stringify(names.usernames) : null;
  const result = rewrite(h, row, "messageEdited", origin);
  if (names?.ids.length) h.fanout().mention(result.event, names.ids, origin);
  return result;
}

/** Deleting twice returns the first deletion. A message's file goes with it. A group's owner and admins delete anyone's. */
export async function deleteMessage(h: MessageHost, actorId: string, seq: number, origin: Origin): Promise<MessageResult> {
  const row = ownMessage(h, actorId, seq, true);
  if (row.deleted) return { message: toMessage(h.meta.chatId, row), event: h.events.ofMessage(row.seq, row.ev) };
  row.content = "";
  row.deleted = 1;
  h.reactions.clear(seq);
  const result = rewrite(h, row, "messageDeleted", origin);
  if (row.attachment !== null) {
    h.uploads.remove((JSON.parse(row.attachment) as Attachment).file_id);
    await h.uploads.purge();
  }
  return result;
}

export function messagePage(h: MessageHost, actorId: string, q: RequestOf<"getMessages">): PayloadOf<"getMessages"> {
  h.requireMember(actorId);
  const page = h.messages.page(h.meta.chatId, q);
  return { ...page, messages: h.reactions.mark(page.messages, actorId) };
}

export function react(
  h: MessageHost,
  actorId: string,
  seq: number,
  emoji: string,
  add: boolean,
  origin: Origin,
): { message: Message; event: ChatEvent | null } {
  const m = h.requireMember(actorId);
  const row = h.messages.get(seq);
  if (!row || row.deleted) throw new ApiError(404, "message_not_found", `no message ${seq} in this chat`);
  const reactions = h.reactions.change(actorId, m.username, row, emoji, add);
  const event = reactions && h.fanout().publish({ kind: "reaction", seq, username: m.username, emoji, added: add, reactions }, origin);
  return { message: h.reactions.mark([toMessage(h.meta.chatId, row)], actorId)[0]!, event };
}

export function reactionPage(h: MessageHost, actorId: string, q: RequestOf<"getReactions">): PayloadOf<"getReactions"> {
  h.requireMember(actorId);
  if (!h.messages.get(q.seq)) throw new ApiError(404, "message_not_found", `no message ${q.seq} in this chat`);
  return h.reactions.page(q.seq, q.emoji, q.after, q.limit ?? 100);
}

export function markRead(
  h: MessageHost,
  actorId: string,
  seq: number,
  origin: Origin,
): { last_read_seq: number; last_seq: number; event: ChatEvent | null } {
  const m = h.requireMember(actorId);
  const lastSeq = h.messages.lastSeq;
  const target = Math.min(seq, lastSeq);
  if (target <= m.lastReadSeq) return { last_read_seq: m.lastReadSeq, last_seq: lastSeq, event: null };
  h.members.setRead(m, target);
  return { last_read_seq: target, last_seq: lastSeq, event: h.fanout().read(m, target, origin) };
}

/** An edit or delete: the row, and every stored copy of the message's text, become the current message. */
function rewrite(h: MessageHost, row: MessageRow, kind: "messageEdited" | "messageDeleted", origin: Origin): MessageResult {
  const message = toMessage(h.meta.chatId, row);
  const json = JSON.stringify(message);
  rewriteReplies(message, { messages: h.messages, events: h.events, fanout: h.fanout() });
  h.events.rewriteText(row.seq, json);
  const event = h.fanout().publish({ kind, seq: row.seq, sender: row.sender, message: json } as EventBody, origin);
  row.ev = event.ev;
  h.messages.update(row);
  h.fanout().rewritten(row.seq, json);
  return { message, event };
}

/** A message the actor may change: their own, or (`moderating`, a group's owner and admins) anyone's. */
function ownMessage(h: MessageHost, actorId: string, seq: number, moderating = false): MessageRow {
  const m = h.requireMember(actorId);
  const row = h.messages.get(seq);
  if (!row) throw new ApiError(404, "message_not_found", `no message ${seq} in this chat`);
  const allowed = row.sender_id === actorId || (moderating && h.meta.type === "group" && isModerator(m));
  if (!allowed) throw new ApiError(403, "forbidden", "only the sender (or, in a group, its owner and admins) can change a message");
  return row;
}

/** A direct chat is left only by deleting the account. */
function peerDeleted(h: MessageHost): boolean {
  return h.meta.type === "direct" && h.members.count < 2;
}
