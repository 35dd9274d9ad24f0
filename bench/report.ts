// Turns the results into the table printed at the end, docs/benchmarks.md, and a chart
// (SVG written by hand: no dependencies).
import { readFileSync } from "node:fs";
import type { Baseline, Connect, Fanout, LargeGroup, LargeGroups, MembershipChange, Outcome, Results } from "./types";
import type { Dist } from "./stats";

type Row = [section: string, figure: string, value: string, note: string];

const ok = <T extends object>(o: Outcome<T> | undefined): T | null => (o && !("error" in o) ? (o as T) : null);
const num = (x: number, digits = 2) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a");
const ms = (x: number) => `${num(x, 2)} ms`;
const pcts = (d: Dist) => `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}`;
const x = (v: number, base: number | undefined) => (base && Number.isFinite(v) ? `${num(v / base, 2)}x` : "");
const us = (v: number) => `${num(v, 1)} µs`;

function rows(r: Results): Row[] {
  const out: Row[] = [];
  const p = r.phases;
  const base = ok<Baseline>(p.baseline);
  const rtt = base?.rtt.p50;
  const fps = base?.framesPerSec;
  const error = (section: string, o: Outcome<object> | undefined) => {
    if (o && "error" in o) out.push([section, "FAILED", "", o.error.slice(0, 120)]);
  };
  const cpuRow = (section: string, c: { workerUsPerPush: number; proxyUsPerPush: number; pushes: number }, extra = "") =>
    out.push([section, "server CPU per delivered push", us(c.workerUsPerPush), `${num(c.pushes, 0)} pushes; wrangler proxy +${us(c.proxyUsPerPush)}${extra}`]);

  if (base) {
    const s = "baseline: echo DO";
    out.push([s, `round trip p50 / p95 / p99 (${num(base.rtt.n, 0)} x ${base.frameBytes} B, sequential)`, pcts(base.rtt), "= 1x latency"]);
    out.push([s, `frames/s (${base.sockets} sockets x ${base.depth} in flight)`, num(base.framesPerSec, 0), "= 1x throughput"]);
    out.push([s, "server CPU per echoed frame", us(base.cpu.workerUsPerFrame), `wrangler proxy +${us(base.cpu.proxyUsPerFrame)}`]);
    if (base.pacedRtt) {
      out.push([s, `round trip p50 / p95 / p99, ${base.pacedRate} frames/s (the direct phase's pace)`, pcts(base.pacedRtt), `${x(base.pacedRtt.p50, rtt)} the back-to-back RTT`]);
      out.push([s, `frame -> stored by one object, then by another -> echo, ${base.pacedRate}/s`, pcts(base.pacedChain), "the floor of a direct message: two storing hops in series"]);
    }
    for (const f of base.rpcFanout ?? []) {
      if (f.members === 1) {
        out.push([s, "frame -> 1 RPC -> echo, p50 / p95 / p99", pcts(f.call), `${us(f.workerUsPerCall)} CPU per frame (the echo and its call)`]);
        out.push([s, "frame -> 1 RPC writing a row -> echo, p50 / p95 / p99", pcts(f.write), `${us(f.workerUsPerCallWrite)} CPU per frame: one hop that stores`]);
        continue;
      }
      out.push([s, `frame -> ${num(f.members, 0)} RPCs at once -> echo, p50 / p95 / p99`, pcts(f.call), `${us(f.workerUsPerCall)} CPU per call`]);
      out.push([s, `frame -> ${num(f.members, 0)} RPCs each writing a row -> echo, p50 / p95 / p99`, pcts(f.write), `${us(f.workerUsPerCallWrite)} CPU per call: the floor of a fan-out with an object and a write per member`]);
    }
    for (const h of base.hubFanout ?? [])
      out.push([s, `frame -> ${num(h.members, 0)} sockets held by ${h.hubs} hub object${h.hubs === 1 ? "" : "s"}, each logging its users' rows in one commit, p50 / p95 / p99`, pcts(h.last), `${us(h.workerUsPerPush)} CPU per push: a fan-out where an object holds many users' sockets and logs`]);
  }
  error("baseline: echo DO", p.baseline);

  if (r.setup) {
    const s = r.setup;
    out.push(["setup", `register ${num(s.users, 0)} users (${s.concurrency} at a time)`, `${num(s.ms / 1000, 1)} s`, `${num(s.perSec, 1)}/s; ${num(s.workerUsPerRegister / 1000, 1)} ms CPU each (PBKDF2)`]);
  }

  const d = ok(p.direct);
  if (d) {
    const s = "direct chat";
    const chain = d.floorChain?.p50 ?? base?.pacedChain?.p50;
    if (d.floorChain) out.push([s, "floor beside it: two storing hops at its pace, p50 / p95 / p99", pcts(d.floorChain), "measured right before this phase"]);
    out.push([s, `A sends -> B's push, p50 / p95 / p99 (${num(d.messages, 0)} at ${d.ratePerSec}/s)`, pcts(d.latency), `p50 ${x(d.latency.p50, rtt)}, p99 ${x(d.latency.p99, rtt)} baseline RTT p50${chain ? `; p50 ${x(d.latency.p50, chain)} the two-storing-hop floor` : ""}`]);
    out.push([s, "A's sendMessage answered, p50 / p95 / p99", pcts(d.ack), `p50 ${x(d.ack.p50, rtt)}`]);
    cpuRow(s, d.cpu);
  }
  error("direct chat", p.direct);

  const g = ok(p.group);
  if (g) {
    const s = `group of ${g.members}`;
    out.push([s, `stored-and-delivered msgs/s (${g.senders} senders x ${g.depth} in flight)`, num(g.deliveredPerSec, 0), `${x(g.deliveredPerSec, fps)} baseline frames/s; ${num(g.deliveredPerSec * (g.members - 1), 0)} pushes/s`]);
    out.push([s, "stored (answered) msgs/s", num(g.storedPerSec, 0), x(g.storedPerSec, fps)]);
    out.push([s, "send -> last member under that load, p50 / p95 / p99", pcts(g.latency), ""]);
    cpuRow(s, g.cpu);
  }
  error("group", p.group);

  for (const o of [p.fanoutSmall, p.fanoutLarge]) {
    const f = ok<Fanout>(o);
    if (!f) continue;
    const large = f.members > LARGE_AT;
    const s = `fan-out ${num(f.members, 0)}${large ? " (large group)" : ""}`;
    const fl = base?.rpcFanout?.find((k) => k.members === f.members);
    const call = f.floor ?? (fl && { call: fl.call, workerUsPerCall: fl.workerUsPerCall });
    if (f.floor) out.push([s, `floor beside it: ${num(f.members, 0)} RPCs at once, no writes, p50 / p95 / p99`, pcts(f.floor.call), `${us(f.floor.workerUsPerCall)} CPU per call; measured right before this phase`]);
    const floors = `${call ? `, ${x(f.last.p50, call.call.p50)} the ${num(f.members, 0)}-RPC floor without writes` : ""}${fl ? `, ${x(f.last.p50, fl.write.p50)} the one with a write each (baseline)` : ""}`;
    out.push([s, `send -> last member's socket, p50 / p95 / p99 (${f.messages} msgs, one at a time)`, pcts(f.last), `p50 ${x(f.last.p50, rtt)} baseline RTT p50${floors}`]);
    out.push([s, "send -> each member's socket, p50 / p95 / p99", pcts(f.member), ""]);
    out.push([s, "sender's answer, p50 / p99", `${ms(f.ack.p50)} / ${ms(f.ack.p99)}`, ""]);
    out.push([s, "createGroup until every member has chatCreated", ms(f.createMs), `connecting ${num(f.members, 0)} sockets took ${ms(f.connectMs)}`]);
    cpuRow(s, f.cpu, call ? `; ${x(f.cpu.workerUsPerPush, call.workerUsPerCall)} the floor's CPU per call` : "");
  }
  error("fan-out", p.fanoutSmall);
  error("fan-out", p.fanoutLarge);

  const m = ok(p.many);
  if (m) {
    const s = `${m.chats} direct chats`;
    out.push([s, `delivered msgs/s (${m.chats} senders x ${m.depth} in flight)`, num(m.deliveredPerSec, 0), `${x(m.deliveredPerSec, fps)} baseline frames/s`]);
    out.push([s, "send -> push under that load, p50 / p95 / p99", pcts(m.latency), ""]);
    cpuRow(s, m.cpu);
  }
  error("many chats", p.many);

  const i = ok(p.idle);
  if (i) {
    const s = `${num(i.users, 0)} idle users`;
    out.push([s, `connect ${num(i.freshUsers, 0)} users no phase had loaded (token upgrade, 16 at a time)`, `${num(i.connectMs / 1000, 1)} s`, `${num(i.connectsPerSec, 0)}/s; ${us(i.workerUsPerConnect)} CPU each; +${num(i.kbPerFreshUser, 1)} KB RSS each`]);
    out.push([s, `Worker workerd RSS with all ${num(i.users, 0)} connected, then idle ${num(i.settleMs / 1000, 0)} s`, `${num(i.rssConnectedMB, 1)} / ${num(i.rssIdleMB, 1)} MB`, `${num(i.rssBeforeMB, 1)} MB before connecting (objects of earlier phases loaded)${r.rssAtStartMB?.chat ? `, ${num(r.rssAtStartMB.chat, 1)} MB at start` : ""}; wrangler proxy ${num(i.proxyRssIdleMB, 1)} MB`]);
  }
  error("idle users", p.idle);

  const f = ok(p.files);
  if (f) {
    const s = `a ${num(f.bytes / 2 ** 20, 0)} MiB file`;
    out.push([s, `POST /upload to its 201, MiB/s (median of ${f.rounds})`, num(f.uploadMiBps, 1), `${x(f.uploadMiBps, f.floorUploadMiBps)} the floor: the echo Worker's bare R2 put of the same bytes, ${num(f.floorUploadMiBps, 1)} MiB/s`]);
    out.push([s, "GET /files by a signed link, read to the end, MiB/s", num(f.downloadMiBps, 1), `${x(f.downloadMiBps, f.floorDownloadMiBps)} the floor: a bare R2 get, ${num(f.floorDownloadMiBps, 1)} MiB/s`]);
  }
  error("files", p.files);

  const lg = ok<LargeGroups>(p.large);
  if (lg) {
    for (const g of [lg.all, lg.some]) {
      const s = `large group ${num(g.members, 0)}, ${num(g.online, 0)} online`;
      const b = base?.rpcFanout?.find((k) => k.members === g.online);
      const fl = g.floor ?? (b && { call: b.call, workerUsPerCall: b.workerUsPerCall });
      if (g.floor) out.push([s, `floor beside it: ${num(g.online, 0)} RPCs at once, no writes, p50 / p95 / p99`, pcts(g.floor.call), `${us(g.floor.workerUsPerCall)} CPU per call; measured right before this phase`]);
      out.push([s, `send -> last online member's socket, p50 / p95 / p99 (${g.messages} msgs, one at a time)`, pcts(g.last), fl ? `${x(g.last.p50, fl.call.p50)} the ${num(g.online, 0)}-RPC floor without writes` : ""]);
      out.push([s, "sender's answer, p50 / p99", `${ms(g.ack.p50)} / ${ms(g.ack.p99)}`, ""]);
      out.push([s, "server CPU per message (all its pushes)", us(g.workerUsPerMessage), g === lg.some ? `${x(g.workerUsPerMessage, lg.all.workerUsPerMessage)} a group of ${num(lg.all.members, 0)} all online` : ""]);
      cpuRow(s, g.cpu, fl ? `; ${x(g.cpu.workerUsPerPush, fl.workerUsPerCall)} the floor's CPU per call` : "");
    }
  }
  error("large groups", p.large);

  const c = ok<Connect>(p.connect);
  if (c) {
    const s = `a user in ${c.groups} large groups`;
    out.push([s, `upgrade -> socket open, p50 / p95 / p99 (${c.rounds} connects)`, pcts(c.open), `a user in none: ${pcts(c.plainOpen)}`]);
    out.push([s, "upgrade -> first getChats answered, p50 / p95 / p99", pcts(c.usable), `a user in none: ${pcts(c.plainUsable)}`]);
    out.push([s, "server CPU per connect (open, getChats, close)", us(c.workerUsPerConnect), `a user in none: ${us(c.plainWorkerUsPerConnect)}`]);
  }
  error("connect", p.connect);

  for (const o of [p.membersSmall, p.membersLarge]) {
    const mc = ok<MembershipChange>(o);
    if (!mc) continue;
    const s = `membership, group of ${num(mc.members, 0)}${mc.large ? " (large)" : ""}`;
    out.push([s, `bytes written to storage per member added or removed (${mc.changes} changes)`, `${num(mc.bytesPerChange / 1024, 1)} KB`, "the Worker's workerd write_bytes, every member's object included"]);
    out.push([s, "owner's request answered, p50 / p99", `${ms(mc.ack.p50)} / ${ms(mc.ack.p99)}`, ""]);
    out.push([s, "server CPU per change, deliveries included", us(mc.workerUsPerChange), ""]);
  }
  error("membership", p.membersSmall);
  error("membership", p.membersLarge);
  return out;
}

