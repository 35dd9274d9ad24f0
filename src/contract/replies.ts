// Replies, reactions and mentions (../shared/protocol.md, "Replies, reactions and
// mentions"): their schemas, the one-emoji rule, and a reply's preview. protocol.ts puts
// these into Message and the request table; this file imports nothing of the service, so
// the chat object, the user object and the client library compute the same preview.
import { z } from "zod";

/** A reply's preview: the original's first 100 characters (code points). */
export const PREVIEW_CHARS = 100;
/** Reactions one user may put on a message, and distinct emojis a message may carry. */
export const MAX_REACTIONS_PER_USER = 3;
export const MAX_EMOJIS = 20;
export const MAX_EMOJI_BYTES = 32;
/** Usernames one send or edit may mention. */
export const MAX_MENTIONS = 50;
export const MAX_REACTIONS_PAGE = 200;

export const ReplyTo = z.object({
  seq: z.number().int(),
  sender: z.string(),
  preview: z.string(),
  deleted: z.literal(true).optional(),
});
export type ReplyTo = z.infer<typeof ReplyTo>;

/** A message's reactions; `mine` only in answers (a push names who reacted instead). */
export const Reaction = z.object({ emoji: z.string(), count: z.number().int(), mine: z.boolean().optional() });
export type Reaction = z.infer<typeof Reaction>;

// A single grapheme cluster that is an emoji: a pictograph (with its variation selector,
// skin tone or ZWJ sequence), a flag or a keycap. Built at run time: the web app's
// TypeScript target does not take the `v` flag in a literal.
// biome-ignore lint/complexity/useRegexLiterals: see above
const RGI_EMOJI = new RegExp("^\\p{RGI_Emoji}$", "v");
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

export function isOneEmoji(s: string): boolean {
  if (!s || new TextEncoder().encode(s).length > MAX_EMOJI_BYTES) return false;
  let n = 0;
  for (const _ of segmenter.segment(s)) if (++n > 1) return false;
  return RGI_EMOJI.test(s);
}

export const emoji = z.string().refine(isOneEmoji, `must be one emoji (a single grapheme cluster, at most ${MAX_EMOJI_BYTES} bytes)`);
export const mentions = z.array(z.string().min(1).max(256)).max(MAX_MENTIONS, `at most ${MAX_MENTIONS} names a message`).optional();

/** What a reply shows of its original: its current text's start, or the file's name; nothing once deleted. */
export function replyPreview(original: {
  seq: number;
  sender: string;
  content: string;
  deleted?: true;
  attachment?: { name: string };
}): ReplyTo {
  const { seq, sender } = original;
  if (original.deleted) return { seq, sender, preview: "", deleted: true };
  const text = original.content === "" && original.attachment ? original.attachment.name : original.content;
  return { seq, sender, preview: Array.from(text).slice(0, PREVIEW_CHARS).join("") };
}
