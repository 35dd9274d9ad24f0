// Catching the user's log up with `sync`: with no pts yet, first where the log stands; then
// page by page from the last applied pts, each update into the log's sequencer. A pts older
// than the server keeps (too_long, retention) is given up: what the log no longer has is
// reloaded (`reload`: the chat list, and the app's threads) and the log goes on from the
// latest pts.
import type { PayloadOf, Push } from "../contract/protocol";
import type { Sequencer } from "./sequencer";

export type SyncRequest = (params: { since: number; limit: number }) => Promise<PayloadOf<"sync">>;

export async function catchUpLog(log: Sequencer<Push>, sync: SyncRequest, pageSize: number, reload: () => Promise<void>): Promise<void> {
  if (log.applied === undefined) {
    const latest = await sync({ since: Number.MAX_SAFE_INTEGER, limit: 1 });
    log.start(latest.pts);
  }
  for (;;) {
    const since = log.applied!;
    const page = await sync({ since, limit: pageSize });
    if (page.too_long) {
      log.start(page.pts);
      await reload();
      continue;
    }
    // The server's log ends before our pts: it is not the log that pts came from (another
    // account, a reset store). Following it from its end is the only way to hear anything.
    if (!page.updates.length && page.pts < since) {
      log.dropHeld();
      log.start(page.pts);
    }
    for (const u of page.updates) log.receive(u.pts, u);
    if (!page.has_more) break;
  }
}
