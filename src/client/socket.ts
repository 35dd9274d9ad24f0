// What the client needs of a WebSocket: the part that browsers, Node 22's global WebSocket
// and Workers' WebSocket share, so any of them (or a test double) can carry it.

export interface SocketMessageEvent {
  data: unknown;
}

export interface SocketCloseEvent {
  code: number;
}

export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "message", listener: (event: SocketMessageEvent) => void): void;
  addEventListener(type: "close", listener: (event: SocketCloseEvent) => void): void;
}

/** Opens a socket to `url` offering `protocols`; the socket reports `open` once usable. */
export type WebSocketFactory = (url: string, protocols: string[]) => SocketLike;

/** The minimal `fetch` the client uses to tell a revoked token from a network failure. */
export type FetchLike = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: string },
) => Promise<{ status: number }>;

export const globalWebSocket: WebSocketFactory = (url, protocols) => {
  if (typeof WebSocket === "undefined") throw new Error("no global WebSocket here: pass the `webSocket` option");
  return new WebSocket(url, protocols);
};
