// 15c. A user's log at its bound (issue 24): after more than LOG_KEEP_UPDATES updates, a
// `sync` from the oldest pts still kept answers as fast as one from a recent pts (100
// updates each). The
// oldest kept pts is found by halving: a sync from before it answers `too_long`.
import type { LocalServer } from "../../scripts/local-server";
import { flood, ok, Socket } from "../client";
import { content, settle, type U } from "../common";
import { COUNTS, DEPTH } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { ScaleResult } from "../types";

export async function logAtBound(srv: LocalServer, procs: ServerProcs, reader: U, writer: U): Promise<ScaleResult["log"]> {
  const open = (u: U) => Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(u.token)}`, u.username);
  const [r, w] = [await open(reader), await open(writer)];
  try {
    const chatId = (ok(await w.request({ mode: "createChat", username: reader.username }), "createChat").chat as { chat_id: string })
      .chat_id;
    // Each message is one update in the reader's log. The log prunes to the bound once it
    // holds twice the bound: a tenth of the bound past that, so pruning has happened.
    const updates = Math.ceil(COUNTS.logKeep * 2.1);
    let latest = 0;
    r.onFrame = (f) => {
      if (typeof f.pts === "number") latest = Math.max(latest, f.pts);
    };
    let sent = 0;
    await flood([w], updates, DEPTH, async (s, _k, n) => {
      ok(await s.request({ mode: "sendMessage", chat_id: chatId, content: content(`log-${n}`), content_type: "text" }, 60_000), "send");
      if (++sent % 200 === 0) progress(`scale: ${sent}/${updates} updates into one user's log`);
    });
    await settle(procs, "scale: the log at its bound");
    const sync = async (since: number, limit = 100) => {
      const t = performance.now();
      const a = await r.request({ mode: "sync", since, limit }, 60_000);
      return { f: ok(a, "sync"), ms: a.at - t };
    };
    if ((await sync(0, 1)).f.too_long !== true) throw new Error("scale: the log was not pruned: sync from 0 is not too_long");
    // The oldest kept pts: the least `since` that is not too_long.
    let lo = 0;
    let hi = latest;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await sync(mid, 1)).f.too_long) lo = mid;
      else hi = mid;
    }
    const oldest = hi;
    const from: number[] = [];
    const recent: number[] = [];
    for (let i = 0; i < 2 + COUNTS.syncRounds; i++) {
      const a = await sync(oldest);
      const b = await sync(latest - 100);
      if (a.f.too_long || (a.f.updates as unknown[]).length !== 100)
        throw new Error(`sync from the oldest kept pts ${oldest}: ${JSON.stringify(a.f).slice(0, 200)}`);
      if (i < 2) continue;
      from.push(a.ms);
      recent.push(b.ms);
      progress(`scale: sync from the oldest kept pts and from a recent one, ${i - 1}/${COUNTS.syncRounds}`);
    }
    const o = dist(from);
    const n = dist(recent);
    return { keep: COUNTS.logKeep, updates: latest, oldestKept: oldest, oldest: o, recent: n, ratio: round(o.p50 / n.p50, 2) };
  } finally {
    await Promise.all([r.close(), w.close()]);
  }
}
