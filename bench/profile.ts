// `--profile`: a CPU profile of the Worker's runtime (every object runs in it locally) over
// each phase, through the DevTools inspector wrangler dev opens. It writes
// `<out>/<phase>.cpuprofile` (open it in Chrome's DevTools) and prints the functions with the
// most self time, so a cost can be found before it is cut. Sampling slows the runtime: a
// profiled run's figures are not comparable with an unprofiled one's.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** µs between samples. */
const INTERVAL_US = 200;

/**
 * A sample's weight: its time delta, clipped. Between bursts of JavaScript the runtime's
 * thread leaves the isolate (a commit's fsync, the sockets, waiting for a core on a loaded
 * machine) and is not sampled; the first sample after such a gap would carry all of it (a
 * request parsed after the thread woke looked like milliseconds of parsing). So the profile
 * tells the time spent in JavaScript and the storage calls it makes, not the rest.
 */
const weight = (dt: number | undefined) => Math.min(dt ?? 0, 4 * INTERVAL_US);

/** Functions listed by self time. */
const TOP = 30;

/** The runtime's profiler while the chat server runs with `--profile` (attachProfiler), else null. */
let active: {
  send: <T>(method: string, params?: object) => Promise<T>;
  close: () => void;
  cwd: string;
  dir: string;
  sections: string | null;
} | null = null;

/**
 * Runs `fn`, profiled if `--profile` asks for this phase (`kind` "phase", no NAME given) or
 * section (`kind` "section", its name starting with NAME): the profile is written to
 * `<dir>/<name>.cpuprofile`, summarised to stderr, and each object's share of the busy time
 * returned (null when not profiled).
 */
export async function profiled<T>(
  name: string,
  kind: "phase" | "section",
  fn: () => Promise<T>,
): Promise<{ value: T; shares: Record<string, number> | null }> {
  const p = active;
  const wanted = p && (kind === "phase" ? p.sections === null : p.sections !== null && name.startsWith(p.sections));
  if (!p || !wanted) return { value: await fn(), shares: null };
  await p.send("Profiler.start");
  let value: T;
  try {
    value = await fn();
  } catch (err) {
    // A failed phase leaves no profiler running into the next.
    await p.send("Profiler.stop");
    throw err;
  }
  const { profile } = await p.send<{ profile: Profile }>("Profiler.stop");
  const file = join(p.dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const fileOf = bundleFiles(p.cwd);
  process.stderr.write(`profile of ${name} in ${file}\n${summarise(profile, fileOf)}\n`);
  return { value, shares: fileOf && byObject(profile, fileOf) };
}

/**
 * Attaches to the runtime's inspector. `cwd`: the directory wrangler dev runs in; its bundle
 * (`.wrangler/tmp/dev-*\/index.js`) says which source file each line came from, so time can be
 * told by object. `dir`: where profiles are written.
 */
export async function attachProfiler(inspectorPort: number, cwd: string, dir: string, sections: string | null): Promise<void> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{
    title?: string;
    webSocketDebuggerUrl: string;
  }>;
  // wrangler's inspector proxy lists the Worker's isolate (every object of it runs there).
  const target = targets[0];
  if (!target) throw new Error(`no inspector target on port ${inspectorPort}`);
  // The inspector proxy wants an Origin it knows (a DevTools front end); Node sends none by itself.
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://localhost" } } as unknown as string[]);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`inspector ${target.webSocketDebuggerUrl} refused; targets: ${JSON.stringify(targets)}`));
  });
  let next = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (m.id === undefined) return;
    waiting.get(m.id)?.(m.result);
    waiting.delete(m.id);
  };
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve as (v: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
  active = { send, close: () => ws.close(), cwd, dir, sections };
}

export function detachProfiler(): void {
  active?.close();
  active = null;
}

/** The source file of each line of the dev bundle (esbuild heads each module with `// <path>`), or null if none is found. */
function bundleFiles(cwd: string): ((line: number) => string) | null {
  const tmp = join(cwd, ".wrangler", "tmp");
  const dirs = existsSync(tmp) ? readdirSync(tmp).filter((d) => d.startsWith("dev-")) : [];
  const newest = dirs
    .map((d) => join(tmp, d, "index.js"))
    .filter((f) => existsSync(f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) return null;
  const heads: Array<[number, string]> = [];
  readFileSync(newest, "utf8")
    .split("\n")
    .forEach((l, i) => {
      const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(l);
      if (m) heads.push([i + 1, m[1]!]);
    });
  return (line) => {
    let lo = 0;
    let hi = heads.length - 1;
    let found = "";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (heads[mid]![0] <= line) {
        found = heads[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * Which object ran a sample: the outermost frame from the service's own code names it (a
 * chat object's, a relay's or a user object's method, or the front door's). Storage calls,
 * serialisation and the like count for the object whose code made them.
 */
const OWNERS: Array<[RegExp, string]> = [
  [/^src\/chat\//, "chat object"],
  [/^src\/relay\//, "relay"],
  [/^src\/user\//, "user object"],
  [/^src\/(worker|accounts|files)\//, "front door"],
];

/** Each object's share (0-1) of the busy time sampled. */
export function byObject(p: Profile, fileOf: (line: number) => string): Record<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owner.get(id);
    if (known !== undefined) return known;
    const up = parent.get(id);
    const outer = up === undefined ? "" : ownerOf(up);
    const f = byId.get(id)?.callFrame;
    const file = f?.url.endsWith("index.js") ? fileOf(f.lineNumber + 1) : "";
    const mine = outer || (OWNERS.find(([re]) => re.test(file))?.[1] ?? "");
    owner.set(id, mine);
    return mine;
  };
  const by: Record<string, number> = {};
  let busy = 0;
  p.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName === "(idle)") return;
    const who = ownerOf(id) || "runtime (no service code on the stack)";
    const dt = weight(p.timeDeltas[i]);
    by[who] = (by[who] ?? 0) + dt;
    busy += dt;
  });
  for (const k of Object.keys(by)) by[k] = by[k]! / Math.max(busy, 1);
  return by;
}

/** Self time per function (name, file and line), the largest first, and time by object, as lines of text. */
export function summarise(p: Profile, fileOf: ((line: number) => string) | null = null): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    const dt = weight(p.timeDeltas[i]);
    total += dt;
    if (!f) return;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const idle = [...self].filter(([k]) => k.startsWith("(idle)")).reduce((s, [, v]) => s + v, 0);
  const busy = total - idle;
  const rows = [...self]
    .filter(([k]) => !k.startsWith("(idle)"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([k, us]) => `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / Math.max(busy, 1)).toFixed(1).padStart(5)}%  ${k}`);
  const lines = [`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled; self time:`, ...rows];
  if (fileOf)
    lines.push(
      "busy time by object:",
      ...Object.entries(byObject(p, fileOf))
        .sort((a, b) => b[1] - a[1])
        .map(([k, share]) => `${(100 * share).toFixed(1).padStart(6)}%  ${k}`),
    );
  return lines.join("\n");
}
