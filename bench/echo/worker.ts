// Benchmark baseline: a Worker that hands every GET /ws upgrade to one SQLite-backed
// Durable Object, which accepts the socket with the Hibernation API and sends each frame
// straight back. The same hops as the chat's socket path (Worker -> Durable Object ->
// socket) with no work of its own, so its round trip is the runtime's own floor.
//
// A frame {"mode":"fan","n":N,"write":bool} is echoed only after the object has called N
// other objects (Sink) over RPC, all at once, each storing one row when `write` is set:
// the least a fan-out to N members costs with an object per member and a write each. With
// "read":true each reads one row instead and writes nothing: the least asking N objects for
// their state costs (a user's first getChats in N large groups).
// A frame {"mode":"chain"} is echoed after two storing hops in series: a Sink stores it and
// then calls a second Sink, which stores it too: the same order of work as a direct
// message (the chat object stores it, then the recipient's object logs it), with nothing else.
// A frame {"mode":"hubfan","k":K} is sent to every socket held by K Hub objects: sockets
// opened with ?hub=K-j&user=U are held by Hub "K-j", which logs one row per user it holds (in
// one statement, so one commit) and then pushes. That is the fan-out of a design where an
// object holds many users' sockets and update logs, instead of one object per user.
// PUT /r2/<key> streams the request body into R2 as it is (one put, its length known) and
// GET /r2/<key> streams it back: the least an upload and a download of a file cost here.
import { DurableObject } from "cloudflare:workers";

interface EchoEnv {
  ECHO: DurableObjectNamespace<Echo>;
  SINK: DurableObjectNamespace<Sink>;
  HUB: DurableObjectNamespace<Hub>;
  FILES: R2Bucket;
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
      const { n, write, read } = JSON.parse(data) as { n: number; write: boolean; read?: boolean };
      for (let i = this.sinks.length; i < n; i++) this.sinks.push(this.env.SINK.get(this.env.SINK.idFromName(`sink-${i}`)));
      await Promise.all(this.sinks.slice(0, n).map((s) => (read ? s.peek() : s.poke(data, write))));
    } else if (typeof data === "string" && data.startsWith('{"mode":"chain"')) {
      await this.env.SINK.get(this.env.SINK.idFromName("chain-1")).relay(data, "chain-2");
    } else if (typeof data === "string" && data.startsWith('{"mode":"hubfan"')) {
      const { k } = JSON.parse(data) as { k: number };
      await Promise.all(Array.from({ length: k }, (_, j) => this.env.HUB.get(this.env.HUB.idFromName(`${k}-${j}`)).push(data)));
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
    if (write) this.store(frame);
    return frame.length;
  }

  /** Reads one row (the first call after a start stores it: the warm-up rounds). */
  peek(): number {
    if (!this.ready) this.store("{}");
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT n FROM log LIMIT 1").one().n;
  }

  /** Stores the frame, then has the sink named `next` store it too. */
  async relay(frame: string, next: string): Promise<number> {
    this.store(frame);
    return this.env.SINK.get(this.env.SINK.idFromName(next)).poke(frame, true);
  }

  private store(frame: string): void {
    if (!this.ready) {
      this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS log (n INTEGER PRIMARY KEY, frame TEXT NOT NULL)");
      this.ready = true;
    }
    this.ctx.storage.sql.exec("INSERT INTO log (frame) VALUES (?)", frame);
  }
}

export class Hub extends DurableObject<EchoEnv> {
  private pts = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: EchoEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS log (user TEXT NOT NULL, pts INTEGER NOT NULL, frame TEXT NOT NULL, PRIMARY KEY (user, pts))",
    );
    for (const r of ctx.storage.sql.exec<{ user: string; pts: number }>("SELECT user, MAX(pts) AS pts FROM log GROUP BY user"))
      this.pts.set(r.user, r.pts);
  }

  override async fetch(request: Request): Promise<Response> {
    const user = new URL(request.url).searchParams.get("user") ?? "";
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [user]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Logs the frame for every user with a socket here, then sends it to all of them. */
  push(frame: string): number {
    const sockets = this.ctx.getWebSockets();
    const rows = sockets.map((ws) => {
      const user = this.ctx.getTags(ws)[0]!;
      const pts = (this.pts.get(user) ?? 0) + 1;
      this.pts.set(user, pts);
      return [user, pts];
    });
    this.ctx.storage.sql.exec("INSERT INTO log SELECT value ->> 0, value ->> 1, ? FROM json_each(?)", frame, JSON.stringify(rows));
    for (const ws of sockets) ws.send(frame);
    return sockets.length;
  }
}

export default {
  async fetch(request: Request, env: EchoEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/r2/")) {
      const key = url.pathname.slice("/r2/".length);
      if (request.method === "PUT") {
        const put = await env.FILES.put(key, request.body);
        return Response.json({ size: put?.size }, { status: 201 });
      }
      const object = await env.FILES.get(key);
      // The chat's type for the same bytes: a text type would be compressed on the way out.
      const headers = { "Content-Length": String(object?.size ?? 0), "Content-Type": "application/octet-stream" };
      return object ? new Response(object.body, { headers }) : new Response("no such key", { status: 404 });
    }
    if (url.pathname !== "/ws") return new Response("echo baseline: GET /ws or /r2/<key>", { status: 404 });
    const hub = url.searchParams.get("hub");
    if (hub) return env.HUB.get(env.HUB.idFromName(hub)).fetch(request);
    return env.ECHO.get(env.ECHO.idFromName("echo")).fetch(request);
  },
} satisfies ExportedHandler<EchoEnv>;