function targetRows(r: Results): [string, string, string, string][] {
  return r.targets.map((t) => [
    t.pass ? "HIT" : "MISS",
    t.name,
    t.value === null ? "n/a" : `${num(t.value, 2)} ${t.unit}`,
    t.limit === null ? (t.error ?? "") : `${t.op} ${num(t.limit, 2)} ${t.unit}${t.error ? ` (${t.error})` : ""}`,
  ]);
}

function align(table: string[][]): string {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => [...(r[c] ?? "")].length)));
  return table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd()).join("\n");
}

function header(r: Results): string {
  const m = r.machine;
  const loads = Object.values(r.load ?? {}).flat();
  const load = loads.length ? `; the machine's 1-minute load average over the phases ${num(Math.min(...loads), 1)}–${num(Math.max(...loads), 1)} (${m.cores} cores, shared)` : "";
  return `${r.quick ? "QUICK run" : "Full run"}${r.localObservability ? "" : " (wrangler's local observability off)"} ${r.date} on ${m.cores} x ${m.cpuModel}, ${num(m.memoryMB / 1024, 1)} GB; node ${r.versions.node}, wrangler ${r.versions.wrangler}, workerd ${r.versions.workerd}${r.source ? `; Worker: ${r.source}` : ""}${r.serverEvents.length ? `; server events: ${r.serverEvents.join("; ")}` : ""}${load}`;
}

