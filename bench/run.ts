// `npm run bench [-- --quick] [--only=baseline,direct,group,fanout,many,idle,files,large,connect,members,edits,reactions,search,push,scale] [--out=DIR] [--source=REV] [--no-local-observability] [--profile] [--set=name=N,...] [--render=results.json]`
//
// Delivery latency, throughput, fan-out and server CPU per push of the chat service, each
// read against a baseline measured in the same run on the same runtime: a bare echo
// Durable Object (bench/echo/). Starts its own `wrangler dev` servers on fresh local state,
// talks to them only over real WebSockets and POST /api on 127.0.0.1, prints a progress
// line while it runs and a table at the end, and writes the same figures to
// bench/results.json and docs/benchmarks.md (+ docs/benchmarks.svg). A --quick run
// writes to bench/out/ instead, so it never replaces the committed full-run figures.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalServer } from "../scripts/local-server";
import { cpuWindow, mb, per, registerUsers, type U } from "./common";
import { shared } from "./floors";
import {
  args,
  COUNTS,
  DEPTH,
  enabled,
  MANY_DEPTH,
  NO_OBSERVABILITY,
  OUT,
  OVERRIDES,
  PROFILE,
  QUICK,
  SERVER_VARS,
  SETUP_CONCURRENCY,
  SOURCE,
} from "./options";
import { attachProfiler, detachProfiler, profiled } from "./profile";
import { baseline } from "./phases/baseline";
import { connectMany } from "./phases/connect";
import { direct } from "./phases/direct";
import { edits } from "./phases/edits";
import { fanout } from "./phases/fanout";
import { files } from "./phases/files";
import { group } from "./phases/group";
import { idle } from "./phases/idle";
import { large } from "./phases/large";
import { many } from "./phases/many";
import { membership } from "./phases/members";
import { push, pushUsers } from "./phases/push";
import { reactions } from "./phases/reactions";
import { scale, scaleUsers } from "./phases/scale";
import { search } from "./phases/search";
import { machine, rssBytes, serverProcs, type ServerProcs, workerdVersion } from "./proc";
import { note, progress, ticker, tty } from "./progress";
import { renderMarkdown, renderSvg, renderTable } from "./report";
import { snapshot } from "./snapshot";
import { seedAccounts, vapidPair } from "./seed";
import { round } from "./stats";
import { targets } from "./targets";
import type { Outcome, Results } from "./types";

if (args.includes("--help")) {
  console.log(
    readFileSync(new URL(import.meta.url), "utf8")
      .split("\n")
      .slice(0, 9)
      .join("\n"),
  );
  process.exit(0);
}

// ---- The run ----

/** The machine's 1-minute load average around each phase. */
const loads: Record<string, [number, number]> = {};

