// The socket's life cycle, apart from what travels over it: opening one (with a timeout),
// pinging a quiet one and dropping one that stops answering, and backing off before the
// next attempt after a drop. The client decides what an open socket does (send what is
// pending, catch up) and what a drop means for requests in flight.
import { CLOSE_REVOKED } from "../contract/protocol";
import type { FetchLike, SocketLike, WebSocketFactory } from "./socket";
import { realTimers, type TimerHandle, type Timers } from "./timers";

/**
 * closed: not connected and not trying (before connect(), after close(), after the session ended);
 * connecting: opening a socket; syncing: open, catching up on missed updates;
 * ready: open and caught up (or anonymous and open); waiting: backing off before the next attempt.
 */
export type ConnectionState = "closed" | "connecting" | "syncing" | "ready" | "waiting";

export interface ConnectionSettings {
  url: string;
  webSocket: WebSocketFactory;
  connectTimeoutMs: number;
  minReconnectDelayMs: number;
  maxReconnectDelayMs: number;
  /** How long an idle socket waits before a ping; one that leaves the ping unanswered this long again is dropped. 0 turns pings off. */
  heartbeatMs: number;
}

export interface ConnectionHooks {
  /** The subprotocols to offer (the session token travels in one). */
  protocols(): string[];
  /** A socket opened: it is `socket` now. */
  opened(ws: SocketLike): void;
  frame(data: unknown): void;
  /** The socket is gone or presumed dead (`opened`: it had opened); the retry is already planned. */
  lost(ws: SocketLike, opened: boolean): void;
  /** The server closed the socket because the session was ended. */
  revoked(): void;
  state(state: ConnectionState): void;
  /** The socket is let go of, for whatever reason: stop timing what needs it. */
  detached(): void;
}

const PING = '{"mode":"ping"}';

type Timer = "retry" | "connect" | "heartbeat";

export class Connection {
  private ws: SocketLike | null = null;
  private current: ConnectionState = "closed";
  private attempts = 0;
  private lastFrameAt = 0;
  private pingedAt: number | null = null;
  private readonly timers = new Map<Timer, TimerHandle>();

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly hooks: ConnectionHooks,
    private readonly clock: Timers = realTimers,
    private readonly random: () => number = Math.random,
  ) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** The open (or opening) socket, if any. */
  get socket(): SocketLike | null {
    return this.ws;
  }

  /** Opens a socket now (also when waiting to retry); does nothing while one is open or opening. */
  connect(): void {
    if (this.current !== "closed" && this.current !== "waiting") return;
    this.stop("retry");
    this.open();
  }

  /** The socket is caught up: the next drop backs off from the shortest delay again. */
  ready(): void {
    this.attempts = 0;
    this.setState("ready");
  }

  syncing(): void {
    this.setState("syncing");
  }

  /** Stops using the socket and stays closed until connect(). */
  close(): void {
    this.detach();
    this.setState("closed");
  }

  /** Sends on the socket if it takes it; false when there is none or it is closing. */
  send(text: string, ws: SocketLike | null = this.ws): boolean {
    if (!ws) return false;
    try {
      ws.send(text);
      return true;
    } catch {
      // Closing: the close event decides what happens next.
      return false;
    }
  }

  /** The socket is gone (or presumed dead): tell the client, then retry after a backoff. */
  drop(ws: SocketLike, opened: boolean): void {
    this.detach();
    this.hooks.lost(ws, opened);
    const ceiling = Math.min(this.settings.maxReconnectDelayMs, this.settings.minReconnectDelayMs * 2 ** this.attempts++);
    // Equal jitter: never sooner than half the step, so clients dropped together spread out.
    const delay = ceiling / 2 + (this.random() * ceiling) / 2;
    this.setState("waiting");
    this.later("retry", delay, () => this.open());
  }

  /** Stops using the current socket, whatever its state. */
  detach(): void {
    const ws = this.ws;
    this.ws = null;
    for (const name of [...this.timers.keys()]) this.stop(name);
    this.hooks.detached();
    if (ws) {
      try {
        ws.close(1000, "client closed");
      } catch {
        // already closing
      }
    }
  }

  private open(): void {
    this.setState("connecting");
    const ws = this.settings.webSocket(this.settings.url, this.hooks.protocols());
    this.ws = ws;
    let opened = false;
    this.later("connect", this.settings.connectTimeoutMs, () => this.drop(ws, false));
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      opened = true;
      this.stop("connect");
      this.lastFrameAt = this.clock.now();
      this.pingedAt = null;
      this.beat(ws);
      this.hooks.opened(ws);
    });
    ws.addEventListener("message", (e) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = this.clock.now();
      this.hooks.frame(e.data);
    });
    ws.addEventListener("close", (e) => {
      if (this.ws !== ws) return;
      if (e.code === CLOSE_REVOKED) return this.hooks.revoked();
      this.drop(ws, opened);
    });
  }

  /**
   * Pings a quiet socket, and drops one that let a whole interval pass without answering
   * the ping, as a half-open TCP connection would. It goes by the ping, not by silence
   * alone, because a background tab's timers may be held back for a minute.
   */
  private beat(ws: SocketLike): void {
    const every = this.settings.heartbeatMs;
    if (every <= 0) return;
    if (this.pingedAt !== null && this.lastFrameAt < this.pingedAt) {
      this.drop(ws, true);
      return;
    }
    this.pingedAt = null;
    if (this.clock.now() - this.lastFrameAt >= every && this.send(PING, ws)) this.pingedAt = this.clock.now();
    this.later("heartbeat", every, () => this.beat(ws));
  }

  private later(name: Timer, ms: number, fn: () => void): void {
    this.stop(name);
    this.timers.set(
      name,
      this.clock.set(() => {
        this.timers.delete(name);
        fn();
      }, ms),
    );
  }

  private stop(name: Timer): void {
    const t = this.timers.get(name);
    if (t !== undefined) this.clock.clear(t);
    this.timers.delete(name);
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.hooks.state(state);
  }
}

/** A failed upgrade looks the same as a network failure to a WebSocket; HTTP tells a revoked token apart. */
export async function tokenRevoked(fetch: FetchLike, apiUrl: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ mode: "sync", since: Number.MAX_SAFE_INTEGER, limit: 1 }),
    });
    return res.status === 401;
  } catch {
    // Unreachable: keep retrying the socket.
    return false;
  }
}
