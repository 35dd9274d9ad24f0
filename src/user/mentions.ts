// Messages that mention the user: the ones that count for Chat.unread_mentions (those after
// the read position, which the chat list's query counts). Kept from the messages the user
// object applies: a new one that names the user, an edit that adds or drops the name, a
// delete; in a large group, the `mentioned` entries in the user's own log, and the rewrites
// of those messages it asks for when they are edited or deleted (inbox.ts, rewriteText).
import { Message, type User } from "../contract/protocol";

export class Mentions {
  constructor(private readonly sql: SqlStorage) {}

  /** Message `seq` of `chatId` is now `message` (JSON). `fresh`: a new message (nothing to take back). */
  seen(me: User, chatId: string, seq: number, message: string, fresh: boolean): void {
    // Most messages mention nobody: they cost no parse and, when new, no statement.
    if (fresh && !message.includes('"mentions"')) return;
    const m = Message.safeParse(parse(message));
    const counts = m.success && !m.data.deleted && m.data.sender !== me.username && !!m.data.mentions?.includes(me.username);
    if (counts) this.sql.exec("INSERT OR IGNORE INTO mentions (chat_id, seq) VALUES (?, ?)", chatId, seq);
    else if (!fresh) this.forget(chatId, seq);
  }

  private forget(chatId: string, seq: number): void {
    this.sql.exec("DELETE FROM mentions WHERE chat_id = ? AND seq = ?", chatId, seq);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
