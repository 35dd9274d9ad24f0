import { describe, expect, it } from "vitest";
import { CLOSE_REVOKED } from "../contract/protocol";
import { Connection, tokenRevoked, type ConnectionState } from "./connection";
import { ManualTimers } from "./manual-timers";
import type { SocketCloseEvent, SocketLike, SocketMessageEvent } from "./socket";

/** A socket the test opens, answers and closes by hand. */
class FakeSocket implements SocketLike {
  sent: string[] = [];
  closed = false;
  private readonly on = {
    open: [] as (() => void)[],
    message: [] as ((e: SocketMessageEvent) => void)[],
    close: [] as ((e: SocketCloseEvent) => void)[],
  };
  constructor(readonly protocols: string[]) {}
  send(data: string): void {
    if (this.closed) throw new Error("closed");
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
  addEventListener(type: "open" | "message" | "close", listener: never): void {
    (this.on[type] as unknown[]).push(listener);
  }
  open(): void {
    for (const l of this.on.open) l();
  }
  message(data: string): void {
    for (const l of this.on.message) l({ data });
  }
  dropped(code = 1006): void {
    this.closed = true;
    for (const l of this.on.close) l({ code });
  }
}

function setup(settings: { heartbeatMs?: number; random?: number } = {}) {
  const timers = new ManualTimers();
  const sockets: FakeSocket[] = [];
  const states: ConnectionState[] = [];
  const frames: unknown[] = [];
  const lost: boolean[] = [];
  let revoked = 0;
  let detached = 0;
  const conn = new Connection(
    {
      url: "ws://chat.test/ws",
      webSocket: (_url, protocols) => {
        const ws = new FakeSocket(protocols);
        sockets.push(ws);
        return ws;
      },
      connectTimeoutMs: 10_000,
      minReconnectDelayMs: 500,
      maxReconnectDelayMs: 30_000,
      heartbeatMs: settings.heartbeatMs ?? 0,
    },
    {
      protocols: () => ["chat", "token.t"],
      opened: () => conn.ready(),
      frame: (data) => frames.push(data),
      lost: (_ws, opened) => lost.push(opened),
      revoked: () => revoked++,
      state: (s) => states.push(s),
      detached: () => detached++,
    },
    timers,
    () => settings.random ?? 1,
  );
  return {
    conn,
    timers,
    sockets,
    states,
    frames,
    lost,
    revoked: () => revoked,
    detached: () => detached,
    last: () => sockets.at(-1)!,
  };
}

describe("Connection", () => {
  it("opens a socket with the host's protocols and passes its frames on", () => {
    const { conn, states, frames, last } = setup();
    conn.connect();
    expect(last().protocols).toEqual(["chat", "token.t"]);
    last().open();
    last().message('{"mode":"ping"}');
    expect(states).toEqual(["connecting", "ready"]);
    expect(frames).toEqual(['{"mode":"ping"}']);
    expect(conn.send("x")).toBe(true);
    expect(last().sent).toEqual(["x"]);
  });

  it("backs off after each drop, doubling up to the ceiling, and starts over once ready", () => {
    const { conn, timers, sockets, states, lost } = setup();
    conn.connect();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      sockets.at(-1)!.dropped();
      expect(conn.state).toBe("waiting");
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        timers.advance(100);
        waited += 100;
      }
      delays.push(waited);
    }
    // random() = 1: the whole step, 500 ms doubling to the 30 s ceiling.
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(lost.every((opened) => !opened)).toBe(true);
    sockets.at(-1)!.open();
    sockets.at(-1)!.dropped();
    expect(lost.at(-1)).toBe(true);
    const before = sockets.length;
    timers.advance(500);
    expect(sockets.length).toBe(before + 1);
    expect(states.filter((s) => s === "ready")).toHaveLength(1);
  });

  it("waits at least half the step (equal jitter)", () => {
    const { conn, timers, sockets } = setup({ random: 0 });
    conn.connect();
    sockets[0]!.dropped();
    timers.advance(249);
    expect(sockets).toHaveLength(1);
    timers.advance(1);
    expect(sockets).toHaveLength(2);
  });

  it("gives up on a socket that does not open in time, and retries", () => {
    const { conn, timers, sockets, lost } = setup();
    conn.connect();
    timers.advance(10_000);
    expect(sockets[0]!.closed).toBe(true);
    expect(lost).toEqual([false]);
    expect(conn.state).toBe("waiting");
    conn.connect();
    expect(sockets).toHaveLength(2);
  });

  it("pings a quiet socket and drops one that leaves the ping unanswered a whole interval", () => {
    const { conn, timers, sockets, lost } = setup({ heartbeatMs: 20_000 });
    conn.connect();
    sockets[0]!.open();
    timers.advance(20_000);
    expect(sockets[0]!.sent).toEqual(['{"mode":"ping"}']);
    sockets[0]!.message('{"mode":"ping","status":200}');
    timers.advance(20_000);
    expect(sockets[0]!.sent).toHaveLength(2);
    expect(conn.state).toBe("ready");
    timers.advance(20_000);
    expect(sockets[0]!.closed).toBe(true);
    expect(lost).toEqual([true]);
    expect(conn.state).toBe("waiting");
  });

  it("does not ping a socket that keeps talking", () => {
    const { conn, timers, sockets } = setup({ heartbeatMs: 20_000 });
    conn.connect();
    sockets[0]!.open();
    for (let i = 0; i < 10; i++) {
      timers.advance(10_000);
      sockets[0]!.message("{}");
    }
    expect(sockets[0]!.sent).toEqual([]);
    expect(conn.state).toBe("ready");
  });

  it("hands a revoking close to the host instead of retrying", () => {
    const { conn, sockets, revoked } = setup();
    conn.connect();
    sockets[0]!.open();
    sockets[0]!.dropped(CLOSE_REVOKED);
    expect(revoked()).toBe(1);
    expect(conn.state).toBe("ready");
  });

  it("closes for good: no retry, events of the old socket ignored", () => {
    const { conn, timers, sockets, frames, detached } = setup();
    conn.connect();
    sockets[0]!.open();
    conn.close();
    expect(conn.state).toBe("closed");
    expect(detached()).toBe(1);
    sockets[0]!.message("late");
    sockets[0]!.dropped();
    timers.advance(60_000);
    expect(frames).toEqual([]);
    expect(sockets).toHaveLength(1);
    expect(conn.send("x")).toBe(false);
  });
});

describe("tokenRevoked", () => {
  it("is true only for a 401, and false when the server cannot be reached", async () => {
    const calls: string[] = [];
    const revoked = async (_url: string, init: { headers: { Authorization?: string } }) => {
      calls.push(init.headers.Authorization!);
      return { status: 401 };
    };
    expect(await tokenRevoked(revoked, "http://x/api", "t")).toBe(true);
    expect(calls).toEqual(["Bearer t"]);
    expect(await tokenRevoked(async () => ({ status: 200 }), "http://x/api", "t")).toBe(false);
    expect(await tokenRevoked(async () => Promise.reject(new Error("offline")), "http://x/api", "t")).toBe(false);
  });
});