async function attempt<T>(name: string, fn: () => Promise<T>): Promise<Outcome<T>> {
  const before = round(loadavg()[0]!, 2);
  try {
    const { value: r } = await profiled(name, "phase", fn);
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

/** Registers the users the phases share, and records what that cost. */
async function register(procs: ServerProcs, url: string, n: number, results: Results): Promise<U[]> {
  const end = cpuWindow(procs);
  const t0 = performance.now();
  const users = await registerUsers(url, n);
  const setupMs = performance.now() - t0;
  const cpu = end();
  results.setup = {
    users: n,
    concurrency: SETUP_CONCURRENCY,
    ms: round(setupMs, 0),
    perSec: round(n / (setupMs / 1000), 1),
    workerUsPerRegister: per(cpu.workerUs, n),
  };
  note(`setup: ${n} users registered in ${(setupMs / 1000).toFixed(1)} s (${results.setup.perSec}/s)`);
  return users;
}

async function main(): Promise<void> {
  const render = args.find((a) => a.startsWith("--render="))?.slice("--render=".length);
  if (render) return rerender(render);
  mkdirSync(OUT || "bench/out", { recursive: true });
  const results: Results = {
    date: new Date().toISOString(),
    quick: QUICK,
    counts: { ...COUNTS, depth: DEPTH, manyDepth: MANY_DEPTH },
    ...(Object.keys(OVERRIDES).length ? { overrides: OVERRIDES } : {}),
    localObservability: !NO_OBSERVABILITY,
    machine: machine(),
    versions: { node: process.version, wrangler: version("wrangler"), workerd: "unknown" },
    phases: {},
    serverEvents: [],
    targets: [],
  };
  note(
    `${QUICK ? "quick" : "full"} run on ${results.machine.cores} x ${results.machine.cpuModel}, node ${process.version}, wrangler ${results.versions.wrangler}`,
  );

  if (enabled("baseline")) {
    results.phases.baseline = await attempt("baseline (echo Durable Object)", baseline);
    results.rssAtStartMB = { echo: shared.echoRssMB };
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
    enabled("reactions") ? COUNTS.reactMembers : 0,
  );
  // Accounts by the thousand are seeded into local D1 instead, each phase its own slice.
  const seedFor = {
    search: enabled("search") ? 1 + COUNTS.searchChats : 0,
    push: enabled("push") ? pushUsers() : 0,
    scale: enabled("scale") ? scaleUsers() : 0,
  };
  const seedN = seedFor.search + seedFor.push + seedFor.scale;
  // The edits phase registers a pair of its own.
  if (needUsers || seedN || enabled("edits")) {
    progress("chat: starting wrangler dev");
    const snap = snapshot(SOURCE);
    results.source = snap.source;
    note(`chat server from a copy of the ${snap.source}`);
    // The benchmark measures the service, not its per-user limits: they are lifted.
    const vars = {
      REGISTER_PER_ADDRESS_PER_HOUR: "1000000",
      SENDS_PER_USER_BURST: "1000000",
      SENDS_PER_USER_PER_SECOND: "1000000",
      GROUP_CHANGES_PER_USER_PER_HOUR: "1000000",
      // The push phase's local push service is on http://127.0.0.1 (tests only), and the server needs a VAPID pair.
      ...vapidPair(),
      PUSH_ALLOW_HTTP: "true",
      // The default bound in a full run; a quick run fills a smaller one.
      LOG_KEEP_UPDATES: String(COUNTS.logKeep),
      ...SERVER_VARS,
    };
    const seedDir = mkdtempSync(join(tmpdir(), "edge-chat-bench-seed-"));
    const seed = seedN ? seedAccounts(seedDir, seedN) : null;
    if (seed) progress(`chat: seeding ${seedN} accounts into local D1`);
    const srv = await startLocalServer({ cwd: snap.dir, vars, ...(seed && { seedSql: [seed.file] }) }).catch((err: unknown) => {
      snap.remove();
      rmSync(seedDir, { recursive: true, force: true });
      throw err;
    });
    rmSync(seedDir, { recursive: true, force: true });
    if (seed) note(`seeded ${seedN} accounts with a session each straight into local D1`);
    const seeded = seed?.users ?? [];
    const slice = (from: number, n: number) => seeded.slice(from, from + n);
    try {
      const procs = serverProcs(srv.pid!, srv.port);
      if (PROFILE) await attachProfiler(srv.inspectorPort, snap.dir, OUT || "bench/out", PROFILE.sections);
      if (procs.worker[0]) shared.workerdSeen = workerdVersion(procs.worker[0]);
      note(`chat server ${srv.url}: Worker workerd pid ${procs.worker.join(",")}, wrangler proxy pid ${procs.proxy.join(",") || "-"}`);
      results.rssAtStartMB = { chat: mb(rssBytes(procs.worker)), ...results.rssAtStartMB };
      const users = needUsers ? await register(procs, srv.url, needUsers, results) : [];
      // wrangler may restart the runtime under us: find its processes again before each phase.
      let current = procs;
      const fresh = (): ServerProcs => {
        const p = serverProcs(srv.pid!, srv.port);
        if (p.worker.join() !== current.worker.join()) {
          const what = `the Worker's workerd changed from pid ${current.worker.join(",") || "-"} to ${p.worker.join(",") || "-"} (restarted or gone)`;
          note(what);
          results.serverEvents.push(what);
        }
        current = p;
        return p;
      };
      if (enabled("direct")) results.phases.direct = await attempt("direct chat latency", () => direct(srv, fresh(), users));
      if (enabled("group")) results.phases.group = await attempt("group throughput", () => group(srv, fresh(), users));
      if (enabled("fanout")) {
        results.phases.fanoutSmall = await attempt(`fan-out ${COUNTS.fanoutSmall}`, () =>
          fanout(srv, fresh(), users, COUNTS.fanoutSmall, COUNTS.fanoutSmallMessages),
        );
        results.phases.fanoutLarge = await attempt(`fan-out ${COUNTS.fanoutLarge}`, () =>
          fanout(srv, fresh(), users, COUNTS.fanoutLarge, COUNTS.fanoutLargeMessages),
        );
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
      if (enabled("connect"))
        results.phases.connect = await attempt(`a user in ${COUNTS.connectGroups} large groups connecting`, () =>
          connectMany(srv, fresh(), users),
        );
      if (enabled("members")) {
        results.phases.membersSmall = await attempt(`membership changes, group of ${COUNTS.membersSmall}`, () =>
          membership(srv, fresh(), users, COUNTS.membersSmall),
        );
        results.phases.membersLarge = await attempt(`membership changes, group of ${COUNTS.fanoutLarge}`, () =>
          membership(srv, fresh(), users, COUNTS.fanoutLarge),
        );
      }
      if (enabled("edits")) results.phases.edits = await attempt("edits", () => edits(srv, fresh()));
      if (enabled("reactions")) results.phases.reactions = await attempt("reactions", () => reactions(srv, fresh(), users));
      if (enabled("search")) results.phases.search = await attempt("search", () => search(srv, fresh(), slice(0, seedFor.search)));
      if (enabled("push")) results.phases.push = await attempt("push", () => push(srv, fresh(), slice(seedFor.search, seedFor.push)));
      // Last: its sockets by the thousand may leave the server the worse for it.
      if (enabled("scale"))
        results.phases.scale = await attempt("scale", () => scale(srv, fresh(), slice(seedFor.search + seedFor.push, seedFor.scale)));
      fresh();
      writeFileSync(join(OUT || "bench/out", "wrangler-chat.log"), srv.log());
    } finally {
      detachProfiler();
      progress("stopping wrangler dev");
      await srv.stop();
      snap.remove();
    }
  }

  if (shared.echo) {
    await shared.echo.sock.close();
    await shared.echo.srv.stop();
    shared.echo = null;
  }
  results.versions.workerd = shared.workerdSeen;
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

await main().catch((err: unknown) => {
  clearInterval(ticker);
  console.error("\nbench failed:", err);
  process.exitCode = 1;
});
