// searchMessages in one chat: a large group indexes its messages once, here, and each of
// its members' searches asks it (the user object fans out to its large groups). A direct
// chat or small group keeps its index too, so a group that becomes large is searchable
// from its first message without re-reading its history, and a member who joined a small
// group late finds what was said before (their own index starts at their joining).
import type { SearchResult } from "../contract/protocol";
import { matchExpression, snippet, type Scope } from "../search";
import { toMessage, type MessageRow, type Messages } from "./messages";

/** The newest `limit` messages of the chat matching `query`, older than `before`, up to message `upToSeq` if given. */
export function searchChat(messages: Messages, chatId: string, query: string, limit: number, scope: Scope): SearchResult[] {
  const match = matchExpression(query);
  if (!match) return [];
  const hits = messages.search.find(match, limit, scope);
  if (!hits.length) return [];
  const rows = new Map(messages.bySeqs(hits.map((h) => h.seq)).map((r: MessageRow) => [r.seq, r]));
  return hits.flatMap((h) => {
    const row = rows.get(h.seq);
    if (!row || row.deleted) return [];
    const message = toMessage(chatId, row);
    return [{ chat_id: chatId, message, snippet: snippet(message.content, query) }];
  });
}
