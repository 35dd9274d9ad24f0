// What the benchmark reads about the server from /proc: the workerd processes under the
// `wrangler dev` it started, their CPU time (utime + stime) and resident memory, and what
// this machine is.
import { readdirSync, readFileSync, readlinkSync, existsSync } from "node:fs";
import { cpus, totalmem, release } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";

const TICK_US = 1e6 / clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

function stat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may hold spaces: fields after the last ")" are fixed.
    const close = s.lastIndexOf(")");
    const comm = s.slice(s.indexOf("(") + 1, close);
    const f = s.slice(close + 2).split(" ");
    // After comm: state(3) ppid(4) ... utime(14) stime(15), so index = field - 3.
    return { pid, ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

export function descendants(root: number): Stat[] {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is Stat => s !== null);
  const out: Stat[] = [];
  const frontier = [root];
  while (frontier.length) {
    const p = frontier.pop()!;
    for (const s of all)
      if (s.ppid === p) {
        out.push(s);
        frontier.push(s.pid);
      }
  }
  return out;
}

/** Socket inodes listening on 127.0.0.1/0.0.0.0:port (IPv4 and IPv6 tables). */
function listeningInodes(port: number): Set<string> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (cols[1]!.endsWith(`:${hex}`) && cols[3] === "0A") inodes.add(cols[9]!);
    }
  }
  return inodes;
}

function ownsSocket(pid: number, inodes: Set<string>): boolean {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
        if (m && inodes.has(m[1]!)) return true;
      } catch {
        // fd closed meanwhile
      }
    }
  } catch {
    // process gone
  }
  return false;
}

export interface ServerProcs {
  /** The workerd running the Worker and its Durable Objects. */
  worker: number[];
  /** wrangler's own proxy in front of it (the workerd listening on the public port): local dev only. */
  proxy: number[];
}

/**
 * The workerd processes under `wrangler dev` (pid `root`). wrangler runs two: its proxy
 * worker, which owns the public port and passes requests and socket frames through, and
 * the one serving the Worker. Told apart by who listens on the public port.
 */
export function serverProcs(root: number, publicPort: number): ServerProcs {
  const workerds = descendants(root)
    .filter((s) => s.comm.startsWith("workerd"))
    .map((s) => s.pid);
  const inodes = listeningInodes(publicPort);
  const proxy = workerds.filter((p) => ownsSocket(p, inodes));
  const worker = workerds.filter((p) => !proxy.includes(p));
  // If the split cannot be told, count everything as the Worker's (an overestimate).
  return worker.length ? { worker, proxy } : { worker: workerds, proxy: [] };
}

/** CPU time (utime + stime) of these processes, in microseconds. */
export function cpuUs(pids: number[]): number {
  let ticks = 0;
  for (const p of pids) ticks += stat(p)?.ticks ?? 0;
  return ticks * TICK_US;
}

/**
 * Bytes these processes caused to be written to storage (`write_bytes` in /proc/<pid>/io):
 * for workerd, the pages and WAL frames of the objects' SQLite files as they are committed.
 */
export function writeBytes(pids: number[]): number {
  let bytes = 0;
  for (const p of pids) {
    try {
      const m = readFileSync(`/proc/${p}/io`, "utf8").match(/^write_bytes:\s+(\d+)/m);
      bytes += m ? Number(m[1]) : 0;
    } catch {
      // gone
    }
  }
  return bytes;
}

/** Resident set size of these processes, in bytes. */
export function rssBytes(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      const m = readFileSync(`/proc/${p}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
      kb += m ? Number(m[1]) : 0;
    } catch {
      // gone
    }
  }
  return kb * 1024;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryMB: number;
  kernel: string;
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? "unknown",
    cores: c.length,
    memoryMB: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
  };
}

/** The workerd build a process runs: its package's version and `workerd --version`. */
export function workerdVersion(pid: number): string {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    const pkg = JSON.parse(readFileSync(join(dirname(exe), "..", "package.json"), "utf8")) as { version?: string };
    const v = execFileSync(exe, ["--version"]).toString().trim();
    return `${pkg.version ?? "?"} (${v})`;
  } catch {
    return "unknown";
  }
}
