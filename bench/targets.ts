// The benchmark's targets, each read against the same run's figures.
import { num } from "./common";
import { COUNTS, EDITS_FEW, EDITS_PER_MESSAGE, LARGE_AT } from "./options";
import { round } from "./stats";
import type { Outcome, PhaseCpu, Results, Target } from "./types";

export const failed = <T>(o: Outcome<T> | undefined): o is { error: string } => !!o && typeof o === "object" && "error" in o;

export function targets(r: Results): Target[] {
  const b = r.phases.baseline;
  const base = b && !failed(b) ? b : null;
  const out: Target[] = [];
  const add = (name: string, value: number | null, op: "<=" | ">=", limit: number | null, unit: string, error?: string) => {
    const measurable = value !== null && limit !== null && Number.isFinite(value) && Number.isFinite(limit);
    const pass = measurable && (op === "<=" ? value <= limit : value >= limit);
    out.push({
      name,
      value: value === null ? null : round(value, 2),
      op,
      limit: limit === null ? null : round(limit, 2),
      unit,
      pass,
      ...(error && { error }),
    });
  };
  const d = r.phases.direct;
  const g = r.phases.group;
  const f = r.phases.fanoutSmall;
  const rtt = base?.rtt.p50 ?? null;
  const err = (o: unknown) => (failed(o as Outcome<object>) ? (o as { error: string }).error : o === undefined ? "not run" : undefined);
  add(
    "direct chat latency p50 <= 2x baseline RTT p50",
    d && !failed(d) ? d.latency.p50 : null,
    "<=",
    rtt !== null ? 2 * rtt : null,
    "ms",
    err(d) ?? (base ? undefined : "no baseline"),
  );
  add(
    "direct chat latency p99 <= 8x baseline RTT p50",
    d && !failed(d) ? d.latency.p99 : null,
    "<=",
    rtt !== null ? 8 * rtt : null,
    "ms",
    err(d) ?? (base ? undefined : "no baseline"),
  );
  add(
    `group of ${COUNTS.groupMembers} stored-and-delivered msgs/s >= 0.25x baseline frames/s`,
    g && !failed(g) ? g.deliveredPerSec : null,
    ">=",
    base ? 0.25 * base.framesPerSec : null,
    "msg/s",
    err(g) ?? (base ? undefined : "no baseline"),
  );
  add(`fan-out to ${COUNTS.fanoutSmall} p50 <= 15 ms`, f && !failed(f) ? f.last.p50 : null, "<=", 15, "ms", err(f));
  add(`fan-out to ${COUNTS.fanoutSmall} p99 <= 50 ms`, f && !failed(f) ? f.last.p99 : null, "<=", 50, "ms", err(f));
  // Issue 11: large groups (fan-out on read) against the floors of the same run.
  const floor = (n: number) => base?.rpcFanout.find((k) => k.members === n) ?? null;
  const noBase = base ? undefined : "no baseline";
  add(
    "direct chat p50 <= 1.15x the two-storing-hop floor",
    d && !failed(d) ? d.latency.p50 : null,
    "<=",
    d && !failed(d) && d.floorChain ? 1.15 * d.floorChain.p50 : base ? 1.15 * base.pacedChain.p50 : null,
    "ms",
    err(d) ?? noBase,
  );
  for (const fo of [r.phases.fanoutSmall, r.phases.fanoutLarge]) {
    const size = fo === r.phases.fanoutSmall ? COUNTS.fanoutSmall : COUNTS.fanoutLarge;
    const got = fo && !failed(fo) ? fo : null;
    const fl = got?.floor?.call ?? floor(size)?.call;
    const flCpu = got?.floor?.workerUsPerCall ?? floor(size)?.workerUsPerCall;
    add(
      `large group of ${size}, all online: p50 <= 1.25x the ${size}-RPC floor without writes`,
      got ? got.last.p50 : null,
      "<=",
      fl ? 1.25 * fl.p50 : null,
      "ms",
      err(fo) ?? noBase,
    );
    add(
      `large group of ${size}: CPU per push <= 1.25x that floor's CPU per call`,
      got ? got.cpu.workerUsPerPush : null,
      "<=",
      flCpu !== undefined ? 1.25 * flCpu : null,
      "µs",
      err(fo) ?? noBase,
    );
  }
  const lg = r.phases.large;
  const l = lg && !failed(lg) ? lg : null;
  const fo = l?.some.floor?.call ?? floor(COUNTS.largeOnline)?.call;
  add(
    `large group of ${COUNTS.largeMembers} with ${COUNTS.largeOnline} online: p50 <= 1.25x the ${COUNTS.largeOnline}-RPC floor without writes`,
    l ? l.some.last.p50 : null,
    "<=",
    fo ? 1.25 * fo.p50 : null,
    "ms",
    err(lg) ?? noBase,
  );
  add(
    `large group of ${COUNTS.largeMembers} with ${COUNTS.largeOnline} online: CPU per message <= 1.25x a group of ${COUNTS.largeOnline} all online`,
    l ? l.some.workerUsPerMessage : null,
    "<=",
    l ? 1.25 * l.all.workerUsPerMessage : null,
    "µs",
    err(lg),
  );
  const phases: { cpu: PhaseCpu }[] = [];
  for (const p of [r.phases.direct, r.phases.group, r.phases.fanoutSmall, r.phases.fanoutLarge, r.phases.many])
    if (p && !failed(p)) phases.push(p);
  const us = phases.reduce((s, p) => s + p.cpu.workerUs, 0);
  const pushes = phases.reduce((s, p) => s + p.cpu.pushes, 0);
  add(
    "server CPU per delivered push (all message phases) <= 120 µs",
    pushes ? us / pushes : null,
    "<=",
    120,
    "µs",
    pushes ? undefined : "no message phase ran",
  );
  const fp = r.phases.files;
  const fr = fp && !failed(fp) ? fp : null;
  add("10 MiB upload throughput >= 0.8x the R2 floor", fr ? fr.uploadMiBps / fr.floorUploadMiBps : null, ">=", 0.8, "x", err(fp));
  add("10 MiB download throughput >= 0.8x the R2 floor", fr ? fr.downloadMiBps / fr.floorDownloadMiBps : null, ">=", 0.8, "x", err(fp));
  // Issue 19: an edit costs the same however many edits came before it.
  const ed = r.phases.edits;
  const e = ed && !failed(ed) ? ed : null;
  const earlier = COUNTS.editsEarlier;
  add(
    `an edit's answer with ${num(earlier)} earlier edits in the chat <= 1.2x with ${EDITS_FEW}`,
    e ? e.chatAnswerRatio : null,
    "<=",
    1.2,
    "x",
    err(ed),
  );
  add(
    `the peer's push of an edit with ${num(earlier)} earlier edits in the chat <= 1.2x with ${EDITS_FEW}`,
    e ? e.chatPushRatio : null,
    "<=",
    1.2,
    "x",
    err(ed),
  );
  add(`the ${EDITS_PER_MESSAGE}th edit of a message answered <= 1.2x its 10th`, e ? e.messageAnswerRatio : null, "<=", 1.2, "x", err(ed));
  add(
    `the peer's push of a message's ${EDITS_PER_MESSAGE}th edit <= 1.2x its 10th`,
    e ? e.messagePushRatio : null,
    "<=",
    1.2,
    "x",
    err(ed),
  );
  // Issue 20: a reaction in a large group against the same floors as a message.
  const rp = r.phases.reactions;
  const re = rp && !failed(rp) ? rp : null;
  const rf = re?.floor ?? (re ? floor(re.online) : null);
  const rname = `a reaction in a large group of ${num(COUNTS.reactMembers)} with ${COUNTS.reactOnline} online`;
  add(
    `${rname}: p50 <= 1.25x the ${COUNTS.reactOnline}-RPC floor without writes`,
    re ? re.last.p50 : null,
    "<=",
    rf ? 1.25 * rf.call.p50 : null,
    "ms",
    err(rp) ?? (rf ? undefined : "no floor"),
  );
  add(
    `${rname}: CPU per push <= 1.25x that floor's CPU per call`,
    re ? re.cpu.workerUsPerPush : null,
    "<=",
    rf ? 1.25 * rf.workerUsPerCall : null,
    "µs",
    err(rp) ?? (rf ? undefined : "no floor"),
  );
  // Issue 21: search.
  const sp = r.phases.search;
  const se = sp && !failed(sp) ? sp : null;
  const sname = `search, ${COUNTS.searchChats} chats and ${num(COUNTS.searchMessages)} messages`;
  add(`${sname}: p50 <= 50 ms`, se ? se.answer.p50 : null, "<=", 50, "ms", err(sp));
  add(`${sname}: p99 <= 200 ms`, se ? se.answer.p99 : null, "<=", 200, "ms", err(sp));
  add(
    "a send's CPU per delivered push, words indexed, <= 1.2x a send with no indexable word",
    se ? se.sendRatio : null,
    "<=",
    1.2,
    "x",
    err(sp),
  );
  // Issue 24: connecting in many large groups, and a log at its bound.
  const cp = r.phases.connect;
  const co = cp && !failed(cp) ? cp : null;
  add(
    `a user in ${COUNTS.connectGroups} large groups of ${LARGE_AT + 2}: socket open p50 <= 1.5x a user in none`,
    co ? co.open.p50 : null,
    "<=",
    co ? 1.5 * co.plainOpen.p50 : null,
    "ms",
    err(cp),
  );
  add(
    `a user in ${COUNTS.connectGroups} large groups of ${LARGE_AT + 2}: first getChats p50 <= 1.5x a user in none`,
    co ? co.usable.p50 : null,
    "<=",
    co ? 1.5 * co.plainUsable.p50 : null,
    "ms",
    err(cp),
  );
  const sc = r.phases.scale;
  const scl = sc && !failed(sc) ? sc : null;
  add(
    `sync of 100 from the oldest kept pts (a log of ${num(COUNTS.logKeep)} kept) <= 1.2x from a recent one`,
    scl ? scl.log.ratio : null,
    "<=",
    1.2,
    "x",
    err(sc),
  );
  return out;
}
