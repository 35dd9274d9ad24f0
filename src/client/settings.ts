// The client's options with their defaults filled in: the HTTP side's (the API's URL, the
// fetches, the request timeout) and the connection's (timeouts, backoff, heartbeat).
import type { ConnectionSettings } from "./connection";
import type { HttpFetch } from "./files";
import { type FetchLike, globalWebSocket } from "./socket";
import type { ClientOptions } from "./types";

export interface ClientSettings {
  apiUrl: string;
  fetch: FetchLike | undefined;
  httpFetch: HttpFetch | undefined;
  requestTimeoutMs: number;
  catchUpLargeGroups: boolean;
}

/** The API's URL defaults to the socket's, ws(s)://…/ws becoming http(s)://…/api. */
export function clientSettings(options: ClientOptions): ClientSettings {
  const api = new URL(options.url);
  api.protocol = api.protocol === "wss:" ? "https:" : "http:";
  api.pathname = api.pathname.replace(/\/ws$/, "/api");
  api.search = "";
  return {
    fetch: options.fetch ?? (typeof fetch === "function" ? (url, init) => fetch(url, init) : undefined),
    apiUrl: options.apiUrl ?? api.toString(),
    httpFetch: options.httpFetch,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    catchUpLargeGroups: options.catchUpLargeGroups ?? true,
  };
}

export function connectionSettings(options: ClientOptions): ConnectionSettings {
  return {
    url: options.url,
    webSocket: options.webSocket ?? globalWebSocket,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    minReconnectDelayMs: options.minReconnectDelayMs ?? 500,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? 30_000,
    heartbeatMs: options.heartbeatMs ?? 20_000,
  };
}
