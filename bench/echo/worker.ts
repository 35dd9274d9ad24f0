// Benchmark baseline: a Worker that hands every GET /ws upgrade to one SQLite-backed
// Durable Object, which accepts the socket with the Hibernation API and sends each frame
// straight back. The same hops as the chat's socket path (Worker -> Durable Object ->
// socket) with no work of its own, so its round trip is the runtime's own floor.
//
// A frame {"mode":"fan","n":N,"write":bool} is echoed only after the object has called N
// other objects (Sink) over RPC, all at once, each storing one row when `write` is set:
// the least a fan-out to N members costs with an object per member and a write each.
import { DurableObject } from "cloudflare:workers";

interface EchoEnv {
  ECHO: DurableObjectNamespace<Echo>;
  SINK: DurableObjectNamespace<Sink>;
}

export class Echo extends DurableObject<EchoEnv> {
  private sinks: DurableObjectStub<Sink>[] = [];

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 400 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (typeof data === "string" && data.startsWith('{"mode":"fan"')) {
      const { n, write } = JSON.parse(data) as { n: number; write: boolean };
      for (let i = this.sinks.length; i < n; i++) this.sinks.push(this.env.SINK.get(this.env.SINK.idFromName(`sink-${i}`)));
      await Promise.all(this.sinks.slice(0, n).map((s) => s.poke(data, write)));
    }
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

export class Sink extends DurableObject<EchoEnv> {
  private ready = false;

  poke(frame: string, write: boolean): number {
    if (!write) return frame.length;
    if (!this.ready) {
      this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS log (n INTEGER PRIMARY KEY, frame TEXT NOT NULL)");
      this.ready = true;
    }
    this.ctx.storage.sql.exec("INSERT INTO log (frame) VALUES (?)", frame);
    return frame.length;
  }
}

export default {
  async fetch(request: Request, env: EchoEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/ws") return new Response("echo baseline: GET /ws", { status: 404 });
    return env.ECHO.get(env.ECHO.idFromName("echo")).fetch(request);
  },
} satisfies ExportedHandler<EchoEnv>;
