// The rows of the table printed at the end (and of docs/benchmarks.md's table): one or more
// per phase, with the helpers that format a figure.
import type { Dist } from "./stats";
import type { Baseline, Connect, EditWindow, Edits, Fanout, LargeGroups, MembershipChange, Outcome, Results } from "./types";

/** The server's LARGE_GROUP_MEMBERS in the benchmark (wrangler.toml's default). */
export const LARGE_AT = 50;

export type Row = [section: string, figure: string, value: string, note: string];

export const ok = <T extends object>(o: Outcome<T> | undefined): T | null => (o && !("error" in o) ? (o as T) : null);
export const num = (x: number, digits = 2) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a");
const ms = (x: number) => `${num(x, 2)} ms`;
const pcts = (d: Dist) => `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}`;
const x = (v: number, base: number | undefined) => (base && Number.isFinite(v) ? `${num(v / base, 2)}x` : "");
const us = (v: number) => `${num(v, 1)} µs`;

export function rows(r: Results): Row[] {
  const out: Row[] = [];
  const p = r.phases;
  const base = ok<Baseline>(p.baseline);
  const rtt = base?.rtt.p50;
  const fps = base?.framesPerSec;
  const error = (section: string, o: Outcome<object> | undefined) => {
    if (o && "error" in o) out.push([section, "FAILED", "", o.error.slice(0, 120)]);
  };
  const cpuRow = (section: string, c: { workerUsPerPush: number; proxyUsPerPush: number; pushes: number }, extra = "") =>
    out.push([
      section,
      "server CPU per delivered push",
      us(c.workerUsPerPush),
      `${num(c.pushes, 0)} pushes; wrangler proxy +${us(c.proxyUsPerPush)}${extra}`,
    ]);

  if (base) {
    const s = "baseline: echo DO";
    out.push([s, `round trip p50 / p95 / p99 (${num(base.rtt.n, 0)} x ${base.frameBytes} B, sequential)`, pcts(base.rtt), "= 1x latency"]);
    out.push([s, `frames/s (${base.sockets} sockets x ${base.depth} in flight)`, num(base.framesPerSec, 0), "= 1x throughput"]);
    out.push([s, "server CPU per echoed frame", us(base.cpu.workerUsPerFrame), `wrangler proxy +${us(base.cpu.proxyUsPerFrame)}`]);
    if (base.pacedRtt) {
      out.push([
        s,
        `round trip p50 / p95 / p99, ${base.pacedRate} frames/s (the direct phase's pace)`,
        pcts(base.pacedRtt),
        `${x(base.pacedRtt.p50, rtt)} the back-to-back RTT`,
      ]);
      out.push([
        s,
        `frame -> stored by one object, then by another -> echo, ${base.pacedRate}/s`,
        pcts(base.pacedChain),
        "the floor of a direct message: two storing hops in series",
      ]);
    }
    for (const f of base.rpcFanout ?? []) {
      if (f.members === 1) {
        out.push([
          s,
          "frame -> 1 RPC -> echo, p50 / p95 / p99",
          pcts(f.call),
          `${us(f.workerUsPerCall)} CPU per frame (the echo and its call)`,
        ]);
        out.push([
          s,
          "frame -> 1 RPC writing a row -> echo, p50 / p95 / p99",
          pcts(f.write),
          `${us(f.workerUsPerCallWrite)} CPU per frame: one hop that stores`,
        ]);
        continue;
      }
      out.push([
        s,
        `frame -> ${num(f.members, 0)} RPCs at once -> echo, p50 / p95 / p99`,
        pcts(f.call),
        `${us(f.workerUsPerCall)} CPU per call`,
      ]);
      out.push([
        s,
        `frame -> ${num(f.members, 0)} RPCs each writing a row -> echo, p50 / p95 / p99`,
        pcts(f.write),
        `${us(f.workerUsPerCallWrite)} CPU per call: the floor of a fan-out with an object and a write per member`,
      ]);
    }
    for (const h of base.hubFanout ?? [])
      out.push([
        s,
        `frame -> ${num(h.members, 0)} sockets held by ${h.hubs} hub object${h.hubs === 1 ? "" : "s"}, each logging its users' rows in one commit, p50 / p95 / p99`,
        pcts(h.last),
        `${us(h.workerUsPerPush)} CPU per push: a fan-out where an object holds many users' sockets and logs`,
      ]);
  }
  error("baseline: echo DO", p.baseline);

  if (r.setup) {
    const s = r.setup;
    out.push([
      "setup",
      `register ${num(s.users, 0)} users (${s.concurrency} at a time)`,
      `${num(s.ms / 1000, 1)} s`,
      `${num(s.perSec, 1)}/s; ${num(s.workerUsPerRegister / 1000, 1)} ms CPU each (PBKDF2)`,
    ]);
  }

  const d = ok(p.direct);
  if (d) {
    const s = "direct chat";
    const chain = d.floorChain?.p50 ?? base?.pacedChain?.p50;
    if (d.floorChain)
      out.push([
        s,
        "floor beside it: two storing hops at its pace, p50 / p95 / p99",
        pcts(d.floorChain),
        "measured right before this phase",
      ]);
    out.push([
      s,
      `A sends -> B's push, p50 / p95 / p99 (${num(d.messages, 0)} at ${d.ratePerSec}/s)`,
      pcts(d.latency),
      `p50 ${x(d.latency.p50, rtt)}, p99 ${x(d.latency.p99, rtt)} baseline RTT p50${chain ? `; p50 ${x(d.latency.p50, chain)} the two-storing-hop floor` : ""}`,
    ]);
    out.push([s, "A's sendMessage answered, p50 / p95 / p99", pcts(d.ack), `p50 ${x(d.ack.p50, rtt)}`]);
    cpuRow(s, d.cpu);
  }
  error("direct chat", p.direct);

  const g = ok(p.group);
  if (g) {
    const s = `group of ${g.members}`;
    out.push([
      s,
      `stored-and-delivered msgs/s (${g.senders} senders x ${g.depth} in flight)`,
      num(g.deliveredPerSec, 0),
      `${x(g.deliveredPerSec, fps)} baseline frames/s; ${num(g.deliveredPerSec * (g.members - 1), 0)} pushes/s`,
    ]);
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
    if (f.floor)
      out.push([
        s,
        `floor beside it: ${num(f.members, 0)} RPCs at once, no writes, p50 / p95 / p99`,
        pcts(f.floor.call),
        `${us(f.floor.workerUsPerCall)} CPU per call; measured right before this phase`,
      ]);
    const floors = `${call ? `, ${x(f.last.p50, call.call.p50)} the ${num(f.members, 0)}-RPC floor without writes` : ""}${fl ? `, ${x(f.last.p50, fl.write.p50)} the one with a write each (baseline)` : ""}`;
    out.push([
      s,
      `send -> last member's socket, p50 / p95 / p99 (${f.messages} msgs, one at a time)`,
      pcts(f.last),
      `p50 ${x(f.last.p50, rtt)} baseline RTT p50${floors}`,
    ]);
    out.push([s, "send -> each member's socket, p50 / p95 / p99", pcts(f.member), ""]);
    out.push([s, "sender's answer, p50 / p99", `${ms(f.ack.p50)} / ${ms(f.ack.p99)}`, ""]);
    out.push([
      s,
      "createGroup until every member has chatCreated",
      ms(f.createMs),
      `connecting ${num(f.members, 0)} sockets took ${ms(f.connectMs)}`,
    ]);
    cpuRow(s, f.cpu, call ? `; ${x(f.cpu.workerUsPerPush, call.workerUsPerCall)} the floor's CPU per call` : "");
  }
  error("fan-out", p.fanoutSmall);
  error("fan-out", p.fanoutLarge);

  const m = ok(p.many);
  if (m) {
    const s = `${m.chats} direct chats`;
    out.push([
      s,
      `delivered msgs/s (${m.chats} senders x ${m.depth} in flight)`,
      num(m.deliveredPerSec, 0),
      `${x(m.deliveredPerSec, fps)} baseline frames/s`,
    ]);
    out.push([s, "send -> push under that load, p50 / p95 / p99", pcts(m.latency), ""]);
    cpuRow(s, m.cpu);
  }
  error("many chats", p.many);

  const i = ok(p.idle);
  if (i) {
    const s = `${num(i.users, 0)} idle users`;
    out.push([
      s,
      `connect ${num(i.freshUsers, 0)} users no phase had loaded (token upgrade, 16 at a time)`,
      `${num(i.connectMs / 1000, 1)} s`,
      `${num(i.connectsPerSec, 0)}/s; ${us(i.workerUsPerConnect)} CPU each; +${num(i.kbPerFreshUser, 1)} KB RSS each`,
    ]);
    out.push([
      s,
      `Worker workerd RSS with all ${num(i.users, 0)} connected, then idle ${num(i.settleMs / 1000, 0)} s`,
      `${num(i.rssConnectedMB, 1)} / ${num(i.rssIdleMB, 1)} MB`,
      `${num(i.rssBeforeMB, 1)} MB before connecting (objects of earlier phases loaded)${r.rssAtStartMB?.chat ? `, ${num(r.rssAtStartMB.chat, 1)} MB at start` : ""}; wrangler proxy ${num(i.proxyRssIdleMB, 1)} MB`,
    ]);
  }
  error("idle users", p.idle);

  const f = ok(p.files);
  if (f) {
    const s = `a ${num(f.bytes / 2 ** 20, 0)} MiB file`;
    out.push([
      s,
      `POST /upload to its 201, MiB/s (median of ${f.rounds})`,
      num(f.uploadMiBps, 1),
      `${x(f.uploadMiBps, f.floorUploadMiBps)} the floor: the echo Worker's bare R2 put of the same bytes, ${num(f.floorUploadMiBps, 1)} MiB/s`,
    ]);
    out.push([
      s,
      "GET /files by a signed link, read to the end, MiB/s",
      num(f.downloadMiBps, 1),
      `${x(f.downloadMiBps, f.floorDownloadMiBps)} the floor: a bare R2 get, ${num(f.floorDownloadMiBps, 1)} MiB/s`,
    ]);
  }
  error("files", p.files);

  const lg = ok<LargeGroups>(p.large);
  if (lg) {
    for (const g of [lg.all, lg.some]) {
      const s = `large group ${num(g.members, 0)}, ${num(g.online, 0)} online`;
      const b = base?.rpcFanout?.find((k) => k.members === g.online);
      const fl = g.floor ?? (b && { call: b.call, workerUsPerCall: b.workerUsPerCall });
      if (g.floor)
        out.push([
          s,
          `floor beside it: ${num(g.online, 0)} RPCs at once, no writes, p50 / p95 / p99`,
          pcts(g.floor.call),
          `${us(g.floor.workerUsPerCall)} CPU per call; measured right before this phase`,
        ]);
      out.push([
        s,
        `send -> last online member's socket, p50 / p95 / p99 (${g.messages} msgs, one at a time)`,
        pcts(g.last),
        fl ? `${x(g.last.p50, fl.call.p50)} the ${num(g.online, 0)}-RPC floor without writes` : "",
      ]);
      out.push([s, "sender's answer, p50 / p99", `${ms(g.ack.p50)} / ${ms(g.ack.p99)}`, ""]);
      out.push([
        s,
        "server CPU per message (all its pushes)",
        us(g.workerUsPerMessage),
        g === lg.some ? `${x(g.workerUsPerMessage, lg.all.workerUsPerMessage)} a group of ${num(lg.all.members, 0)} all online` : "",
      ]);
      cpuRow(s, g.cpu, fl ? `; ${x(g.cpu.workerUsPerPush, fl.workerUsPerCall)} the floor's CPU per call` : "");
    }
  }
  error("large groups", p.large);

  const c = ok<Connect>(p.connect);
  if (c) {
    const s = `a user in ${c.groups} large groups`;
    out.push([s, `upgrade -> socket open, p50 / p95 / p99 (${c.rounds} connects)`, pcts(c.open), `a user in none: ${pcts(c.plainOpen)}`]);
    out.push([
      s,
      "upgrade -> first getChats answered, p50 / p95 / p99",
      pcts(c.usable),
      `a user in none: ${pcts(c.plainUsable)}${c.floor ? `; the floor (${num(c.floor.members, 0)} RPCs at once, each reading one row): ${pcts(c.floor.call)}` : ""}`,
    ]);
    out.push([s, "server CPU per connect (open, getChats)", us(c.workerUsPerConnect), `a user in none: ${us(c.plainWorkerUsPerConnect)}`]);
  }
  error("connect", p.connect);

  for (const o of [p.membersSmall, p.membersLarge]) {
    const mc = ok<MembershipChange>(o);
    if (!mc) continue;
    const s = `membership, group of ${num(mc.members, 0)}${mc.large ? " (large)" : ""}`;
    out.push([
      s,
      `bytes written to storage per member added or removed (${mc.changes} changes)`,
      `${num(mc.bytesPerChange / 1024, 1)} KB`,
      "the Worker's workerd write_bytes, every member's object included",
    ]);
    out.push([s, "owner's request answered, p50 / p99", `${ms(mc.ack.p50)} / ${ms(mc.ack.p99)}`, ""]);
    out.push([s, "server CPU per change, deliveries included", us(mc.workerUsPerChange), ""]);
  }
  error("membership", p.membersSmall);
  error("membership", p.membersLarge);

  const e = ok<Edits>(p.edits);
  if (e) {
    const s = `edits of ${num(e.contentChars, 0)}-character messages, ${e.ratePerSec}/s`;
    const med = (w: EditWindow) => `${ms(w.answer.p50)} / ${ms(w.push.p50)}`;
    out.push([
      s,
      `a fresh message's edits with ${num(e.fewEarlier.from - 1, 0)} earlier in the chat: answer / peer's push, medians`,
      med(e.fewEarlier),
      `${e.fewEarlier.answer.n} edits`,
    ]);
    out.push([
      s,
      `the same with ${num(e.manyEarlier.from - 1, 0)} earlier in the chat`,
      med(e.manyEarlier),
      `${num(e.chatAnswerRatio, 2)}x / ${num(e.chatPushRatio, 2)}x the above`,
    ]);
    out.push([
      s,
      `one message's edits ${e.early.from}-${e.early.to}: answer / peer's push, medians`,
      med(e.early),
      `at most ${e.perMessage} edits a message`,
    ]);
    out.push([
      s,
      `its edits ${e.late.from}-${e.late.to}`,
      med(e.late),
      `${num(e.messageAnswerRatio, 2)}x / ${num(e.messagePushRatio, 2)}x the above`,
    ]);
    out.push([
      s,
      "bytes written to storage / server CPU per edit",
      `${num(e.bytesPerEdit / 1024, 1)} KB / ${us(e.workerUsPerEdit)}`,
      "both members' objects included",
    ]);
  }
  error("edits", p.edits);
  return out;
}
