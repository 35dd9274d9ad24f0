// Shared helpers for driving the real Worker and objects: sockets, requests, pushes.
import { SELF, createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import type { RateLimiter } from "../../src/accounts";
import type { ChatEvent, ChatObject } from "../../src/chat";
import type { UserObject } from "../../src/user";
import worker from "../../src/index";

// biome-ignore lint/suspicious/noExplicitAny: a test reads any answer's fields loosely; the contract's schemas check frames elsewhere.
export type Frame = Record<string, any>;

/**
 * How long a test waits for something that should happen before it gives up. It only
 * matters when something is broken, so it is long: CI runs on slow, loaded machines.
 */
export const WAIT_MS = 20_000;

/** Polls `check` until it returns something truthy; fails after WAIT_MS naming `what`. */
export async function until<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what = "condition",
  timeoutMs = WAIT_MS,
): Promise<T> {
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
export const unique = (prefix = "u") =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * POST /api to the Worker. It returns once the work the answer left behind is done too (a
 * recovery mail, closing revoked sessions' sockets), so a test looks at its effects without
 * waiting for time to pass. `cf` stands for what Cloudflare's edge puts on a request (its country).
 */
export async function api(
  frame: Frame | string,
  init: { token?: string; ip?: string; headers?: Record<string, string>; cf?: Record<string, unknown> } = {},
) {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  headers["CF-Connecting-IP"] = init.ip ?? "10.0.0.1";
  const text = typeof frame === "string" ? frame : JSON.stringify(frame);
  const request = new Request("http://chat.test/api", {
    method: "POST",
    headers,
    body: text,
    ...(init.cf && { cf: init.cf }),
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, env, ctx);
  const body = (await res.json()) as Frame;
  await waitOnExecutionContext(ctx);
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

  constructor(
    readonly ws: WebSocket,
    readonly protocol: string | null,
  ) {
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
  return SELF.fetch(`http://chat.test/ws${query}`, {
    headers: { Upgrade: "websocket", "CF-Connecting-IP": "10.0.0.1", ...headers },
  });
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
 * `count` have come. A recovery sends its mail after the answer, and `api` returns once that
 * is done, so by then a mail too many is among them too.
 */
export async function mailsTo(
  to: string,
  action: () => Promise<unknown>,
  count = 1,
): Promise<Array<{ to: string; subject: string; code: string }>> {
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
  await until(
    async () => (await api({ mode: "sync", since: pts - 1, limit: 1 }, { token })).body.updates?.length,
    `update log at pts ${pts}`,
  );
}

/** Log lines (src/platform/log.ts) as they are written, until `stop`. */
export function watchLog(): { lines: Frame[]; stop(): void } {
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
  return { lines, stop: () => Object.assign(console, originals) };
}

/** Runs `action` and returns the JSON log lines printed meanwhile. */
export async function captureLog(action: () => Promise<unknown>): Promise<Frame[]> {
  const log = watchLog();
  try {
    await action();
  } finally {
    log.stop();
  }
  return log.lines;
}

export const userStub = (userId: string) => env.USERS.get(env.USERS.idFromName(userId));
export const chatStub = (chatId: string) => env.CHATS.get(env.CHATS.idFromName(chatId));

/** The server's LARGE_GROUP_MEMBERS: a group with more members than this is large. */
export const LARGE_AT = Number(env.LARGE_GROUP_MEMBERS);

/** Two new users (`${prefix}A` and `${prefix}B`) and the direct chat A opened with B. */
export async function directChat(prefix: string): Promise<{ a: Account; b: Account; chatId: string }> {
  const [a, b] = await Promise.all([registerUser(`${prefix}A`), registerUser(`${prefix}B`)]);
  const chatId = (await api({ mode: "createChat", username: b.username }, { token: a.token })).body.chat.chat_id as string;
  return { a, b, chatId };
}

/** A sendMessage request of text. */
export const text = (chat_id: string, content: string, extra: Frame = {}) => ({
  mode: "sendMessage",
  chat_id,
  content,
  content_type: "text",
  ...extra,
});

/** Runs `fn` inside a user's object, e.g. to stop or move its clock (`o.clock`). */
export function inUserObject<T>(userId: string, fn: (o: UserObject, state: DurableObjectState) => T | Promise<T>): Promise<T> {
  return runInDurableObject(userStub(userId), fn);
}

/** Logs the account in once more: a second session (a second device). */
export async function login(
  a: Account,
  init: { ip?: string; headers?: Record<string, string>; cf?: Record<string, unknown> } = {},
): Promise<string> {
  const { status, body } = await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip"), ...init });
  expect(status, JSON.stringify(body)).toBe(200);
  return body.token as string;
}

/**
 * Holds every RateLimiter's clock still at `at` until `release`, so a test of a limit is exact
 * however slow the machine: `set` moves it. Limiters take their time from `now()` on their
 * prototype, which is shared by every limiter object in this isolate.
 */
export async function holdLimiterClock(at = Date.now()): Promise<{ set(ms: number): void; release(): void }> {
  const stub = env.LIMITER.get(env.LIMITER.idFromName("clock"));
  const proto = await runInDurableObject(stub, (instance: RateLimiter) => Object.getPrototypeOf(instance) as RateLimiter);
  const real = proto.now;
  let t = at;
  proto.now = () => t;
  return {
    set: (ms) => {
      t = ms;
    },
    release: () => {
      proto.now = real;
    },
  };
}

/**
 * Puts `count` groups into a user's chat list, each with one message of `content`, delivered
 * as chat objects deliver them. Returns their ids, latest activity first.
 */
export async function fillChatList(me: { id: string; username: string }, count: number, content: (i: number) => string): Promise<string[]> {
  const ids: string[] = [];
  const events: ChatEvent[] = [];
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    const chatId = `g_${crypto.randomUUID().replace(/-/g, "")}`;
    ids.push(chatId);
    const at = t0 + i;
    const message = {
      message_id: crypto.randomUUID(),
      chat_id: chatId,
      seq: 1,
      sender: "someone_else",
      content: content(i),
      content_type: "text" as const,
      timestamp: at,
    };
    events.push(
      {
        chat_id: chatId,
        ev: 1,
        timestamp: at,
        kind: "chat",
        chat: {
          type: "group",
          title: `group ${i}`,
          members: [me.username, "someone_else"],
          owner: "someone_else",
          member_count: 2,
          last_seq: 0,
          last_message: null,
        },
      },
      {
        chat_id: chatId,
        ev: 2,
        timestamp: at,
        kind: "newMessage",
        seq: 1,
        sender: "someone_else",
        message: JSON.stringify(message),
      },
    );
  }
  const user = env.USERS.get(env.USERS.idFromName(me.id));
  for (let i = 0; i < events.length; i += 100) await user.deliver(me, events.slice(i, i + 100));
  return ids.reverse();
}

// ---- Files ----

export interface UploadInit {
  token?: string;
  type?: string | null;
  name?: string | null;
  headers?: Record<string, string>;
  /** `[vars]` settings for this request only: it then goes to the Worker's fetch in this isolate, with them. */
  vars?: Record<string, string>;
}

/** POST /upload: `body` as given (a stream goes chunked, with no Content-Length, unless `headers` give one). */
export async function upload(chatId: string, body: BodyInit | null, init: UploadInit = {}) {
  const headers: Record<string, string> = { "CF-Connecting-IP": "10.0.0.1" };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.type !== null) headers["Content-Type"] = init.type ?? "application/octet-stream";
  if (init.name !== null) headers["X-File-Name"] = encodeURIComponent(init.name ?? "notes.txt");
  Object.assign(headers, init.headers);
  const url = `http://chat.test/upload?chat_id=${encodeURIComponent(chatId)}`;
  let res: Response;
  if (init.vars) {
    // What fetch would say of a body of known length on the wire.
    const known = typeof body === "string" ? new TextEncoder().encode(body).byteLength : ArrayBuffer.isView(body) ? body.byteLength : null;
    if (known !== null && !("Content-Length" in headers)) headers["Content-Length"] = String(known);
    const ctx = createExecutionContext();
    res = await worker.fetch(
      new Request(url, { method: "POST", headers, body, duplex: "half" } as RequestInit),
      { ...env, ...init.vars },
      ctx,
    );
    await waitOnExecutionContext(ctx);
  } else res = await SELF.fetch(url, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Frame };
}

/**
 * A body that sends `first` and then nothing until the test says (`end`: the rest, `cut`: it
 * fails as a dropped connection would). `reading` resolves once the Worker asked for more
 * than the first bytes, `cancelled` when it gave up on the body.
 */
export function stallingBody(first: Uint8Array) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let pulls = 0;
  let reading!: () => void;
  let cancelled!: (reason: unknown) => void;
  const state = {
    reading: new Promise<void>((r) => (reading = r)),
    cancelled: new Promise<unknown>((r) => (cancelled = r)),
    end: (rest: Uint8Array) => {
      controller.enqueue(rest);
      controller.close();
    },
    cut: () => controller.error(new Error("connection reset")),
    stream: new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        pull: (c) => {
          if (pulls++ === 0) c.enqueue(first);
          else reading();
        },
        cancel: (reason) => cancelled(reason),
      },
      { highWaterMark: 0 },
    ),
  };
  return state;
}

