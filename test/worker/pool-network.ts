// The client library's sockets in the Workers pool: a WebSocketFactory over SELF.fetch
// upgrades, with the failures a real network has (drops, an outage, lost frames) on demand.
import { SELF } from "cloudflare:test";
import { ChatClient, type ClientEvent, type ClientEvents, type ClientOptions, type FetchLike, type SocketLike } from "../../src/client";
import type { Frame } from "./helpers";

type Handler = (event: never) => void;

/** The clients' longest wait before reconnecting: short, so tests of drops run quickly. */
export const MAX_RECONNECT_DELAY_MS = 200;

export class PoolSocket implements SocketLike {
  private handlers = new Map<string, Set<Handler>>();
  private ws: WebSocket | null = null;
  private gone = false;
  readonly sent: Frame[] = [];

  constructor(
    private readonly net: PoolNetwork,
    readonly url: string,
    readonly protocols: string[],
  ) {
    if (net.offline) {
      // Like a browser: the failure is reported asynchronously.
      queueMicrotask(() => this.fail());
      return;
    }
    const headers = {
      Upgrade: "websocket",
      "CF-Connecting-IP": "10.0.0.7",
      "Sec-WebSocket-Protocol": protocols.join(", "),
    };
    SELF.fetch(url.replace(/^ws/, "http"), { headers }).then(
      (res) => {
        if (res.status !== 101 || !res.webSocket || this.gone) return this.fail();
        const ws = res.webSocket;
        ws.accept();
        this.ws = ws;
        ws.addEventListener("message", (e) => {
          if (this.gone) return;
          const data = e.data as string;
          if (this.net.loseIncoming?.(JSON.parse(data) as Frame)) return;
          this.fire("message", { data });
        });
        ws.addEventListener("close", (e) => this.fail(e.code));
        this.fire("open", undefined);
      },
      () => this.fail(),
    );
  }

  send(data: string): void {
    if (!this.ws || this.gone) throw new Error("not open");
    this.sent.push(JSON.parse(data) as Frame);
    if (this.net.swallowOutgoing?.(JSON.parse(data) as Frame)) return;
    this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.gone = true;
    try {
      this.ws?.close(code ?? 1000, reason ?? "");
    } catch {
      // already closed
    }
  }

  addEventListener(type: "open" | "message" | "close", listener: ((event: never) => void) | (() => void)): void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    set.add(listener as Handler);
  }

  /** Delivers a frame as if the server had sent it (again). */
  inject(frame: Frame): void {
    this.fire("message", { data: JSON.stringify(frame) });
  }

  /** What a network failure looks like to the client: a close with 1006 and nothing after it. */
  drop(): void {
    if (this.gone) return;
    this.close(1000, "dropped");
    this.fire("close", { code: 1006 });
  }

  private fail(code = 1006): void {
    if (this.gone) return;
    this.gone = true;
    this.fire("close", { code });
  }

  private fire(type: string, event: unknown): void {
    for (const h of this.handlers.get(type) ?? []) (h as (e: unknown) => void)(event);
  }
}

export class PoolNetwork {
  /** While set, new sockets fail to connect and fetch rejects, as with no network. */
  offline = false;
  /** Frames the network loses on their way to the client. */
  loseIncoming: ((f: Frame) => boolean) | null = null;
  /** Frames the network loses on their way to the server. */
  swallowOutgoing: ((f: Frame) => boolean) | null = null;
  readonly sockets: PoolSocket[] = [];

  readonly fetch: FetchLike = (url, init) =>
    this.offline
      ? Promise.reject(new TypeError("network down"))
      : SELF.fetch(url, { ...init, headers: { ...init.headers, "CF-Connecting-IP": "10.0.0.7" } });

  client(options: Omit<ClientOptions, "url"> = {}): ChatClient {
    return new ChatClient({
      url: "ws://chat.test/ws",
      webSocket: (url, protocols) => {
        const s = new PoolSocket(this, url, protocols);
        this.sockets.push(s);
        return s;
      },
      fetch: this.fetch,
      minReconnectDelayMs: 20,
      maxReconnectDelayMs: MAX_RECONNECT_DELAY_MS,
      ...options,
    });
  }

  get current(): PoolSocket {
    const s = this.sockets.at(-1);
    if (!s) throw new Error("no socket opened yet");
    return s;
  }
}

/** Everything a client emits of one event, as it comes. */
export function collect<E extends ClientEvent>(c: ChatClient, event: E): ClientEvents[E][] {
  const seen: ClientEvents[E][] = [];
  c.on(event, (v) => seen.push(v));
  return seen;
}
