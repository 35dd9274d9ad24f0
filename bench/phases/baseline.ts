// 1. Baseline: the bare echo Durable Object.
import { startLocalServer } from "../../scripts/local-server";
import { flood, pool, sleep, Socket, until } from "../client";
import { closeAll, cpuWindow, mb, per } from "../common";
import { ok2, shared } from "../floors";
import { CONNECT_CONCURRENCY, COUNTS, DEPTH, HUB_COUNTS } from "../options";
import { rssBytes, serverProcs, workerdVersion } from "../proc";
import { progress } from "../progress";
import { dist, type Dist, round } from "../stats";
import type { Baseline, HubFanout, RpcFanout } from "../types";

export async function baseline(): Promise<Baseline> {
  progress("baseline: starting the echo Worker");
  const srv = await startLocalServer({ config: "bench/echo/wrangler.toml" });
  const socks: Socket[] = [];
  let kept = false;
  try {
    const procs = serverProcs(srv.pid!, srv.port);
    if (procs.worker[0]) shared.workerdSeen = workerdVersion(procs.worker[0]);
    shared.echoRssMB = mb(rssBytes(procs.worker));
    const frame = { mode: "echo", pad: "x".repeat(52) };
    const frameBytes = Buffer.byteLength(JSON.stringify({ ...frame, request_id: "r1000" }));
    socks.push(await Socket.open(srv.wsUrl, "echo-rtt"));
    const s = socks[0]!;
    for (let i = 0; i < 200; i++) ok2(await s.request(frame));
    const rtt: number[] = [];
    for (let i = 0; i < COUNTS.echoRtt; i++) {
      const t = performance.now();
      const r = await s.request(frame);
      rtt.push(r.at - t);
      if (i % 100 === 0) progress(`baseline: echo round trips ${i}/${COUNTS.echoRtt}`);
    }
    for (let i = 1; i < COUNTS.echoSockets; i++) socks.push(await Socket.open(srv.wsUrl, `echo-${i}`));
    for (const x of socks) for (let i = 0; i < 50; i++) ok2(await x.request(frame));
    let sent = 0;
    const total = COUNTS.echoSockets * COUNTS.echoPerSocket;
    const end = cpuWindow(procs);
    const t0 = performance.now();
    await flood(socks, COUNTS.echoPerSocket, DEPTH, async (x) => {
      ok2(await x.request(frame));
      if (++sent % 500 === 0) progress(`baseline: echo frames ${sent}/${total} (${COUNTS.echoSockets} sockets x ${DEPTH} in flight)`);
    });
    const secs = (performance.now() - t0) / 1000;
    const cpu = end();
    // The direct phase sends at a steady rate, not back to back (a frame after a pause can be
    // answered more slowly): the same frames at that pace, and at that pace the two storing
    // hops a direct message needs.
    const paced = async (f: Record<string, unknown>, what: string): Promise<Dist> => {
      const n = COUNTS.pacedRounds;
      const interval = 1000 / COUNTS.directRate;
      const lat: number[] = [];
      const t1 = performance.now();
      for (let i = 0; i < n; i++) {
        await sleep(t1 + i * interval - performance.now());
        const t = performance.now();
        const r = await s.request(f);
        ok2(r);
        lat.push(r.at - t);
        if (i % 50 === 0) progress(`baseline: ${what} at ${COUNTS.directRate}/s ${i}/${n}`);
      }
      return dist(lat);
    };
    for (let i = 0; i < 20; i++) ok2(await s.request({ mode: "chain" }));
    const pacedRtt = await paced(frame, "echo round trips");
    const pacedChain = await paced({ mode: "chain" }, "two storing hops");
    // The floor of a fan-out with an object per member: one frame, N RPCs at once, echoed after.
    const rpcFanout: RpcFanout[] = [];
    const floors: [number, number][] = [
      [1, COUNTS.rpcOneRounds],
      [COUNTS.fanoutSmall, COUNTS.rpcSmallRounds],
      [COUNTS.largeOnline, COUNTS.rpcLargeRounds],
      [COUNTS.fanoutLarge, COUNTS.rpcLargeRounds],
    ];
    for (const [members, rounds] of floors.filter(([n], i, all) => all.findIndex(([m]) => m === n) === i)) {
      const row: Partial<RpcFanout> = { members };
      for (const write of [false, true]) {
        const f = { mode: "fan", n: members, write };
        for (let i = 0; i < 3; i++) ok2(await s.request(f, 120_000));
        const lat: number[] = [];
        const stop = cpuWindow(procs);
        for (let i = 0; i < rounds; i++) {
          const t = performance.now();
          const r = await s.request(f, 120_000);
          ok2(r);
          lat.push(r.at - t);
          progress(`baseline: ${members} RPCs per frame${write ? ", a row written by each" : ""}: ${i + 1}/${rounds}`);
        }
        const c = stop();
        if (write) {
          row.write = dist(lat);
          row.workerUsPerCallWrite = per(c.workerUs, rounds * members);
        } else {
          row.call = dist(lat);
          row.workerUsPerCall = per(c.workerUs, rounds * members);
        }
      }
      rpcFanout.push(row as RpcFanout);
    }
    // The alternative design's fan-out: the members' sockets held by K hub objects.
    const hubFanout: HubFanout[] = [];
    for (const k of HUB_COUNTS) {
      const members = COUNTS.fanoutSmall;
      const arrived = new Map<string, number>();
      let round = "";
      const hubSocks = await pool(
        Array.from({ length: members }, (_, i) => i),
        CONNECT_CONCURRENCY,
        (i) => Socket.open(`${srv.wsUrl}?hub=${k}-${i % k}&user=u${i}`, `hub-${k}-u${i}`),
      );
      socks.push(...hubSocks);
      for (const h of hubSocks)
        h.onFrame = (f, at) => {
          if (f.request_id === round) arrived.set(h.name, at);
        };
      const f = { mode: "hubfan", k };
      const lat: number[] = [];
      const stop = cpuWindow(procs);
      for (let i = -3; i < COUNTS.rpcSmallRounds; i++) {
        arrived.clear();
        const t = performance.now();
        const p = s.request(f, 120_000);
        round = `r${s.sent - 1}`;
        ok2(await p);
        await until(() => arrived.size === members, 30_000, `the hub fan-out to reach ${members} sockets`);
        if (i >= 0) lat.push(Math.max(...arrived.values()) - t);
        progress(`baseline: fan-out to ${members} sockets held by ${k} hub objects: ${i + 1}/${COUNTS.rpcSmallRounds}`);
      }
      const c = stop();
      hubFanout.push({
        members,
        hubs: k,
        last: dist(lat),
        workerUsPerPush: per(c.workerUs, (COUNTS.rpcSmallRounds + 3) * members),
      });
      await closeAll(hubSocks);
    }
    const result: Baseline = {
      rtt: dist(rtt),
      frameBytes,
      framesPerSec: round(total / secs, 0),
      frames: total,
      sockets: COUNTS.echoSockets,
      depth: DEPTH,
      rpcFanout,
      hubFanout,
      pacedRate: COUNTS.directRate,
      pacedRtt,
      pacedChain,
      cpu: { ...cpu, workerUsPerFrame: per(cpu.workerUs, total), proxyUsPerFrame: per(cpu.proxyUs, total) },
    };
    shared.echo = { srv, procs, sock: s };
    kept = true;
    return result;
  } finally {
    await closeAll(socks.filter((x) => !kept || x !== socks[0]));
    if (!kept) await srv.stop();
  }
}
