// What a reply shows of its original, on the receiving side: when the original's edit or
// delete is applied, every reply to it in the log's texts and the chat list shows it so
// (update-log.ts, chat-list.ts), so sync never replays a preview of text that is gone.
import { Message, replyPreview } from "../contract/protocol";

/** The ReplyTo (JSON) that replies to this message (a Message as JSON) show, or null if it is not one. */
export function previewOf(message: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  const m = Message.safeParse(parsed);
  return m.success ? JSON.stringify(replyPreview(m.data)) : null;
}
