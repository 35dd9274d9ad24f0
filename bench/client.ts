// The benchmark's clients: real WebSockets (the `ws` package, no compression) on 127.0.0.1,
// one JSON frame per message, requests matched to responses by `request_id`, every other
// frame (pushes) handed to `onFrame` with the time it arrived.
import WebSocket from "ws";

export type Frame = { mode: string; status?: number; request_id?: string } & Record<string, unknown>;

export interface Reply {
  frame: Frame;
  /** performance.now() when the response arrived. */
  at: number;
}

interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Socket {
  /** Called with every frame that is not the answer to one of our requests. */
  onFrame: (f: Frame, at: number) => void = () => {};
  private pending = new Map<string, Pending>();
  private nextId = 0;
  private closedFlag = false;

  private constructor(
    private readonly ws: WebSocket,
    readonly name: string,
  ) {
    ws.on("message", (data: WebSocket.RawData) => {
      const at = performance.now();
      const f = JSON.parse(data.toString()) as Frame;
      const id = f.request_id;
      if (typeof id === "string") {
        const p = this.pending.get(id);
        if (p) {
          this.pending.delete(id);
          clearTimeout(p.timer);
          p.resolve({ frame: f, at });
          return;
        }
      }
      this.onFrame(f, at);
    });
    ws.on("close", () => {
      this.closedFlag = true;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`${name}: socket closed with request ${id} unanswered`));
      }
      this.pending.clear();
    });
    ws.on("error", () => {
      // "close" follows and fails what is pending.
    });
  }

  static open(url: string, name: string, timeoutMs = 30_000): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${name}: no upgrade in ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(new Socket(ws, name));
      });
      ws.once("unexpected-response", (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`${name}: upgrade refused with HTTP ${res.statusCode}`));
      });
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** How many requests this socket has sent; the last one's request_id is `r${sent - 1}`. */
  get sent(): number {
    return this.nextId;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one request frame; resolves with its response (any status) and when it came. */
  request(frame: Record<string, unknown>, timeoutMs = 30_000): Promise<Reply> {
    const id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      if (this.closedFlag) return reject(new Error(`${this.name}: socket is closed`));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${String(frame.mode)} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...frame, request_id: id }));
    });
  }

  /** Closes and waits (boundedly) for the close to complete. */
  close(): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2_000);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000, "bench done");
    });
  }
}

/** Fails a request that did not succeed, with what the server said. */
export function ok(r: Reply, what: string): Frame {
  const s = r.frame.status;
  if (typeof s !== "number" || s < 200 || s > 299) throw new Error(`${what}: ${JSON.stringify(r.frame).slice(0, 300)}`);
  return r.frame;
}

/** POST /api with one request frame; the response frame. */
export async function api(url: string, frame: Record<string, unknown>, timeoutMs = 30_000): Promise<Frame> {
  const res = await fetch(`${url}/api`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(frame),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return (await res.json()) as Frame;
}

/** Runs `fn` over `items` with at most `concurrency` at a time, in order of start. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}

/**
 * Sends `perSocket` requests on each socket with at most `depth` unanswered at a time: `depth`
 * lanes per socket, lane j sending numbers j, j + depth, … one after the other.
 */
export async function flood(
  socks: readonly Socket[],
  perSocket: number,
  depth: number,
  send: (s: Socket, socketIndex: number, n: number) => Promise<void>,
): Promise<void> {
  await Promise.all(
    socks.flatMap((s, k) =>
      Array.from({ length: depth }, async (_, lane) => {
        for (let n = lane; n < perSocket; n += depth) await send(s, k, n);
      }),
    ),
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Polls `done` every few ms until it holds; throws after `timeoutMs`. */
export async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}
