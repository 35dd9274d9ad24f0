// 6. Memory with many idle users.
import type { LocalServer } from "../../scripts/local-server";
import { ok, pool, sleep } from "../client";
import { closeAll, connect, cpuWindow, mb, per, type U } from "../common";
import { COUNTS } from "../options";
import { rssBytes, type ServerProcs } from "../proc";
import { progress } from "../progress";
import { round } from "../stats";
import type { Idle } from "../types";

export async function idle(srv: LocalServer, procs: ServerProcs, users: U[], usedBefore: number): Promise<Idle> {
  const n = Math.min(COUNTS.idleUsers, users.length);
  // Users no earlier phase connected have no object in memory yet: connecting them first
  // shows what one more online user costs; then everyone else joins them.
  const fresh = users.slice(Math.min(usedBefore, n), n);
  const rest = users.slice(0, Math.min(usedBefore, n));
  await sleep(1_000);
  const before = rssBytes(procs.worker);
  const end = cpuWindow(procs);
  const t0 = performance.now();
  const socks = await connect(srv, fresh, "idle users (not seen before)");
  try {
    const freshMs = performance.now() - t0;
    const cpu = end();
    const afterFresh = rssBytes(procs.worker);
    socks.push(...(await connect(srv, rest, "idle users (seen in earlier phases)")));
    const connected = rssBytes(procs.worker);
    const settle = performance.now() + COUNTS.idleSettleMs;
    while (performance.now() < settle) {
      progress(`idle users: ${n} connected, settling ${((settle - performance.now()) / 1000).toFixed(0)} s`);
      await sleep(250);
    }
    const idleRss = rssBytes(procs.worker);
    const alive = socks.filter((s) => !s.closed).length;
    if (alive !== n) throw new Error(`${n - alive} of ${n} idle sockets were closed`);
    // Still answered after idling: one request on a sample of sockets.
    await pool(
      socks.filter((_, i) => i % Math.max(1, Math.floor(n / 20)) === 0),
      8,
      async (s) => void ok(await s.request({ mode: "ping" }), "ping"),
    );
    return {
      users: n,
      freshUsers: fresh.length,
      connectMs: round(freshMs, 0),
      connectsPerSec: round(fresh.length / (freshMs / 1000), 0),
      settleMs: COUNTS.idleSettleMs,
      rssBeforeMB: mb(before),
      rssConnectedMB: mb(connected),
      rssIdleMB: mb(idleRss),
      proxyRssIdleMB: mb(rssBytes(procs.proxy)),
      kbPerFreshUser: fresh.length ? round((afterFresh - before) / 1024 / fresh.length, 1) : NaN,
      workerUsPerConnect: per(cpu.workerUs, fresh.length),
    };
  } finally {
    progress(`idle users: closing ${n} sockets`);
    await closeAll(socks);
  }
}
