// `npm run bench [-- --quick] [--only=baseline,direct,group,fanout,many,idle,files,large,connect,members] [--out=DIR] [--source=REV] [--no-local-observability] [--render=results.json]`
//
// Delivery latency, throughput, fan-out and server CPU per push of the chat service, each
// read against a baseline measured in the same run on the same runtime: a bare echo
// Durable Object (bench/echo/). Starts its own `wrangler dev` servers on fresh local state,
// talks to them only over real WebSockets and POST /api on 127.0.0.1, prints a progress
// line while it runs and a table at the end, and writes the same figures to
// bench/results.json and docs/benchmarks.md (+ docs/benchmarks.svg). A --quick run
// writes to bench/out/ instead, so it never replaces the committed full-run figures.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startLocalServer, type LocalServer } from "../scripts/local-server";
import { api, flood, ok, pool, sleep, Socket, until, type Frame } from "./client";
import { cpuUs, machine, rssBytes, serverProcs, workerdVersion, writeBytes, type ServerProcs } from "./proc";
import { renderMarkdown, renderSvg, renderTable } from "./report";
import { snapshot } from "./snapshot";
import { dist, round, type Dist } from "./stats";
import type { HubFanout, RpcFanout, Baseline, Connect, CpuWindow, Direct, Fanout, Files, Group, Idle, LargeGroup, LargeGroups, Many, MembershipChange, NearFloor, Outcome, PhaseCpu, Results, Target } from "./types";

// ---- Options and counts ----

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const PHASES = ["baseline", "direct", "group", "fanout", "many", "idle", "files", "large", "connect", "members"] as const;
type Phase = (typeof PHASES)[number];
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const enabled = (p: Phase) => !only || only.includes(p);
/** Benchmark this git revision of the Worker instead of the work tree (e.g. --source=HEAD). */
const SOURCE = args.find((a) => a.startsWith("--source="))?.slice("--source=".length);
/**
 * wrangler dev (4.x) runs a local observability collector that receives every invocation's
 * trace events; it is not the runtime and not there in production, and it costs a few hundred
 * µs of CPU per invocation. Left on by default (what `wrangler dev` does); this turns it off.
 */
const NO_OBSERVABILITY = args.includes("--no-local-observability");
if (NO_OBSERVABILITY) process.env.X_LOCAL_OBSERVABILITY = "false";
const OUT = args.find((a) => a.startsWith("--out="))?.slice("--out=".length) ?? (QUICK || only || NO_OBSERVABILITY ? "bench/out" : "");
if (args.includes("--help")) {
  console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(0, 9).join("\n"));
  process.exit(0);
}

/** Every count the run uses; --quick shrinks them (documented in docs/benchmarks.md). */
const COUNTS = QUICK
  ? { echoRtt: 400, echoSockets: 8, echoPerSocket: 600, rpcOneRounds: 100, rpcSmallRounds: 10, rpcLargeRounds: 3, directMessages: 300, directRate: 100, pacedRounds: 200, groupMembers: 10, groupSenders: 4, groupPerSender: 150,
      fanoutSmall: 100, fanoutSmallMessages: 30, fanoutLarge: 200, fanoutLargeMessages: 10, manyChats: 50, manyPerChat: 10, idleUsers: 300, idleSettleMs: 2_000,
      largeMembers: 1_000, largeOnline: 100, largeMessages: 20, connectGroups: 10, connectRounds: 5, memberChanges: 10, membersSmall: 40, fileRounds: 3 }
  : { echoRtt: 2_000, echoSockets: 8, echoPerSocket: 3_000, rpcOneRounds: 500, rpcSmallRounds: 100, rpcLargeRounds: 20, directMessages: 1_000, directRate: 100, pacedRounds: 1_000, groupMembers: 10, groupSenders: 4, groupPerSender: 1_000,
      fanoutSmall: 100, fanoutSmallMessages: 200, fanoutLarge: 1_000, fanoutLargeMessages: 50, manyChats: 200, manyPerChat: 25, idleUsers: 2_000, idleSettleMs: 15_000,
      largeMembers: 5_000, largeOnline: 500, largeMessages: 50, connectGroups: 50, connectRounds: 20, memberChanges: 20, membersSmall: 40, fileRounds: 10 };
/** The server's LARGE_GROUP_MEMBERS (wrangler.toml's default): fan-out groups of 100 and 1,000 are large. */
const LARGE_AT = 50;
/** Names one createGroup or addMembers may carry. */
const NAMES_PER_REQUEST = 1_000;
/** The file that the files phase sends up and down. */
const FILE_BYTES = 10 * 2 ** 20;
/** Unacknowledged frames per socket, at most, everywhere in this benchmark. */
const DEPTH = 16;
/** How many hub objects hold the members' sockets in the baseline's alternative fan-out. */
const HUB_COUNTS = [1, 10] as const;
/** Unacknowledged messages per sender in the many-chats phase (200 chats x 4 = 800 in flight). */
const MANY_DEPTH = 4;
/** How many registrations or socket upgrades run at once during setup. */
const SETUP_CONCURRENCY = 8;
const CONNECT_CONCURRENCY = 16;
const PASSWORD = "bench-password-1";

// ---- Progress line ----

