// What every phase uses: the server's CPU over a window, users and their sockets, groups, and
// waiting for the server to go quiet.
import type { LocalServer } from "../scripts/local-server";
import { api, type Frame, ok, pool, sleep, Socket } from "./client";
import { CONNECT_CONCURRENCY, NAMES_PER_REQUEST, PASSWORD, SETUP_CONCURRENCY } from "./options";
import { cpuUs, type ServerProcs } from "./proc";
import { progress } from "./progress";
import { round } from "./stats";
import type { CpuWindow, PhaseCpu } from "./types";

export function cpuWindow(procs: ServerProcs): () => CpuWindow {
  const w0 = cpuUs(procs.worker);
  const p0 = cpuUs(procs.proxy);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    return {
      workerUs: cpuUs(procs.worker) - w0,
      proxyUs: cpuUs(procs.proxy) - p0,
      clientUs: c.user + c.system,
      wallMs: round(performance.now() - t0, 1),
    };
  };
}

export const per = (us: number, n: number) => round(n ? us / n : NaN, 1);

// ---- Users and sockets ----

export interface U {
  username: string;
  token: string;
}

export async function registerUsers(url: string, n: number): Promise<U[]> {
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

export async function connect(srv: LocalServer, users: U[], what: string): Promise<Socket[]> {
  let done = 0;
  return pool(users, CONNECT_CONCURRENCY, async (u) => {
    const s = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(u.token)}`, u.username);
    progress(`${what}: connected ${++done}/${users.length} sockets`);
    return s;
  });
}

export async function closeAll(socks: Socket[]): Promise<void> {
  await pool(socks, 64, (s) => s.close());
}

/** Content of a chat message: ~40 characters, a request frame of ~150 bytes. */
export const content = (id: string) => `bench ${id} `.padEnd(40, ".");

export interface NewMessage {
  chat_id: string;
  client_msg_id?: string;
}

export function newMessage(f: Frame): NewMessage | null {
  return f.mode === "newMessage" ? (f.message as NewMessage) : null;
}

/** Which chats each socket has been told about (chatCreated pushes). */
export function trackCreated(socks: Socket[], onMessage: (i: number, m: NewMessage, at: number) => void): Set<string>[] {
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

export async function createGroup(owner: Socket, title: string, members: U[]): Promise<string> {
  const f = ok(
    await owner.request({ mode: "createGroup", title, members: members.slice(0, NAMES_PER_REQUEST).map((m) => m.username) }, 120_000),
    "createGroup",
  );
  const chatId = (f.chat as { chat_id: string }).chat_id;
  // A request names at most 1,000: the rest join in further requests.
  for (let i = NAMES_PER_REQUEST; i < members.length; i += NAMES_PER_REQUEST) {
    ok(
      await owner.request(
        {
          mode: "addMembers",
          chat_id: chatId,
          members: members.slice(i, i + NAMES_PER_REQUEST).map((m) => m.username),
        },
        120_000,
      ),
      "addMembers",
    );
    progress(`${title}: ${Math.min(members.length, i + NAMES_PER_REQUEST) + 1} members`);
  }
  return chatId;
}

/**
 * Waits until the Worker's workerd has been nearly idle (under 3% of a core) for a second:
 * what earlier requests set going (deliveries to members' objects) is done and does not
 * count in the next measurement.
 */
export async function settle(procs: ServerProcs, what: string): Promise<void> {
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

export function phaseCpu(c: CpuWindow, pushes: number): PhaseCpu {
  return { ...c, pushes, workerUsPerPush: per(c.workerUs, pushes), proxyUsPerPush: per(c.proxyUs, pushes) };
}

export const mb = (b: number) => round(b / 2 ** 20, 1);

export const num = (n: number) => n.toLocaleString("en-US");
