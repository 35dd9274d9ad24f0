// Shared helpers for driving the real Worker and objects: sockets, requests, pushes.
import { SELF, env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { RateLimiter } from "../../src/accounts";

export type Frame = Record<string, any>;

/**
 * How long a test waits for something that should happen before it gives up. It only
 * matters when something is broken, so it is long: CI runs on slow, loaded machines.
 */
export const WAIT_MS = 20_000;

/** Polls `check` until it returns something truthy; fails after WAIT_MS naming `what`. */
export async function until<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what = "condition", timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let counter = 0;
/** A name no other test uses, so tests never share objects or accounts. */
export const unique = (prefix = "u") => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function api(frame: Frame | string, init: { token?: string; ip?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  headers["CF-Connecting-IP"] = init.ip ?? "10.0.0.1";
  const res = await SELF.fetch("http://chat.test/api", { method: "POST", headers, body: typeof frame === "string" ? frame : JSON.stringify(frame) });
  const body = (await res.json()) as Frame;
  return { status: res.status, body };
}

export interface Account {
  token: string;
  user: { id: string; username: string };
  username: string;
  password: string;
  email: string;
}

export async function registerUser(prefix = "u", ip = unique("ip")): Promise<Account> {
  const username = unique(prefix);
  const password = "correct horse battery";
  const email = `${username}@example.com`;
  const { status, body } = await api({ mode: "register", username, password, email }, { ip });
  expect(status, JSON.stringify(body)).toBe(201);
  return { token: body.token, user: body.user, username, password, email };
}

export class TestSocket {
  private frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;
  private rid = 0;

  constructor(readonly ws: WebSocket, readonly protocol: string | null) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(e.data as string));
      this.wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(frame: Frame | string) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Sends a request with a fresh request_id and waits for its response. */
  async request(frame: Frame): Promise<Frame> {
    const request_id = `r${++this.rid}`;
    this.send({ ...frame, request_id });
    return this.next((f) => f.request_id === request_id);
  }

  /** The next frame (taken off the queue) that matches. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = WAIT_MS): Promise<Frame> {
    return this.frames.splice(await this.indexOf(match, timeoutMs), 1)[0]!;
  }

  /**
   * Waits for the frame `barrier` matches (taken off the queue) and asserts that no frame
   * `unwanted` matches came before it. The barrier is something caused after whatever must
   * not arrive, on a path that keeps order, so "nothing came" needs no fixed wait.
   */
  async nothingBefore(barrier: (f: Frame) => boolean, unwanted: (f: Frame) => boolean = () => true): Promise<Frame> {
    const i = await this.indexOf(barrier, WAIT_MS);
    expect(this.frames.slice(0, i).filter(unwanted)).toEqual([]);
    return this.frames.splice(i, 1)[0]!;
  }

  private async indexOf(match: (f: Frame) => boolean, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) return i;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting; had ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame in ${timeoutMs} ms; had ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  nextPush(mode?: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.status === undefined && (mode === undefined || f.mode === mode), timeoutMs);
  }

  /** Frames received and not yet taken. */
  pending(): Frame[] {
    return [...this.frames];
  }

  async closedWith(timeoutMs = WAIT_MS): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close() {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

export async function upgrade(query = "", headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`http://chat.test/ws${query}`, { headers: { Upgrade: "websocket", "CF-Connecting-IP": "10.0.0.1", ...headers } });
}

/** Opens a socket: with a token it is that user's from the first frame, without it anonymous. */
export async function connect(token?: string, how: "query" | "protocol" = "query"): Promise<TestSocket> {
  const res =
    token === undefined
      ? await upgrade()
      : how === "query"
        ? await upgrade(`?token=${encodeURIComponent(token)}`)
        : await upgrade("", { "Sec-WebSocket-Protocol": `chat, token.${token}` });
  expect(res.status).toBe(101);
  return new TestSocket(res.webSocket!, res.headers.get("Sec-WebSocket-Protocol"));
}

/**
 * Runs `action` and collects the console mail sink's lines addressed to `to`, waiting until
 * `count` have come. The sink logs while the request is handled, so once the action's
 * answers are in, a mail too many is already among them.
 */
export async function mailsTo(to: string, action: () => Promise<unknown>, count = 1): Promise<Array<{ to: string; subject: string; code: string }>> {
  const mails: Array<{ to: string; subject: string; code: string }> = [];
  const orig = console.log;
  console.log = (...args: unknown[]) => {
    const line = args.map(String).join(" ");
    try {
      const mail = JSON.parse(line).mail;
      if (mail?.to === to) return void mails.push(mail);
    } catch {
      // not a mail line
    }
    orig(...args);
  };
  try {
    await action();
    await until(() => mails.length >= count, `${count} mail(s) to ${to}`);
  } finally {
    console.log = orig;
  }
  return mails;
}

/**
 * Waits until a user's update log reaches `pts`. Deliveries to other members run after the
 * sender's answer, so a test that reads another user's state first waits for them.
 */
export async function untilPts(token: string, pts: number): Promise<void> {
  await until(async () => (await api({ mode: "sync", since: pts - 1, limit: 1 }, { token })).body.updates?.length, `update log at pts ${pts}`);
}

/**
 * Stops the clock of the rate limiter for `key` ("auth-ip:10.1.2.3"…) at `at`, so however
 * slowly a test sends its requests no slot frees up meanwhile. Returns a function that moves
 * that clock on by `ms`.
 */
export async function stopLimiterClock(key: string, at = Date.now()): Promise<(ms: number) => void> {
  const stub = env.LIMITER.get(env.LIMITER.idFromName(key));
  let now = at;
  await runInDurableObject(stub, (limiter: RateLimiter) => {
    limiter.now = () => now;
  });
  return (ms) => {
    now += ms;
  };
}

/** Runs `action` and returns the JSON log lines (src/platform/log.ts) printed meanwhile. */
export async function captureLog(action: () => Promise<unknown>): Promise<Frame[]> {
  const lines: Frame[] = [];
  const originals = { log: console.log, warn: console.warn, error: console.error };
  for (const level of ["log", "warn", "error"] as const)
    console[level] = (...args: unknown[]) => {
      try {
        const line = JSON.parse(String(args[0])) as Frame;
        if (typeof line?.event === "string") lines.push(line);
      } catch {
        // not a log line of ours
      }
      originals[level](...args);
    };
  try {
    await action();
  } finally {
    Object.assign(console, originals);
  }
  return lines;
}
