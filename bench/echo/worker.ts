// Benchmark baseline: a Worker that hands every GET /ws upgrade to one SQLite-backed
// Durable Object, which accepts the socket with the Hibernation API and sends each frame
// straight back. The same hops as the chat's socket path (Worker -> Durable Object ->
// socket) with no work of its own, so its round trip is the runtime's own floor.
import { DurableObject } from "cloudflare:workers";

interface EchoEnv {
  ECHO: DurableObjectNamespace<Echo>;
}

export class Echo extends DurableObject<EchoEnv> {
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 400 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    ws.send(data);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // already closed
    }
  }
}

export default {
  async fetch(request: Request, env: EchoEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/ws") return new Response("echo baseline: GET /ws", { status: 404 });
    return env.ECHO.get(env.ECHO.idFromName("echo")).fetch(request);
  },
} satisfies ExportedHandler<EchoEnv>;
