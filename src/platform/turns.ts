// Many calls to other objects, made a few at a time (`pooled`), or each after a timer turn
// too (`inTurns`).
//
// Why the turn: a call between two objects of one runtime completes without waiting on any
// I/O, so a chain of them (one finishing starts the next) keeps the runtime's event loop
// busy, and it does not read its sockets until the chain ends. Measured locally: a user in
// 500 large groups, whose object tells every group it came online, had the getChats sent
// right after connecting delivered only once all 500 were told (330–560 ms after the socket
// opened); with a timer turn before each call, 14–47 ms after (bench/tried.md). A turn
// costs a timer per call.

/**
 * Runs `work` on each of `items`, at most `atOnce` at a time. A pool, not rounds of
 * `atOnce`: a slow item holds up one slot, not the next round.
 */
export async function pooled<T>(items: readonly T[], atOnce: number, work: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const slot = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, slot));
}

/**
 * `pooled`, each call after a timer turn; `go` is asked before each item (false: the rest
 * are skipped). `work` handles its own errors: one that throws ends its slot and rejects
 * the whole.
 */
export function inTurns<T>(
  items: readonly T[],
  atOnce: number,
  work: (item: T) => Promise<unknown>,
  go: () => boolean = () => true,
): Promise<void> {
  let stopped = false;
  return pooled(items, atOnce, async (item) => {
    if (stopped) return;
    await turn();
    if (!go()) stopped = true;
    else await work(item);
  });
}

const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