export function renderTable(r: Results): string {
  return [
    header(r),
    "",
    align([["scenario", "figure", "value", "notes"], ...rows(r)]),
    "",
    "Targets",
    align(targetRows(r)),
  ].join("\n");
}

const md = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;

export function renderMarkdown(r: Results): string {
  const c = r.counts;
  return `# Benchmarks

<!-- Generated by \`npm run bench\` (bench/run.ts); the same figures are in bench/results.json. Do not edit by hand. -->

${header(r)}.

![Latency and throughput](benchmarks.svg)

## Results

${md(["scenario", "figure", "value", "notes"])}
${md(["---", "---", "---:", "---"])}
${rows(r).map(md).join("\n")}

## Targets

${md(["", "target", "measured", "limit"])}
${md(["---", "---", "---:", "---"])}
${targetRows(r).map(md).join("\n")}

## How it is measured

\`npm run bench\` starts its own \`wrangler dev\` servers on fresh local state
(\`scripts/local-server.ts\`) and talks to them only over real WebSockets (the \`ws\`
package, no compression) and \`POST /api\`, all on 127.0.0.1, from one Node process on the
same machine. No client ever has more than ${c.depth} unanswered frames on a socket.

1. **Baseline**: a benchmark-only Worker (\`bench/echo/\`) hands every socket to one
   SQLite-backed Durable Object that accepts it with the Hibernation API and sends each
   frame back. Round trip of ${num(c.echoRtt ?? NaN, 0)} sequential ~100-byte frames on one socket; frames/s with
   ${c.echoSockets} sockets, ${c.depth} frames in flight each. Every chat figure is read as a ratio to these.
   The same object also gives the *RPC floors*: on a \`{"mode":"fan","n":N}\` frame it calls
   N other objects over RPC at once (each doing nothing, or storing one row in its own
   SQLite) and echoes the frame when all have answered: the least that one hop that stores
   (N = 1) or a fan-out with an object and a write per member (N = ${c.fanoutSmall}, ${num(c.fanoutLarge ?? NaN, 0)}) costs on this runtime.
   Two more figures are paced like the direct phase (${num(c.pacedRounds ?? NaN, 0)} frames at ${c.directRate}/s):
   the echo round trip again (after a pause a frame can take longer than in a busy loop),
   and \`{"mode":"chain"}\`, which one object stores and then has a second object store
   before the echo: the *two-storing-hop floor*, the least a direct message costs when the
   chat object stores it before the recipient's object logs it. Last, \`{"mode":"hubfan"}\`
   times the other design for fan-out: ${c.fanoutSmall} sockets held by 1 or by 10 *hub* objects,
   each of which logs one row per user it holds in one statement (one commit) and then
   pushes to them; the time from the frame to the last of those sockets.
2. **Direct chat latency**: A sends \`sendMessage\` at a steady ${c.directRate}/s
   (${num(c.directMessages ?? NaN, 0)} messages after 30 warm-up ones); the time from A's send to the \`newMessage\`
   push on B's socket.
3. **One group's throughput**: ${c.groupSenders} of ${c.groupMembers} members each keep ${c.depth} \`sendGroupMessage\`
   unanswered (${num(c.groupPerSender ?? NaN, 0)} each). A message counts once every other member's socket has it;
   messages/s is the count over the time from the first send to the last such delivery.
4. **Fan-out**: a group of ${c.fanoutSmall} and one of ${num(c.fanoutLarge ?? NaN, 0)}, every member online with one socket; one
   message at a time (${c.fanoutSmallMessages} and ${c.fanoutLargeMessages}, after 5 warm-up ones): the time until the last member's socket has it.
5. **Many chats**: ${c.manyChats} direct chats, each sender keeping ${c.manyDepth} \`sendMessage\` in flight
   (${c.manyPerChat} each): messages delivered per second over all of them.
6. **Cost**: CPU time (utime + stime from \`/proc/<pid>/stat\`) of the workerd process
   serving the Worker over each measured window, divided by the \`newMessage\` pushes
   delivered in it; and its resident memory (VmRSS) with ${num(c.idleUsers ?? NaN, 0)} users connected and idle for
   ${num((c.idleSettleMs ?? NaN) / 1000, 0)} s. \`wrangler dev\` runs a second workerd, a proxy in front of the Worker that
   every request and socket frame passes through; it is not there in production, so its
   CPU and memory are shown apart (as "wrangler proxy") and not counted.
7. **Files**: a ${num((r.phases.files && !("error" in r.phases.files) ? r.phases.files.bytes : 10 * 2 ** 20) / 2 ** 20, 0)} MiB file up with \`POST /upload\` (token, membership, the per-user
   limit, streamed into the local R2 bucket, recorded by the chat object) and down by a
   signed \`GET /files\` link, against the *R2 floor*: the echo Worker's \`PUT /r2/<key>\`,
   which hands the request body to one R2 put as it is, and \`GET /r2/<key>\`, which
   streams the object back. Chat and floor take turns, round by round (${c.fileRounds ?? "n/a"} rounds after a
   warm-up one); the figure is the median MiB/s, from the request to the last byte of the
   answer.
8. **Large groups** (more than ${LARGE_AT} members: fan-out on read). The fan-out groups of
   ${c.fanoutSmall} and ${num(c.fanoutLarge ?? NaN, 0)} above are large groups, and are read against the floor of
   N RPCs at once to objects that do not write (a large group's push writes nothing). The
   echo Worker stays up through the run, and that floor is measured again right before each
   phase read against it (as is the two-storing-hop floor before the direct phase): the
   machine is shared, and its load can change several times over in the minutes between
   the baseline and a phase. Then
   one group of ${num(c.largeOnline ?? NaN, 0)} with everyone online and one of ${num(c.largeMembers ?? NaN, 0)} with the same ${num(c.largeOnline ?? NaN, 0)}
   online (one socket each; groups past 1,000 are made with createGroup and addMembers of
   1,000 names each): ${c.largeMessages} messages one at a time (after 5 warm-up ones), the time until the last
   online member's socket has each, and the server CPU per message. Before each, the
   benchmark waits until the server is idle (under 3% of a core for a second), so the
   deliveries of chatCreated to the offline members' objects are not counted.
9. **Connecting in many large groups**: a user in ${c.connectGroups} large groups of ${LARGE_AT + 2} opens a
   socket (${c.connectRounds} times, after 2 warm-up ones), against a user in none: the time until the socket
   is open (the user object tells each large group before it accepts), until its first
   getChats is answered, and the server CPU of each open, getChats and close.
10. **Membership changes**: one member added and removed, alternately (${c.memberChanges} changes), in a
   small group of ${c.membersSmall} and a large one of ${num(c.fanoutLarge ?? NaN, 0)}: the bytes the Worker's workerd wrote
   to storage (\`write_bytes\` in /proc: SQLite pages and WAL frames of every object,
   the deliveries to members' logs included, counted until the server is idle again) per
   change, and the CPU.

wrangler dev 4.x also runs a *local observability collector* by default that receives the
trace events of every invocation (and of every storage call in it). It is not part of
workerd and not there in production, and it costs a fixed few hundred µs of CPU per
invocation: on this machine an RPC between two objects costs ~430 µs of CPU with it and
~70 µs without, and the echo round trip drops from ~0.65 ms to ~0.27 ms without it
(\`--no-local-observability\`, i.e. \`X_LOCAL_OBSERVABILITY=false\`). The committed
figures are with wrangler's default (on), which is what the targets were set against.

Users are made with \`register\` over \`POST /api\` (a PBKDF2 each, ${SETUP} at a time; the
server is started with \`REGISTER_PER_ADDRESS_PER_HOUR=1000000\`); sockets open with
\`GET /ws?token=…\`. The machine is shared and has two cores that both the server and the
clients use, so absolute figures move from run to run; the ratios to the baseline measured
minutes earlier are the steadier reading.

**\`npm run bench -- --quick\`** (under a minute) runs the same phases with smaller
counts: 400 echo round trips and 8 x 600 echo frames, RPC floors of 100 / 10 / 3 frames
instead of 500 / 100 / 20, 200 paced frames instead of 1,000; 300 direct messages; 150
messages per group sender; fan-out to 100 (30 messages) and to 200 instead of 1,000 members (10 messages); 50 direct chats x 10
messages; 300 idle users settled 2 s instead of 2,000 for 15 s; 3 file rounds instead of 10; a large group of
1,000 with 100 online (20 messages) instead of 5,000 with 500 (50); 10 large groups instead of 50 for the
connecting user, 5 connects instead of 20; 10 membership changes instead of 20. It writes to
\`bench/out/\` (not committed) so the full run's figures here stay. Other options:
\`--only=baseline,direct,group,fanout,many,idle,files,large,connect,members\` runs a subset; \`--source=REV\` measures
a git revision of the Worker instead of the work tree; \`--no-local-observability\` turns
off wrangler's local observability collector (see above); each of these also writes to
\`bench/out/\`.

${readFileSync(new URL("./tried.md", import.meta.url), "utf8")}`;
}

