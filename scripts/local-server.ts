// Starts `wrangler dev` on a free port with a fresh local state (D1 migrated), for the
// end-to-end tests, the browser tests and the benchmark. Everything stays on 127.0.0.1.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const OFFLINE = { CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

export interface LocalServer {
  url: string;
  wsUrl: string;
  port: number;
  /** The runtime's DevTools inspector (the benchmark's --profile attaches to it). */
  inspectorPort: number;
  /** The directory of the server's local state (D1, Durable Objects, R2). */
  persist: string;
  /** Everything wrangler printed so far (the console mail sink's lines among it). */
  log(): string;
  /** The recovery code last mailed to this address, read off the mail sink's log lines. */
  mailedCode(to: string, timeoutMs?: number): Promise<string>;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function startLocalServer(
  opts: {
    config?: string;
    vars?: Record<string, string>;
    cwd?: string;
    /** SQL files run against the local D1 after its migrations, before the server starts (the benchmark's seeded accounts). */
    seedSql?: string[];
  } = {},
): Promise<LocalServer> {
  const cwd = opts.cwd ?? process.cwd();
  const persist = mkdtempSync(join(tmpdir(), "edge-chat-"));
  const wrangler = join(cwd, "node_modules", ".bin", "wrangler");
  const config = opts.config ? ["--config", opts.config] : [];
  const env = { ...process.env, ...OFFLINE };
  if (!opts.config)
    await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, ...config], {
      cwd,
      env,
    });
  for (const file of opts.seedSql ?? [])
    await run(wrangler, ["d1", "execute", "DB", "--local", "--persist-to", persist, "--file", file, "--yes", ...config], {
      cwd,
      env,
      maxBuffer: 64 * 2 ** 20,
    });
  const port = await freePort();
  const inspectorPort = await freePort();
  // The chat's download links need a signing key (a secret in production): a fresh one per
  // server. Tests and the benchmark read recovery codes off the console mail sink.
  const given = opts.config ? (opts.vars ?? {}) : { FILES_SIGNING_KEY: randomBytes(32).toString("hex"), MAILER: "console", ...opts.vars };
  const vars = Object.entries(given).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child: ChildProcess = spawn(
    wrangler,
    [
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      persist,
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      ...config,
      ...vars,
    ],
    { cwd, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Starting takes a few seconds; on a loaded machine it can take minutes.
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`wrangler dev did not start in 240 s:\n${out}`);
    }
    try {
      const res = await fetch(`${url}/api`, { method: "POST", body: '{"mode":"ping"}' });
      if (res.status === 200 || opts.config) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    inspectorPort,
    persist,
    pid: child.pid,
    log: () => out,
    async mailedCode(to, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const codes = out
          .split("\n")
          .map((l) => l.match(/\{"mail":.*\}/)?.[0])
          .filter((l): l is string => !!l)
          .map((l) => JSON.parse(l).mail as { to: string; code: string })
          .filter((m) => m.to === to);
        if (codes.length) return codes.at(-1)!.code;
        if (Date.now() > until) throw new Error(`no mail to ${to}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