let status = "starting";
let lastPrinted = "";
const tty = process.stderr.isTTY;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s`;
const ticker = setInterval(
  () => {
    const line = `[bench ${elapsed()}] ${status}`;
    if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    else if (status !== lastPrinted) process.stderr.write(`${line}\n`);
    lastPrinted = status;
  },
  tty ? 200 : 3_000,
);
ticker.unref();
const progress = (s: string) => (status = s);
function note(s: string): void {
  if (tty) process.stderr.write("\r\x1b[K");
  process.stderr.write(`[bench ${elapsed()}] ${s}\n`);
}

// ---- Measuring the server ----


function cpuWindow(procs: ServerProcs): () => CpuWindow {
  const w0 = cpuUs(procs.worker);
  const p0 = cpuUs(procs.proxy);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    return { workerUs: cpuUs(procs.worker) - w0, proxyUs: cpuUs(procs.proxy) - p0, clientUs: c.user + c.system, wallMs: round(performance.now() - t0, 1) };
  };
}

const per = (us: number, n: number) => round(n ? us / n : NaN, 1);

// ---- Users and sockets ----

interface U {
  username: string;
  token: string;
}

async function registerUsers(url: string, n: number): Promise<U[]> {
  let done = 0;
  return pool(
    Array.from({ length: n }, (_, i) => `u${String(i).padStart(5, "0")}`),
    SETUP_CONCURRENCY,
    async (username) => {
      const f = await api(url, { mode: "register", username, password: PASSWORD, email: `${username}@bench.test` }, 60_000);
      if (f.status !== 201 || typeof f.token !== "string") throw new Error(`register ${username}: ${JSON.stringify(f).slice(0, 300)}`);
      progress(`setup: registered ${++done}/${n} users (PBKDF2 each)`);
      return { username, token: f.token };
    },
  );
}

async function connect(srv: LocalServer, users: U[], what: string): Promise<Socket[]> {
  let done = 0;
  return pool(users, CONNECT_CONCURRENCY, async (u) => {
    const s = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(u.token)}`, u.username);
    progress(`${what}: connected ${++done}/${users.length} sockets`);
    return s;
  });
}

async function closeAll(socks: Socket[]): Promise<void> {
  await pool(socks, 64, (s) => s.close());
}

/** Content of a chat message: ~40 characters, a request frame of ~150 bytes. */
const content = (id: string) => `bench ${id} `.padEnd(40, ".");

interface NewMessage {
  chat_id: string;
  client_msg_id?: string;
}

function newMessage(f: Frame): NewMessage | null {
  return f.mode === "newMessage" ? (f.message as NewMessage) : null;
}

/** Which chats each socket has been told about (chatCreated pushes). */
function trackCreated(socks: Socket[], onMessage: (i: number, m: NewMessage, at: number) => void): Set<string>[] {
  const created = socks.map(() => new Set<string>());
  socks.forEach((s, i) => {
    s.onFrame = (f, at) => {
      const m = newMessage(f);
      if (m) onMessage(i, m, at);
      else if (f.mode === "chatCreated") created[i]!.add((f.chat as { chat_id: string }).chat_id);
    };
  });
  return created;
}

async function createGroup(owner: Socket, title: string, members: U[]): Promise<string> {
  const f = ok(await owner.request({ mode: "createGroup", title, members: members.slice(0, NAMES_PER_REQUEST).map((m) => m.username) }, 120_000), "createGroup");
  const chatId = (f.chat as { chat_id: string }).chat_id;
  // A request names at most 1,000: the rest join in further requests.
  for (let i = NAMES_PER_REQUEST; i < members.length; i += NAMES_PER_REQUEST) {
    ok(await owner.request({ mode: "addMembers", chat_id: chatId, members: members.slice(i, i + NAMES_PER_REQUEST).map((m) => m.username) }, 120_000), "addMembers");
    progress(`${title}: ${Math.min(members.length, i + NAMES_PER_REQUEST) + 1} members`);
  }
  return chatId;
}

/**
 * Waits until the Worker's workerd has been nearly idle (under 3% of a core) for a second:
 * what earlier requests set going (deliveries to members' objects) is done and does not
 * count in the next measurement.
 */
async function settle(procs: ServerProcs, what: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  let quiet = 0;
  while (quiet < 4) {
    if (performance.now() > deadline) throw new Error(`the server did not settle after ${what}`);
    const c0 = cpuUs(procs.worker);
    await sleep(250);
    quiet = cpuUs(procs.worker) - c0 < 0.03 * 250_000 ? quiet + 1 : 0;
    progress(`${what}: waiting for the server to settle`);
  }
}

// ---- 1. Baseline: the bare echo Durable Object ----


/** The echo Worker's workerd right after start, MB. */
let echoRssMB = NaN;
/** The workerd build seen serving a Worker in this run. */
let workerdSeen = "unknown";

/**
 * The echo Worker, kept running after the baseline so that the floors the chat phases are
 * read against can be measured again right before each of them: on a shared machine the
 * load drifts over a run, and a floor from minutes earlier can be off by several times.
 */
let echo: { srv: LocalServer; procs: ServerProcs; sock: Socket } | null = null;