const SETUP = 8;
/** The server's LARGE_GROUP_MEMBERS in the benchmark (wrangler.toml's default). */
const LARGE_AT = 50;

// ---- Chart ----

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface Bar {
  label: string;
  p50: number;
  p99: number;
  /** Target marks on this row, [value, label]. */
  marks: [number, string][];
  /** A baseline figure, drawn grey. */
  grey?: boolean;
}

export function renderSvg(r: Results): string {
  const p = r.phases;
  const base = ok<Baseline>(p.baseline);
  const d = ok(p.direct);
  const g = ok(p.group);
  const fs = ok<Fanout>(p.fanoutSmall);
  const fl = ok<Fanout>(p.fanoutLarge);
  const m = ok(p.many);
  const lat: Bar[] = [];
  if (base) lat.push({ label: "echo baseline RTT", p50: base.rtt.p50, p99: base.rtt.p99, marks: [], grey: true });
  // Floors measured beside a phase where the run has them: the load drifts over a run.
  const chain = d?.floorChain ?? base?.pacedChain;
  if (chain) lat.push({ label: "floor: 2 storing hops", p50: chain.p50, p99: chain.p99, marks: [], grey: true });
  if (d)
    lat.push({
      label: "direct chat",
      p50: d.latency.p50,
      p99: d.latency.p99,
      marks: [...(base ? ([[2 * base.rtt.p50, "p50 target"], [8 * base.rtt.p50, "p99 target"]] as [number, string][]) : []), ...(chain ? ([[1.15 * chain.p50, "p50 target: 1.15x floor"]] as [number, string][]) : [])],
    });
  if (g) lat.push({ label: `group ${g.members}, flooded`, p50: g.latency.p50, p99: g.latency.p99, marks: [] });
  const floor = (f: Fanout | null) => {
    const k = base?.rpcFanout?.find((r) => r.members === f?.members);
    if (k) lat.push({ label: `floor: ${k.members} RPCs + writes`, p50: k.write.p50, p99: k.write.p99, marks: [], grey: true });
    const call = f?.floor?.call ?? k?.call;
    if (f && call && f.members > LARGE_AT) lat.push({ label: `floor: ${num(f.members, 0)} RPCs, no write`, p50: call.p50, p99: call.p99, marks: [], grey: true });
    return call;
  };
  const smallCall = floor(fs);
  const hub = base?.hubFanout?.find((h) => h.members === fs?.members && h.hubs === 1);
  if (hub) lat.push({ label: `${hub.members} sockets in 1 hub object`, p50: hub.last.p50, p99: hub.last.p99, marks: [], grey: true });
  if (fs) lat.push({ label: `fan-out ${fs.members} (last)`, p50: fs.last.p50, p99: fs.last.p99, marks: [[15, "p50 target"], [50, "p99 target"], ...(smallCall ? ([[1.25 * smallCall.p50, "p50 target: 1.25x floor"]] as [number, string][]) : [])] });
  const largeCall = floor(fl);
  if (fl) lat.push({ label: `fan-out ${fl.members} (last)`, p50: fl.last.p50, p99: fl.last.p99, marks: largeCall ? [[1.25 * largeCall.p50, "p50 target: 1.25x floor"]] : [] });
  if (m) lat.push({ label: `${m.chats} chats, flooded`, p50: m.latency.p50, p99: m.latency.p99, marks: [] });
  const lg = ok<LargeGroups>(p.large);
  if (lg) {
    const g: LargeGroup = lg.some;
    const k = g.floor?.call ?? base?.rpcFanout?.find((f) => f.members === g.online)?.call;
    if (k) lat.push({ label: `floor: ${num(g.online, 0)} RPCs, no write`, p50: k.p50, p99: k.p99, marks: [], grey: true });
    lat.push({ label: `large ${g.members}, ${g.online} online`, p50: g.last.p50, p99: g.last.p99, marks: k ? [[1.25 * k.p50, "p50 target: 1.25x floor"]] : [] });
  }
  const tput: { label: string; value: number; mark?: number }[] = [];
  if (base) tput.push({ label: "echo baseline frames/s", value: base.framesPerSec });
  if (g) tput.push({ label: `group ${g.members}: msgs/s to all`, value: g.deliveredPerSec, ...(base && { mark: 0.25 * base.framesPerSec }) });
  if (m) tput.push({ label: `${m.chats} direct chats: msgs/s`, value: m.deliveredPerSec });

  const W = 960;
  const rowH = 34;
  const top = 56;
  const labelW = 170;
  const panelW = 440;
  const H = top + Math.max(lat.length, tput.length, 1) * rowH + 70;
  const parts: string[] = [];
  const text = (x0: number, y0: number, s: string, extra = "") => parts.push(`<text x="${x0.toFixed(1)}" y="${y0.toFixed(1)}"${extra}>${esc(s)}</text>`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  text(16, 24, `${r.quick ? "Quick run" : "Full run"} ${r.date.slice(0, 10)}, ${r.machine.cores} x ${r.machine.cpuModel}, workerd ${r.versions.workerd.split(" ")[0]}`, ' font-size="13" fill="#444"');

  // Latency panel: log scale.
  const x0 = 16 + labelW;
  const w = panelW - labelW - 20;
  const vals = lat.flatMap((b) => [b.p50, b.p99, ...b.marks.map((k) => k[0])]).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...vals, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...vals, 10))));
  const sx = (v: number) => x0 + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * w;
  text(16, 46, "Latency, ms (log scale): p50 bar, p99 whisker", ' font-size="14" font-weight="bold"');
  for (let t = lo; t <= hi * 1.0001; t *= 10) {
    parts.push(`<line x1="${sx(t).toFixed(1)}" y1="${top}" x2="${sx(t).toFixed(1)}" y2="${top + lat.length * rowH}" stroke="#ddd"/>`);
    text(sx(t), top + lat.length * rowH + 14, t >= 1 ? String(t) : t.toString(), ' font-size="11" text-anchor="middle" fill="#666"');
  }
  lat.forEach((b, i) => {
    const y = top + i * rowH;
    text(x0 - 8, y + 21, b.label, ' font-size="12" text-anchor="end"');
    parts.push(`<rect x="${x0}" y="${y + 8}" width="${Math.max(1, sx(b.p50) - x0).toFixed(1)}" height="18" fill="${b.grey ? "#8a8a8a" : "#3b7dd8"}"/>`);
    parts.push(`<line x1="${sx(b.p50).toFixed(1)}" y1="${y + 17}" x2="${sx(b.p99).toFixed(1)}" y2="${y + 17}" stroke="#1d3f73" stroke-width="2"/>`);
    parts.push(`<line x1="${sx(b.p99).toFixed(1)}" y1="${y + 10}" x2="${sx(b.p99).toFixed(1)}" y2="${y + 24}" stroke="#1d3f73" stroke-width="2"/>`);
    text(sx(b.p99) + 4, y + 21, `${fmt(b.p50)} / ${fmt(b.p99)}`, ' font-size="11" fill="#333"');
    for (const [v, label] of b.marks) {
      parts.push(`<line x1="${sx(v).toFixed(1)}" y1="${y + 4}" x2="${sx(v).toFixed(1)}" y2="${y + 30}" stroke="#d33" stroke-width="2" stroke-dasharray="3,2"><title>${esc(`${label}: ${fmt(v)} ms`)}</title></line>`);
    }
  });

  // Throughput panel: linear.
  const X0 = panelW + 40 + labelW + 20;
  const tw = W - X0 - 70;
  const tmax = niceMax(Math.max(...tput.map((t) => Math.max(t.value, t.mark ?? 0)), 1));
  const tx = (v: number) => X0 + (Math.max(0, v) / tmax) * tw;
  text(panelW + 40, 46, "Throughput per second", ' font-size="14" font-weight="bold"');
  for (let k = 0; k <= 4; k++) {
    const v = (tmax * k) / 4;
    parts.push(`<line x1="${tx(v).toFixed(1)}" y1="${top}" x2="${tx(v).toFixed(1)}" y2="${top + tput.length * rowH}" stroke="#ddd"/>`);
    text(tx(v), top + tput.length * rowH + 14, num(v, 0), ' font-size="11" text-anchor="middle" fill="#666"');
  }
  tput.forEach((t, i) => {
    const y = top + i * rowH;
    text(X0 - 8, y + 21, t.label, ' font-size="12" text-anchor="end"');
    parts.push(`<rect x="${X0}" y="${y + 8}" width="${Math.max(1, tx(t.value) - X0).toFixed(1)}" height="18" fill="${i === 0 ? "#8a8a8a" : "#2e9e6a"}"/>`);
    text(tx(t.value) + 4, y + 21, num(t.value, 0), ' font-size="11" fill="#333"');
    if (t.mark !== undefined)
      parts.push(`<line x1="${tx(t.mark).toFixed(1)}" y1="${y + 4}" x2="${tx(t.mark).toFixed(1)}" y2="${y + 30}" stroke="#d33" stroke-width="2" stroke-dasharray="3,2"><title>${esc(`target: ${num(t.mark, 0)}/s`)}</title></line>`);
  });
  text(16, H - 14, "Grey: baselines measured in the same run (bare echo object; two objects storing in series; N objects each writing a row; one hub object logging for 100 users). Red dashes: targets.", ' font-size="11" fill="#666"');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">\n${parts.join("\n")}\n</svg>\n`;
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function niceMax(v: number): number {
  const e = Math.pow(10, Math.floor(Math.log10(v)));
  for (const k of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (k * e >= v) return k * e;
  return 10 * e;
}
