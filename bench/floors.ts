// The echo Worker kept running after the baseline, so the floors the chat phases are read
// against can be measured again right before each of them.
import type { LocalServer } from "../scripts/local-server";
import { type Frame, sleep, type Socket } from "./client";
import { cpuWindow, per } from "./common";
import { COUNTS } from "./options";
import type { ServerProcs } from "./proc";
import { progress } from "./progress";
import { dist, type Dist } from "./stats";
import type { NearFloor } from "./types";

export const shared: {
  /** The echo Worker's workerd right after start, MB. */
  echoRssMB: number;
  /** The workerd build seen serving a Worker in this run. */
  workerdSeen: string;
  /**
   * The echo Worker, kept running after the baseline so that the floors the chat phases are
   * read against can be measured again right before each of them: on a shared machine the
   * load drifts over a run, and a floor from minutes earlier can be off by several times.
   */
  echo: { srv: LocalServer; procs: ServerProcs; sock: Socket } | null;
} = { echoRssMB: NaN, workerdSeen: "unknown", echo: null };

/** The N-RPC floor without writes, measured now; `read`: each of the N objects reads one row. */
export async function floorBeside(members: number, rounds: number, what: string, read = false): Promise<NearFloor | undefined> {
  const echo = shared.echo;
  if (!echo) return undefined;
  const f = { mode: "fan", n: members, write: false, ...(read && { read: true }) };
  for (let i = 0; i < 3; i++) ok2(await echo.sock.request(f, 120_000));
  const lat: number[] = [];
  const stop = cpuWindow(echo.procs);
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const r = await echo.sock.request(f, 120_000);
    ok2(r);
    lat.push(r.at - t);
    progress(`${what}: the ${members}-RPC floor beside it, ${i + 1}/${rounds}`);
  }
  return { members, call: dist(lat), workerUsPerCall: per(stop().workerUs, rounds * members) };
}

/** The two-storing-hop floor at the direct phase's pace, measured now. */
export async function chainBeside(): Promise<Dist | undefined> {
  const echo = shared.echo;
  if (!echo) return undefined;
  const interval = 1000 / COUNTS.directRate;
  const lat: number[] = [];
  const t1 = performance.now();
  for (let i = 0; i < COUNTS.pacedRounds; i++) {
    await sleep(t1 + i * interval - performance.now());
    const t = performance.now();
    const r = await echo.sock.request({ mode: "chain" });
    ok2(r);
    lat.push(r.at - t);
    if (i % 50 === 0) progress(`direct chat: the two-storing-hop floor beside it, ${i}/${COUNTS.pacedRounds}`);
  }
  return dist(lat);
}

/** An echo answers with the frame it was sent: anything with our request_id is fine. */
export function ok2(r: { frame: Frame }): void {
  if (!["echo", "fan", "chain", "hubfan"].includes(r.frame.mode)) throw new Error(`echo answered ${JSON.stringify(r.frame).slice(0, 200)}`);
}
