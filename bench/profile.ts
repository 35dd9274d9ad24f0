// `--profile`: a CPU profile of the Worker's runtime (every object runs in it locally) over
// each phase, through the DevTools inspector wrangler dev opens. It writes
// `<out>/<phase>.cpuprofile` (open it in Chrome's DevTools) and prints the functions with the
// most self time, so a cost can be found before it is cut. Sampling slows the runtime: a
// profiled run's figures are not comparable with an unprofiled one's.

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

export async function attachProfiler(inspectorPort: number): Promise<Profiler> {
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
        const { writeFileSync } = await import("node:fs");
        writeFileSync(file, JSON.stringify(profile));
        return summarise(profile);
      };
    },
    close: () => ws.close(),
  };
}

/** Self time per function (name, file and line), the largest first, as lines of text. */
export function summarise(p: Profile): string {
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
  return [`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled; self time:`, ...rows].join("\n");
}