/** The N-RPC floor without writes, measured now. */
async function floorBeside(members: number, rounds: number, what: string): Promise<NearFloor | undefined> {
  if (!echo) return undefined;
  const f = { mode: "fan", n: members, write: false };
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
async function chainBeside(): Promise<Dist | undefined> {
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

async function baseline(): Promise<Baseline> {
  progress("baseline: starting the echo Worker");
  const srv = await startLocalServer({ config: "bench/echo/wrangler.toml" });
  const socks: Socket[] = [];
  let kept = false;
  try {
    const procs = serverProcs(srv.pid!, srv.port);
    if (procs.worker[0]) workerdSeen = workerdVersion(procs.worker[0]);
    echoRssMB = mb(rssBytes(procs.worker));
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
    const floors: [number, number][] = [[1, COUNTS.rpcOneRounds], [COUNTS.fanoutSmall, COUNTS.rpcSmallRounds], [COUNTS.largeOnline, COUNTS.rpcLargeRounds], [COUNTS.fanoutLarge, COUNTS.rpcLargeRounds]];
    for (const [members, rounds] of floors.filter(
      ([n], i, all) => all.findIndex(([m]) => m === n) === i,
    )) {
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
        if (write) (row.write = dist(lat)), (row.workerUsPerCallWrite = per(c.workerUs, rounds * members));
        else (row.call = dist(lat)), (row.workerUsPerCall = per(c.workerUs, rounds * members));
      }
      rpcFanout.push(row as RpcFanout);
    }
    // The alternative design's fan-out: the members' sockets held by K hub objects.
    const hubFanout: HubFanout[] = [];
    for (const k of HUB_COUNTS) {
      const members = COUNTS.fanoutSmall;
      const arrived = new Map<string, number>();
      let round = "";
      const hubSocks = await pool(Array.from({ length: members }, (_, i) => i), CONNECT_CONCURRENCY, (i) =>
        Socket.open(`${srv.wsUrl}?hub=${k}-${i % k}&user=u${i}`, `hub-${k}-u${i}`),
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
      hubFanout.push({ members, hubs: k, last: dist(lat), workerUsPerPush: per(c.workerUs, (COUNTS.rpcSmallRounds + 3) * members) });
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
    echo = { srv, procs, sock: s };
    kept = true;
    return result;
  } finally {
    await closeAll(socks.filter((x) => !kept || x !== socks[0]));
    if (!kept) await srv.stop();
  }
}

/** An echo answers with the frame it was sent: anything with our request_id is fine. */
function ok2(r: { frame: Frame }): void {
  if (!["echo", "fan", "chain", "hubfan"].includes(r.frame.mode)) throw new Error(`echo answered ${JSON.stringify(r.frame).slice(0, 200)}`);
}

// ---- 2. Direct chat latency ----


function phaseCpu(c: CpuWindow, pushes: number): PhaseCpu {
  return { ...c, pushes, workerUsPerPush: per(c.workerUs, pushes), proxyUsPerPush: per(c.proxyUs, pushes) };
}


async function direct(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Direct> {
  const floorChain = await chainBeside();
  const socks = await connect(srv, users.slice(0, 2), "direct");
  try {
    const [a, b] = socks as [Socket, Socket];
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    const ack: number[] = [];
    let received = 0;
    trackCreated([b], (_i, m, at) => {
      const s = m.client_msg_id !== undefined ? sentAt.get(m.client_msg_id) : undefined;
      if (s === undefined) return;
      sentAt.delete(m.client_msg_id!);
      received++;
      if (!m.client_msg_id!.startsWith("dw")) lat.push(at - s);
    });
    const chatId = (ok(await a.request({ mode: "createChat", username: users[1]!.username }), "createChat").chat as { chat_id: string }).chat_id;
    const send = async (id: string, record: boolean) => {
      const t = performance.now();
      sentAt.set(id, t);
      const r = await a.request({ mode: "sendMessage", chat_id: chatId, content: content(id), content_type: "text", client_msg_id: id });
      ok(r, "sendMessage");
      if (record) ack.push(r.at - t);
    };
    for (let i = 0; i < 30; i++) await send(`dw${i}`, false);
    await until(() => received === 30, 10_000, "the warm-up messages");
    received = 0;
    const n = COUNTS.directMessages;
    const interval = 1000 / COUNTS.directRate;
    const end = cpuWindow(procs);
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      await sleep(t0 + i * interval - performance.now());
      if (a.inFlight >= DEPTH) await until(() => a.inFlight < DEPTH, 30_000, "sendMessage answers");
      inflight.push(send(`d${i}`, true));
      if (i % 50 === 0) progress(`direct chat: ${i}/${n} messages at ${COUNTS.directRate}/s, ${received} pushed to B`);
    }
    await Promise.all(inflight);
    await until(() => received === n, 30_000, `B to receive ${n} messages (has ${received})`);
    const cpu = end();
    return { messages: n, ratePerSec: COUNTS.directRate, latency: dist(lat), ack: dist(ack), cpu: phaseCpu(cpu, n), ...(floorChain && { floorChain }) };
  } finally {
    await closeAll(socks);
  }
}

// ---- 3. One group's throughput ----


async function group(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Group> {
  const members = users.slice(0, COUNTS.groupMembers);
  const socks = await connect(srv, members, "group");
  try {
    const need = members.length - 1;
    const counts = new Map<string, number>();
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    let completed = 0;
    let lastAt = 0;
    let chatId = "";
    const created = trackCreated(socks, (_i, m, at) => {
      if (m.chat_id !== chatId || m.client_msg_id === undefined) return;
      const c = (counts.get(m.client_msg_id) ?? 0) + 1;
      if (c < need) return void counts.set(m.client_msg_id, c);
      counts.delete(m.client_msg_id);
      completed++;
      lastAt = at;
      const s = sentAt.get(m.client_msg_id);
      if (s !== undefined && !m.client_msg_id.startsWith("gw")) lat.push(at - s);
    });
    progress("group: creating the group");
    chatId = await createGroup(socks[0]!, "bench group", members.slice(1));
    await until(() => created.every((c, i) => i === 0 || c.has(chatId)), 30_000, "every member to hear of the group");
    const senders = socks.slice(0, COUNTS.groupSenders);
    const send = async (s: Socket, id: string) => {
      sentAt.set(id, performance.now());
      ok(await s.request({ mode: "sendGroupMessage", chat_id: chatId, content: content(id), content_type: "text", client_msg_id: id }), "sendGroupMessage");
    };
    for (let i = 0; i < 10; i++) await Promise.all(senders.map((s, k) => send(s, `gw${k}-${i}`)));
    await until(() => completed === 10 * senders.length, 30_000, "the warm-up messages");
    completed = 0;
    const total = senders.length * COUNTS.groupPerSender;
    let acked = 0;
    let lastAck = 0;
    const end = cpuWindow(procs);
    const t0 = performance.now();
    await flood(senders, COUNTS.groupPerSender, DEPTH, async (s, k, i) => {
      await send(s, `g${k}-${i}`);
      acked++;
      lastAck = performance.now();
      if (acked % 100 === 0) progress(`group of ${members.length}: ${acked}/${total} stored, ${completed} delivered to all`);
    });
    await until(() => completed === total, 60_000, `every member to receive ${total} messages (${completed} so far)`);
    const cpu = end();
    return {
      members: members.length,
      senders: senders.length,
      depth: DEPTH,
      messages: total,
      deliveredPerSec: round(total / ((lastAt - t0) / 1000), 0),
      storedPerSec: round(total / ((lastAck - t0) / 1000), 0),
      latency: dist(lat),
      cpu: phaseCpu(cpu, total * need),
    };
  } finally {
    await closeAll(socks);
  }
}

// ---- 4. Fan-out ----


async function fanout(srv: LocalServer, procs: ServerProcs, users: U[], size: number, messages: number): Promise<Fanout> {
  const floor = size > LARGE_AT ? await floorBeside(size, size > COUNTS.fanoutSmall ? COUNTS.rpcLargeRounds : COUNTS.rpcSmallRounds, `fan-out ${size}`) : undefined;
  const members = users.slice(0, size);
  const tc = performance.now();
  const socks = await connect(srv, members, `fan-out ${size}`);
  const connectMs = round(performance.now() - tc, 0);
  try {
    let current: { id: string; sentAt: number; remaining: number; lastAt: number; record: boolean } | null = null;
    const memberLat: number[] = [];
    let chatId = "";
    const created = trackCreated(socks, (_i, m, at) => {
      if (!current || m.chat_id !== chatId || m.client_msg_id !== current.id) return;
      current.remaining--;
      current.lastAt = at;
      if (current.record) memberLat.push(at - current.sentAt);
    });
    progress(`fan-out ${size}: creating the group`);
    const t0 = performance.now();
    chatId = await createGroup(socks[0]!, `fan-out ${size}`, members.slice(1));
    await until(() => created.every((c, i) => i === 0 || c.has(chatId)), 120_000, "every member to hear of the group");
    const createMs = round(performance.now() - t0, 0);
    const last: number[] = [];
    const ack: number[] = [];
    const warm = 5;
    let end: (() => CpuWindow) | null = null;
    for (let k = 0; k < warm + messages; k++) {
      if (k === warm) end = cpuWindow(procs);
      const id = `f${size}-${k}`;
      const cur = { id, sentAt: performance.now(), remaining: size - 1, lastAt: 0, record: k >= warm };
      current = cur;
      const r = await socks[0]!.request({ mode: "sendGroupMessage", chat_id: chatId, content: content(id), content_type: "text", client_msg_id: id });
      ok(r, "sendGroupMessage");
      await until(() => cur.remaining === 0, 30_000, `message ${k} to reach all ${size - 1} other members (${cur.remaining} missing)`);
      if (cur.record) {
        last.push(cur.lastAt - cur.sentAt);
        ack.push(r.at - cur.sentAt);
      }
      progress(`fan-out ${size}: ${k < warm ? `warm-up ${k + 1}/${warm}` : `${k + 1 - warm}/${messages} messages`}, last member at ${round(cur.lastAt - cur.sentAt, 1)} ms`);
    }
    const cpu = end!();
    return { members: size, messages, last: dist(last), member: dist(memberLat), ack: dist(ack), createMs, connectMs, cpu: phaseCpu(cpu, messages * (size - 1)), ...(floor && { floor }) };
  } finally {
    await closeAll(socks);
  }
}

// ---- 5. Many chats at once ----


async function many(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Many> {
  const n = COUNTS.manyChats;
  const socks = await connect(srv, users.slice(0, 2 * n), "many chats");
  try {
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    let received = 0;
    let lastAt = 0;
    const receivers = socks.filter((_, i) => i % 2 === 1);
    const senders = socks.filter((_, i) => i % 2 === 0);
    trackCreated(receivers, (_i, m, at) => {
      const s = m.client_msg_id !== undefined ? sentAt.get(m.client_msg_id) : undefined;
      if (s === undefined) return;
      sentAt.delete(m.client_msg_id!);
      received++;
      lastAt = at;
      lat.push(at - s);
    });
    let made = 0;
    const chatIds = await pool(senders, SETUP_CONCURRENCY, async (s, i) => {
      const f = ok(await s.request({ mode: "createChat", username: users[2 * i + 1]!.username }), "createChat");
      progress(`many chats: created ${++made}/${n} direct chats`);
      return (f.chat as { chat_id: string }).chat_id;
    });
    const send = async (s: Socket, chatId: string, id: string) => {
      sentAt.set(id, performance.now());
      ok(await s.request({ mode: "sendMessage", chat_id: chatId, content: content(id), content_type: "text", client_msg_id: id }), "sendMessage");
    };
    // One warm-up message per chat wakes every object involved.
    await pool(senders, SETUP_CONCURRENCY, (s, i) => send(s, chatIds[i]!, `mw${i}`));
    await until(() => received === n, 30_000, "the warm-up messages");
    received = 0;
    lat.length = 0;
    const total = n * COUNTS.manyPerChat;
    const end = cpuWindow(procs);
    const t0 = performance.now();
    await flood(senders, COUNTS.manyPerChat, MANY_DEPTH, async (s, c, i) => {
      await send(s, chatIds[c]!, `m${c}-${i}`);
      progress(`many chats: ${received}/${total} delivered across ${n} chats`);
    });
    await until(() => received === total, 60_000, `all ${total} messages to arrive (${received} so far)`);
    const cpu = end();
    return { chats: n, perChat: COUNTS.manyPerChat, depth: MANY_DEPTH, messages: total, deliveredPerSec: round(total / ((lastAt - t0) / 1000), 0), latency: dist(lat), cpu: phaseCpu(cpu, total) };
  } finally {
    await closeAll(socks);
  }
}

// ---- 6. Memory with many idle users ----


const mb = (b: number) => round(b / 2 ** 20, 1);

async function idle(srv: LocalServer, procs: ServerProcs, users: U[], usedBefore: number): Promise<Idle> {
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
    await pool(socks.filter((_, i) => i % Math.max(1, Math.floor(n / 20)) === 0), 8, async (s) => void ok(await s.request({ mode: "ping" }), "ping"));
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

// ---- 7. A file up and down ----

/** MiB/s of `bytes` moved in `ms`. */
const mibps = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times a request until its whole answer has been read; throws unless it is `status`. */
async function timed(url: string, init: RequestInit, status: number): Promise<{ ms: number; body: ArrayBuffer }> {
  const t = performance.now();
  const res = await fetch(url, init);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t;
  if (res.status !== status) throw new Error(`${init.method ?? "GET"} ${url.replace(/\?.*/, "")}: ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
  return { ms, body };
}

/**
 * The chat's POST /upload and signed GET /files against the echo Worker's bare R2 put and
 * get of the same bytes, round by round in turn, so both see the machine in the same state.
 */
async function files(srv: LocalServer, users: U[]): Promise<Files> {
  progress("files: starting the echo Worker (the R2 floor)");
  const echo = await startLocalServer({ config: "bench/echo/wrangler.toml" });
  try {
    const [a, b] = users as [U, U];
    const chat = ok({ frame: await api(srv.url, { mode: "createChat", username: b.username, token: a.token }), at: 0 }, "createChat").chat as { chat_id: string };
    const bytes = new Uint8Array(FILE_BYTES).map((_, i) => (i * 2654435761) >>> 24);
    const up: number[] = [];
    const down: number[] = [];
    const floorUp: number[] = [];
    const floorDown: number[] = [];
    for (let i = -1; i < COUNTS.fileRounds; i++) {
      progress(`files: ${i < 0 ? "warm-up" : `round ${i + 1}/${COUNTS.fileRounds}`}: 10 MiB up and down, chat and floor`);
      // Who goes first alternates, so neither always meets the other's leftovers (a fresh object, a busy disk).
      const both = async <T>(first: () => Promise<T>, second: () => Promise<T>): Promise<[T, T]> => {
        if (i % 2 === 0) return [await first(), await second()];
        const b2 = await second();
        return [await first(), b2];
      };
      const [floorPut, upload] = await both(
        () => timed(`${echo.url}/r2/f${i}`, { method: "PUT", body: bytes }, 201),
        () => timed(`${srv.url}/upload?chat_id=${chat.chat_id}`, {
          method: "POST",
          body: bytes,
          headers: { Authorization: `Bearer ${a.token}`, "Content-Type": "application/octet-stream", "X-File-Name": `bench-${i}.bin` },
        }, 201),
      );
      const fileId = (JSON.parse(Buffer.from(upload.body).toString()) as { file_id: string }).file_id;
      const link = (ok({ frame: await api(srv.url, { mode: "getFileUrls", chat_id: chat.chat_id, file_ids: [fileId], token: b.token }), at: 0 }, "getFileUrls").urls as Record<string, string>)[fileId]!;
      const [floorGet, download] = await both(() => timed(`${echo.url}/r2/f${i}`, {}, 200), () => timed(`${srv.url}${link}`, {}, 200));
      if (download.body.byteLength !== FILE_BYTES || floorGet.body.byteLength !== FILE_BYTES) throw new Error("a download came back short");
      if (i < 0) continue;
      floorUp.push(mibps(FILE_BYTES, floorPut.ms));
      up.push(mibps(FILE_BYTES, upload.ms));
      floorDown.push(mibps(FILE_BYTES, floorGet.ms));
      down.push(mibps(FILE_BYTES, download.ms));
    }
    return {
      bytes: FILE_BYTES,
      rounds: COUNTS.fileRounds,
      uploadMiBps: round(median(up), 1),
      downloadMiBps: round(median(down), 1),
      floorUploadMiBps: round(median(floorUp), 1),
      floorDownloadMiBps: round(median(floorDown), 1),
    };
  } finally {
    await echo.stop();
  }
}

// ---- 8. Large groups: fan-out on read ----


/** One message at a time into a large group; the time until every online member other than the sender has it. */
async function largeMessages(procs: ServerProcs, socks: Socket[], hooks: { current: { id: string; left: number; lastAt: number } | null }, chatId: string, members: number, what: string): Promise<LargeGroup> {
  const sender = socks[0]!;
  const last: number[] = [];
  const ack: number[] = [];
  const warm = 5;
  const messages = COUNTS.largeMessages;
  await settle(procs, what);
  const floor = await floorBeside(socks.length, COUNTS.rpcLargeRounds, what);
  let end: (() => CpuWindow) | null = null;
  for (let k = 0; k < warm + messages; k++) {
    if (k === warm) end = cpuWindow(procs);
    const id = `${what}-${k}`;
    const cur = { id, left: socks.length - 1, lastAt: 0 };
    hooks.current = cur;
    const t = performance.now();
    const r = await sender.request({ mode: "sendGroupMessage", chat_id: chatId, content: content(id), content_type: "text", client_msg_id: id });
    ok(r, "sendGroupMessage");
    await until(() => cur.left === 0, 30_000, `message ${k} to reach all ${socks.length - 1} members online (${cur.left} missing)`);
    if (k >= warm) last.push(cur.lastAt - t), ack.push(r.at - t);
    progress(`${what}: ${k < warm ? `warm-up ${k + 1}/${warm}` : `${k + 1 - warm}/${messages} messages`}, last member online at ${round(cur.lastAt - t, 1)} ms`);
  }
  const cpu = end!();
  const pushes = messages * (socks.length - 1);
  return { members, online: socks.length, messages, last: dist(last), ack: dist(ack), cpu: phaseCpu(cpu, pushes), workerUsPerMessage: per(cpu.workerUs, messages), ...(floor && { floor }) };
}

async function large(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<LargeGroups> {
  const online = users.slice(0, COUNTS.largeOnline);
  const socks = await connect(srv, online, "large groups");
  try {
    const hooks: { current: { id: string; left: number; lastAt: number } | null } = { current: null };
    const created = trackCreated(socks, (_i, m, at) => {
      const cur = hooks.current;
      if (!cur || m.client_msg_id !== cur.id) return;
      cur.left--;
      cur.lastAt = at;
    });
    progress(`large groups: a group of ${online.length}, all online`);
    const all = await createGroup(socks[0]!, `large ${online.length}`, online.slice(1));
    progress(`large groups: a group of ${num(COUNTS.largeMembers)}, ${online.length} online`);
    const some = await createGroup(socks[0]!, `large ${COUNTS.largeMembers}`, users.slice(1, COUNTS.largeMembers));
    await until(() => created.every((c, i) => i === 0 || (c.has(all) && c.has(some))), 300_000, "every member online to hear of both groups");
    const allOnline = await largeMessages(procs, socks, hooks, all, online.length, `large ${online.length} all online`);
    const someOnline = await largeMessages(procs, socks, hooks, some, COUNTS.largeMembers, `large ${COUNTS.largeMembers} ${online.length} online`);
    return { all: allOnline, some: someOnline };
  } finally {
    await closeAll(socks);
  }
}

const num = (n: number) => n.toLocaleString("en-US");

/** A user in many large groups opens a socket: how long until it is open, and until it answers. */
async function connectMany(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Connect> {
  // Two users beyond the large phase's groups: one joins the groups made here, one nothing.
  const [member, plain] = [users[COUNTS.largeMembers]!, users[COUNTS.largeMembers + 1]!];
  const crowd = users.slice(0, LARGE_AT + 1);
  const owner = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(crowd[0]!.token)}`, "connect-owner");
  try {
    for (let g = 0; g < COUNTS.connectGroups; g++) {
      ok(await owner.request({ mode: "createGroup", title: `member of many ${g}`, members: [...crowd.slice(1), member].map((u) => u.username) }, 120_000), "createGroup");
      progress(`connect: ${g + 1}/${COUNTS.connectGroups} large groups of ${LARGE_AT + 2}`);
    }
  } finally {
    await owner.close();
  }
  const rounds = async (u: U, what: string) => {
    const open: number[] = [];
    const usable: number[] = [];
    let us = 0;
    for (let i = -2; i < COUNTS.connectRounds; i++) {
      await settle(procs, what);
      const w = cpuWindow(procs);
      const t = performance.now();
      const s = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(u.token)}`, what);
      const opened = performance.now();
      const r = await s.request({ mode: "getChats" });
      ok(r, "getChats");
      const c = w();
      await s.close();
      if (i < 0) continue;
      open.push(opened - t);
      usable.push(r.at - t);
      us += c.workerUs;
      progress(`${what}: ${i + 1}/${COUNTS.connectRounds}`);
    }
    return { open: dist(open), usable: dist(usable), us: per(us, COUNTS.connectRounds) };
  };
  const many = await rounds(member, `connect: a user in ${COUNTS.connectGroups} large groups`);
  const none = await rounds(plain, "connect: a user in no large group");
  return {
    groups: COUNTS.connectGroups,
    rounds: COUNTS.connectRounds,
    open: many.open,
    usable: many.usable,
    workerUsPerConnect: many.us,
    plainOpen: none.open,
    plainUsable: none.usable,
    plainWorkerUsPerConnect: none.us,
  };
}

/** Adds and removes one member, alternately, in a group of `size`: what each change costs, deliveries included. */
async function membership(srv: LocalServer, procs: ServerProcs, users: U[], size: number): Promise<MembershipChange> {
  const owner = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(users[0]!.token)}`, `members-${size}`);
  try {
    const what = `membership in a group of ${num(size)}`;
    const chatId = await createGroup(owner, what, users.slice(1, size));
    const guest = users[size]!.username;
    await settle(procs, what);
    const ack: number[] = [];
    const w = cpuWindow(procs);
    const b0 = writeBytes(procs.worker);
    for (let i = 0; i < COUNTS.memberChanges; i++) {
      const t = performance.now();
      const frame = i % 2 === 0 ? { mode: "addMembers", chat_id: chatId, members: [guest] } : { mode: "removeMember", chat_id: chatId, username: guest };
      const r = await owner.request(frame, 60_000);
      ok(r, String(frame.mode));
      ack.push(r.at - t);
      progress(`${what}: ${i + 1}/${COUNTS.memberChanges} changes`);
    }
    // The deliveries to every member's object are part of a change's cost.
    await settle(procs, what);
    const bytes = writeBytes(procs.worker) - b0;
    const c = w();
    return { members: size, large: size > LARGE_AT, changes: COUNTS.memberChanges, ack: dist(ack), bytesPerChange: round(bytes / COUNTS.memberChanges, 0), workerUsPerChange: per(c.workerUs, COUNTS.memberChanges) };
  } finally {
    await owner.close();
  }
}

// ---- The run ----

const failed = <T>(o: Outcome<T> | undefined): o is { error: string } => !!o && typeof o === "object" && "error" in o;

/** The machine's 1-minute load average around each phase. */
const loads: Record<string, [number, number]> = {};

async function attempt<T>(name: string, fn: () => Promise<T>): Promise<Outcome<T>> {
  const before = round(loadavg()[0]!, 2);
  try {
    const r = await fn();
    loads[name] = [before, round(loadavg()[0]!, 2)];
    note(`${name}: done (load average ${loads[name].join(" -> ")})`);
    return r;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    note(`${name}: FAILED: ${error}`);
    return { error };
  }
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join("node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** `--render=FILE`: writes the table, docs/benchmarks.md and the chart again from a results.json. */
function rerender(file: string): void {
  const results = JSON.parse(readFileSync(file, "utf8")) as Results;
  console.log(renderTable(results));
  const docsDir = OUT || "docs";
  mkdirSync(docsDir, { recursive: true });
  writeFileSync(join(docsDir, "benchmarks.svg"), renderSvg(results));
  writeFileSync(join(docsDir, "benchmarks.md"), renderMarkdown(results));
  console.log(`\nwrote ${join(docsDir, "benchmarks.md")}, ${join(docsDir, "benchmarks.svg")} from ${file}`);
}

async function main(): Promise<void> {
  const render = args.find((a) => a.startsWith("--render="))?.slice("--render=".length);
  if (render) return rerender(render);
  mkdirSync(OUT || "bench/out", { recursive: true });
  const results: Results = {
    date: new Date().toISOString(),
    quick: QUICK,
    counts: { ...COUNTS, depth: DEPTH, manyDepth: MANY_DEPTH },
    localObservability: !NO_OBSERVABILITY,
    machine: machine(),
    versions: { node: process.version, wrangler: version("wrangler"), workerd: "unknown" },
    phases: {},
    serverEvents: [],
    targets: [],
  };
  note(`${QUICK ? "quick" : "full"} run on ${results.machine.cores} x ${results.machine.cpuModel}, node ${process.version}, wrangler ${results.versions.wrangler}`);

  if (enabled("baseline")) {
    results.phases.baseline = await attempt("baseline (echo Durable Object)", baseline);
    results.rssAtStartMB = { echo: echoRssMB };
  }

  const needUsers = Math.max(
    enabled("direct") ? 2 : 0,
    enabled("group") ? COUNTS.groupMembers : 0,
    enabled("fanout") ? COUNTS.fanoutLarge : 0,
    enabled("many") ? 2 * COUNTS.manyChats : 0,
    enabled("idle") ? COUNTS.idleUsers : 0,
    enabled("files") ? 2 : 0,
    enabled("large") || enabled("connect") ? COUNTS.largeMembers + 2 : 0,
    enabled("members") ? COUNTS.fanoutLarge + 1 : 0,
  );
  if (needUsers) {
    progress("chat: starting wrangler dev");
    const snap = snapshot(SOURCE);
    results.source = snap.source;
    note(`chat server from a copy of the ${snap.source}`);
    // The benchmark measures the service, not its per-user limits: they are lifted.
    const vars = { REGISTER_PER_ADDRESS_PER_HOUR: "1000000", SENDS_PER_USER_BURST: "1000000", SENDS_PER_USER_PER_SECOND: "1000000", GROUP_CHANGES_PER_USER_PER_HOUR: "1000000" };
    const srv = await startLocalServer({ cwd: snap.dir, vars }).catch((err: unknown) => {
      snap.remove();
      throw err;
    });
    try {
      const procs = serverProcs(srv.pid!, srv.port);
      if (procs.worker[0]) workerdSeen = workerdVersion(procs.worker[0]);
      note(`chat server ${srv.url}: Worker workerd pid ${procs.worker.join(",")}, wrangler proxy pid ${procs.proxy.join(",") || "-"}`);
      results.rssAtStartMB = { chat: mb(rssBytes(procs.worker)), ...results.rssAtStartMB };
      const end = cpuWindow(procs);
      const t0 = performance.now();
      const users = await registerUsers(srv.url, needUsers);
      const setupMs = performance.now() - t0;
      const cpu = end();
      results.setup = { users: needUsers, concurrency: SETUP_CONCURRENCY, ms: round(setupMs, 0), perSec: round(needUsers / (setupMs / 1000), 1), workerUsPerRegister: per(cpu.workerUs, needUsers) };
      note(`setup: ${needUsers} users registered in ${(setupMs / 1000).toFixed(1)} s (${results.setup.perSec}/s)`);
      // wrangler may restart the runtime under us: find its processes again before each phase.
      let current = procs;
      const fresh = (): ServerProcs => {
        const p = serverProcs(srv.pid!, srv.port);
        if (p.worker.join() !== current.worker.join()) {
          const what = `the Worker's workerd changed from pid ${current.worker.join(",") || "-"} to ${p.worker.join(",") || "-"} (restarted or gone)`;
          note(what);
          results.serverEvents.push(what);
        }
        return (current = p);
      };
      if (enabled("direct")) results.phases.direct = await attempt("direct chat latency", () => direct(srv, fresh(), users));
      if (enabled("group")) results.phases.group = await attempt("group throughput", () => group(srv, fresh(), users));
      if (enabled("fanout")) {
        results.phases.fanoutSmall = await attempt(`fan-out ${COUNTS.fanoutSmall}`, () => fanout(srv, fresh(), users, COUNTS.fanoutSmall, COUNTS.fanoutSmallMessages));
        results.phases.fanoutLarge = await attempt(`fan-out ${COUNTS.fanoutLarge}`, () => fanout(srv, fresh(), users, COUNTS.fanoutLarge, COUNTS.fanoutLargeMessages));
      }
      if (enabled("many")) results.phases.many = await attempt("many chats", () => many(srv, fresh(), users));
      const usedBefore = Math.max(
        enabled("direct") ? 2 : 0,
        enabled("group") ? COUNTS.groupMembers : 0,
        enabled("fanout") ? COUNTS.fanoutLarge : 0,
        enabled("many") ? 2 * COUNTS.manyChats : 0,
      );
      if (enabled("idle")) results.phases.idle = await attempt("idle users", () => idle(srv, fresh(), users, usedBefore));
      if (enabled("files")) results.phases.files = await attempt("files", () => files(srv, users));
      if (enabled("large")) results.phases.large = await attempt("large groups", () => large(srv, fresh(), users));
      if (enabled("connect")) results.phases.connect = await attempt(`a user in ${COUNTS.connectGroups} large groups connecting`, () => connectMany(srv, fresh(), users));
      if (enabled("members")) {
        results.phases.membersSmall = await attempt(`membership changes, group of ${COUNTS.membersSmall}`, () => membership(srv, fresh(), users, COUNTS.membersSmall));
        results.phases.membersLarge = await attempt(`membership changes, group of ${COUNTS.fanoutLarge}`, () => membership(srv, fresh(), users, COUNTS.fanoutLarge));
      }
      fresh();
      writeFileSync(join(OUT || "bench/out", "wrangler-chat.log"), srv.log());
    } finally {
      progress("stopping wrangler dev");
      await srv.stop();
      snap.remove();
    }
  }

  if (echo) {
    await echo.sock.close();
    await echo.srv.stop();
    echo = null;
  }
  results.versions.workerd = workerdSeen;
  results.load = loads;
  results.targets = targets(results);
  clearInterval(ticker);
  if (tty) process.stderr.write("\r\x1b[K");
  console.log(renderTable(results));
  const jsonPath = OUT ? join(OUT, "results.json") : "bench/results.json";
  const docsDir = OUT || "docs";
  mkdirSync(docsDir, { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(docsDir, "benchmarks.svg"), renderSvg(results));
  writeFileSync(join(docsDir, "benchmarks.md"), renderMarkdown(results));
  console.log(`\nwrote ${jsonPath}, ${join(docsDir, "benchmarks.md")}, ${join(docsDir, "benchmarks.svg")}`);
}

function targets(r: Results): Target[] {
  const b = r.phases.baseline;
  const base = b && !failed(b) ? b : null;
  const out: Target[] = [];
  const add = (name: string, value: number | null, op: "<=" | ">=", limit: number | null, unit: string, error?: string) => {
    const measurable = value !== null && limit !== null && Number.isFinite(value) && Number.isFinite(limit);
    const pass = measurable && (op === "<=" ? value <= limit : value >= limit);
    out.push({ name, value: value === null ? null : round(value, 2), op, limit: limit === null ? null : round(limit, 2), unit, pass, ...(error && { error }) });
  };
  const d = r.phases.direct;
  const g = r.phases.group;
  const f = r.phases.fanoutSmall;
  const rtt = base?.rtt.p50 ?? null;
  const err = (o: unknown) => (failed(o as Outcome<object>) ? (o as { error: string }).error : o === undefined ? "not run" : undefined);
  add("direct chat latency p50 <= 2x baseline RTT p50", d && !failed(d) ? d.latency.p50 : null, "<=", rtt !== null ? 2 * rtt : null, "ms", err(d) ?? (base ? undefined : "no baseline"));
  add("direct chat latency p99 <= 8x baseline RTT p50", d && !failed(d) ? d.latency.p99 : null, "<=", rtt !== null ? 8 * rtt : null, "ms", err(d) ?? (base ? undefined : "no baseline"));
  add(
    `group of ${COUNTS.groupMembers} stored-and-delivered msgs/s >= 0.25x baseline frames/s`,
    g && !failed(g) ? g.deliveredPerSec : null, ">=", base ? 0.25 * base.framesPerSec : null, "msg/s", err(g) ?? (base ? undefined : "no baseline"),
  );
  add(`fan-out to ${COUNTS.fanoutSmall} p50 <= 15 ms`, f && !failed(f) ? f.last.p50 : null, "<=", 15, "ms", err(f));
  add(`fan-out to ${COUNTS.fanoutSmall} p99 <= 50 ms`, f && !failed(f) ? f.last.p99 : null, "<=", 50, "ms", err(f));
  // Issue 11: large groups (fan-out on read) against the floors of the same run.
  const floor = (n: number) => base?.rpcFanout.find((k) => k.members === n) ?? null;
  const noBase = base ? undefined : "no baseline";
  add(
    "direct chat p50 <= 1.15x the two-storing-hop floor",
    d && !failed(d) ? d.latency.p50 : null, "<=", d && !failed(d) && d.floorChain ? 1.15 * d.floorChain.p50 : base ? 1.15 * base.pacedChain.p50 : null, "ms", err(d) ?? noBase,
  );
  for (const fo of [r.phases.fanoutSmall, r.phases.fanoutLarge]) {
    const size = fo === r.phases.fanoutSmall ? COUNTS.fanoutSmall : COUNTS.fanoutLarge;
    const got = fo && !failed(fo) ? fo : null;
    const fl = got?.floor?.call ?? floor(size)?.call;
    const flCpu = got?.floor?.workerUsPerCall ?? floor(size)?.workerUsPerCall;
    add(`large group of ${size}, all online: p50 <= 1.25x the ${size}-RPC floor without writes`, got ? got.last.p50 : null, "<=", fl ? 1.25 * fl.p50 : null, "ms", err(fo) ?? noBase);
    add(`large group of ${size}: CPU per push <= 1.25x that floor's CPU per call`, got ? got.cpu.workerUsPerPush : null, "<=", flCpu !== undefined ? 1.25 * flCpu : null, "µs", err(fo) ?? noBase);
  }
  const lg = r.phases.large;
  const l = lg && !failed(lg) ? lg : null;
  const fo = l?.some.floor?.call ?? floor(COUNTS.largeOnline)?.call;
  add(
    `large group of ${COUNTS.largeMembers} with ${COUNTS.largeOnline} online: p50 <= 1.25x the ${COUNTS.largeOnline}-RPC floor without writes`,
    l ? l.some.last.p50 : null, "<=", fo ? 1.25 * fo.p50 : null, "ms", err(lg) ?? noBase,
  );
  add(
    `large group of ${COUNTS.largeMembers} with ${COUNTS.largeOnline} online: CPU per message <= 1.25x a group of ${COUNTS.largeOnline} all online`,
    l ? l.some.workerUsPerMessage : null, "<=", l ? 1.25 * l.all.workerUsPerMessage : null, "µs", err(lg),
  );
  const phases: { cpu: PhaseCpu }[] = [];
  for (const p of [r.phases.direct, r.phases.group, r.phases.fanoutSmall, r.phases.fanoutLarge, r.phases.many]) if (p && !failed(p)) phases.push(p);
  const us = phases.reduce((s, p) => s + p.cpu.workerUs, 0);
  const pushes = phases.reduce((s, p) => s + p.cpu.pushes, 0);
  add("server CPU per delivered push (all message phases) <= 120 µs", pushes ? us / pushes : null, "<=", 120, "µs", pushes ? undefined : "no message phase ran");
  const fp = r.phases.files;
  const fr = fp && !failed(fp) ? fp : null;
  add("10 MiB upload throughput >= 0.8x the R2 floor", fr ? fr.uploadMiBps / fr.floorUploadMiBps : null, ">=", 0.8, "x", err(fp));
  add("10 MiB download throughput >= 0.8x the R2 floor", fr ? fr.downloadMiBps / fr.floorDownloadMiBps : null, ">=", 0.8, "x", err(fp));
  return out;
}

await main().catch((err: unknown) => {
  clearInterval(ticker);
  console.error("\nbench failed:", err);
  process.exitCode = 1;
});