/** GET /files/<id> (or a signed path from getFileUrls), with a token when given. */
export function download(pathOrId: string, init: { token?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const path = pathOrId.startsWith("/") ? pathOrId : `/files/${pathOrId}`;
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  return SELF.fetch(`http://chat.test${path}`, { headers });
}

/** Bytes that start like an image of this size: enough for a header to be read, not to be drawn. */
export function imageBytes(kind: "png" | "jpeg" | "gif" | "webp", width: number, height: number, padTo = 64): Uint8Array {
  const out = new Uint8Array(Math.max(padTo, 64));
  const view = new DataView(out.buffer);
  const put = (at: number, bytes: number[]) => out.set(bytes, at);
  if (kind === "png") {
    put(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    view.setUint32(16, width);
    view.setUint32(20, height);
  } else if (kind === "gif") {
    put(0, [...new TextEncoder().encode("GIF89a")]);
    view.setUint16(6, width, true);
    view.setUint16(8, height, true);
  } else if (kind === "webp") {
    put(0, [...new TextEncoder().encode("RIFF")]);
    view.setUint32(4, out.byteLength - 8, true);
    put(8, [...new TextEncoder().encode("WEBPVP8X")]);
    view.setUint32(16, 10, true);
    // VP8X: 24-bit width-1 and height-1.
    view.setUint32(24, width - 1, true);
    view.setUint32(27, height - 1, true);
  } else {
    // SOI, an APP0 segment, then a baseline frame header (SOF0).
    put(0, [0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    put(20, [0xff, 0xc0, 0, 17, 8]);
    view.setUint16(25, height);
    view.setUint16(27, width);
  }
  return out;
}

export async function sha256(data: ArrayBuffer | Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", data))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A socket of the user's that has listed their chats: a large group pushes to a member's
 * sockets once the member's client has listed or opened it (presence is lazy).
 */
export async function listening(token: string): Promise<TestSocket> {
  const s = await connect(token);
  expect(await s.request({ mode: "getChats" })).toMatchObject({ status: 200 });
  return s;
}

/** Runs `fn` inside a chat's object, e.g. to stop its clock (`o.clock`) or read its test probe (`o.probe`). */
export function inChatObject<T>(chatId: string, fn: (o: ChatObject, state: DurableObjectState) => T | Promise<T>): Promise<T> {
  return runInDurableObject(chatStub(chatId), fn);
}

/** A group of `n` new users (the owner first); large when `n` > LARGE_AT. */
export async function groupOf(n: number, prefix: string): Promise<{ owner: Account; rest: Account[]; chatId: string }> {
  const [owner, ...rest] = await Promise.all(Array.from({ length: n }, (_, i) => registerUser(`${prefix}${i}`)));
  const res = await api({ mode: "createGroup", title: `${prefix} crowd`, members: rest.map((u) => u.username) }, { token: owner!.token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { owner: owner!, rest, chatId: res.body.chat.chat_id as string };
}

/** Lets `a` send or edit again at once: stops their object's clock (if running) and moves it on (a full burst after 10 s). */
export const rested = (a: Account, ms = 1_000) => inUserObject(a.user.id, (o) => o.clock.advance(ms));

/**
 * Makes every delivery to the user object of `userId` throw while `during` runs, and then
 * until at least one has failed. RPC calls methods off the prototype, so that is where the
 * fault goes.
 */
export async function failDeliveries(userId: string, during: () => Promise<void>): Promise<void> {
  const proto = await runInDurableObject(userStub(userId), (instance: UserObject) => Object.getPrototypeOf(instance) as UserObject);
  const real = proto.deliver;
  let failed!: () => void;
  const oneFailed = new Promise<void>((resolve) => (failed = resolve));
  proto.deliver = function (this: UserObject, ...args: Parameters<UserObject["deliver"]>) {
    if (args[0].id !== userId) return real.apply(this, args);
    failed();
    throw new Error("injected delivery failure");
  };
  try {
    await during();
    await oneFailed;
  } finally {
    proto.deliver = real;
  }
}

/** `n` sends by `a` into `chatId` ("m0", "m1"…), a burst at a time (their send limit refilled before each). */
export async function sendMany(a: Account, chatId: string, n: number, mode = "sendMessage"): Promise<void> {
  for (let i = 0; i < n; i += 25) {
    await rested(a, 6_000);
    const batch = Array.from({ length: Math.min(25, n - i) }, (_, k) => api({ ...text(chatId, `m${i + k}`), mode }, { token: a.token }));
    for (const r of await Promise.all(batch)) expect(r.status).toBe(200);
  }
}
