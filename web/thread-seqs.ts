// A thread's loaded seqs in order, and binary search over them: where a window of the
// thread starts and ends; and loading older pages until a seq is in.
import type { ChatClient } from "edge-chat/client";
import type { Store, Thread } from "./store";

export const sortedSeqs = (thread: Thread) => [...thread.bySeq.keys()].sort((a, b) => a - b);

/** The index of the first seq at or above `seq`. */
export function lowerBound(seqs: number[], seq: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid]! < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index after the last seq at or below `seq`. */
export const upperBound = (seqs: number[], seq: number) => lowerBound(seqs, seq + 1);

/** Loads older pages of a chat until `seq` is in its thread, at most `pages` of them, with `context` messages before it. */
export async function loadUntil(
  store: Store,
  client: ChatClient,
  chatId: string,
  seq: number,
  pages: number,
  context: number,
): Promise<void> {
  const thread = store.threads.get(chatId);
  for (let i = 0; i < pages && thread?.hasOlder && Math.min(...thread.bySeq.keys()) > seq; i++) {
    const oldest = Math.min(...thread.bySeq.keys());
    store.addPage(thread, await client.getMessages({ chat_id: chatId, before_seq: oldest, limit: Math.min(200, oldest - seq + context) }));
  }
}
