// What notifies whom (the contract's "Notifications"), pure: run in Node by rules.test.ts.
import type { NotifyLevel } from "../../contract/notifications";
import type { Message } from "../../contract/protocol";

/** The first characters of a message a push may show. */
export const PREVIEW_CHARS = 100;

/** A chat's level for this user: the one they chose, else all (large groups: mentions). */
export function levelOf(chosen: string | null, large: boolean): NotifyLevel {
  return chosen === "all" || chosen === "mentions" || chosen === "none" ? chosen : large ? "mentions" : "all";
}

/**
 * Whether `message` names `me`: in its mentions, or as the sender of the message it
 * replies to. Both fields are read defensively: a message without them names no one.
 */
export function names(message: unknown, me: string): boolean {
  const m = message as { mentions?: unknown; reply_to?: { sender?: unknown } | null };
  if (Array.isArray(m.mentions) && m.mentions.includes(me)) return true;
  return typeof m.reply_to === "object" && m.reply_to !== null && m.reply_to.sender === me;
}

/** Whether a new message notifies `me` at `level` (the sender's blocks are checked by the caller). */
export function notifies(message: Message, me: string, level: NotifyLevel): boolean {
  if (message.sender === me || message.deleted || level === "none") return false;
  return level === "all" || names(message, me);
}

/** The body a push shows: sender and the first characters, or only "New message" without previews. */
export function pushBody(message: Message, previews: boolean): string {
  if (!previews) return "New message";
  const text = message.content || (message.content_type === "image" ? "Photo" : "File");
  const points = [...text];
  const cut = points.length > PREVIEW_CHARS ? `${points.slice(0, PREVIEW_CHARS).join("")}…` : text;
  return `${message.sender}: ${cut}`;
}
