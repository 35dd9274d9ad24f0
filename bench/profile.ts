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

/** Functions listed by self time. */
const TOP = 30;

export interface Profiler {
  /** Starts sampling; the returned function stops it and writes and summarises the profile. */
  start(): Promise<(file: string) => Promise<string>>;
  close(): void;
}

/**
 * `cwd`: the directory wrangler dev runs in; its bundle (`.wrangler/tmp/dev-*\/index.js`) says
 * which source file each line came from, so time can be told by object.
 */
export async function attachProfiler(inspectorPort: number, cwd: string): Promise<Profiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{
    title?: string;
    webSocketDebuggerUrl: string;
  }>;
  // wrangler's proxy lists the user Worker's isolate (its name) and the runtime's own.
  const target = targets.find((t) => !t.title?.startsWith("wrangler")) ?? targets[0];
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
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  };
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve as (v: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  return {
    async start() {
      await send("Profiler.start");
      return async (file) => {
        const { profile } = await send<{ profile: Profile }>("Profiler.stop");
        writeFileSync(file, JSON.stringify(profile));
        return summarise(profile, bundleFiles(cwd));
      };
    },
    close: () => ws.close(),
  };
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

/** Self time per function (name, file and line), the largest first, and time by object, as lines of text. */
export function summarise(p: Profile, fileOf: ((line: number) => string) | null = null): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    const dt = p.timeDeltas[i] ?? 0;
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
  if (fileOf) {
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
    const by = new Map<string, number>();
    p.samples.forEach((id, i) => {
      const f = byId.get(id)?.callFrame;
      if (f?.functionName === "(idle)") return;
      const who = ownerOf(id) || "runtime (no service code on the stack)";
      by.set(who, (by.get(who) ?? 0) + (p.timeDeltas[i] ?? 0));
    });
    lines.push(
      "busy time by object:",
      ...[...by]
        .sort((a, b) => b[1] - a[1])
        .map(([k, us]) => `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / Math.max(busy, 1)).toFixed(1).padStart(5)}%  ${k}`),
    );
  }
  return lines.join("\n");
}
