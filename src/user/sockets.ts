// The user's sockets, held with the Hibernation API: an idle user costs nothing. Each
// socket carries who it is (session, address) in its attachment, which survives
// hibernation, and is tagged with its session id so a session's sockets can be ended.
import type { Session } from "../accounts";
import { errorFrame, unauthorized } from "../contract/errors";
import { CLOSE_REVOKED, type SessionRevokedPush, type User } from "../contract/protocol";
import { CONNECT_IP_HEADER, CONNECT_PROTOCOL_HEADER, CONNECT_SESSION_HEADER } from "./connect";

/** Kept with each socket (survives hibernation). */
export interface SocketInfo {
  socketId: string;
  user: User;
  sessionId: string;
  tokenHash: string;
  expiresAt: number;
  ip: string;
}

export class Sockets {
  private infos = new WeakMap<WebSocket, SocketInfo>();

  constructor(private readonly ctx: DurableObjectState) {
    // The contract's exact ping text is answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"mode":"ping"}', '{"mode":"pong"}'));
  }

  /**
   * Accepts an upgrade the Worker authenticated; the session rides in a header. A session
   * that has `ended` since the Worker checked it is refused as a bad token is (401).
   */
  accept(request: Request, ended: (session: Session) => boolean): Response {
    const session = JSON.parse(request.headers.get(CONNECT_SESSION_HEADER) ?? "null") as Session | null;
    if (request.headers.get("Upgrade") !== "websocket" || !session) return new Response("expected a WebSocket upgrade", { status: 400 });
    if (ended(session)) {
      const refused = errorFrame("error", undefined, unauthorized("the token is unknown, expired or revoked").body());
      return Response.json(refused, { status: 401 });
    }
    const pair = new WebSocketPair();
    const info: SocketInfo = {
      socketId: crypto.randomUUID(),
      user: session.user,
      sessionId: session.sessionId,
      tokenHash: session.tokenHash,
      expiresAt: session.expiresAt,
      ip: request.headers.get(CONNECT_IP_HEADER) ?? "unknown",
    };
    this.ctx.acceptWebSocket(pair[1], [session.sessionId]);
    pair[1].serializeAttachment(info);
    this.infos.set(pair[1], info);
    const protocol = request.headers.get(CONNECT_PROTOCOL_HEADER);
    return new Response(null, { status: 101, webSocket: pair[0], headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {} });
  }

  info(ws: WebSocket): SocketInfo {
    let info = this.infos.get(ws);
    if (!info) {
      info = ws.deserializeAttachment() as SocketInfo;
      this.infos.set(ws, info);
    }
    return info;
  }

  /** Sends a frame to every socket but the one whose request caused it. */
  broadcast(frame: string, exceptSocketId: string | null): void {
    for (const ws of this.ctx.getWebSockets()) {
      if (exceptSocketId !== null && this.info(ws).socketId === exceptSocketId) continue;
      try {
        ws.send(frame);
      } catch {
        // A socket that is closing; its client resumes with sync.
      }
    }
  }

  /** Passes pushes on to every open socket (each but the one whose request made it); returns how many sockets are open. */
  pass(items: { frame: string; except?: string }[]): number {
    let open = 0;
    for (const ws of this.ctx.getWebSockets()) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      open++;
      const id = this.info(ws).socketId;
      for (const item of items) {
        if (item.except === id) continue;
        try {
          ws.send(item.frame);
        } catch {
          // A socket that is closing; its client catches up with getChatUpdates.
        }
      }
    }
    return open;
  }

  /** Ends one session's sockets: a sessionRevoked push, then close 4001. */
  endSessions(sessionId: string, exceptSocketId: string | null): void {
    const frame = JSON.stringify({ mode: "sessionRevoked", timestamp: Date.now() } satisfies SessionRevokedPush);
    for (const ws of this.ctx.getWebSockets(sessionId)) {
      if (this.info(ws).socketId === exceptSocketId) continue;
      try {
        ws.send(frame);
        ws.close(CLOSE_REVOKED, "session revoked");
      } catch {
        // already gone
      }
    }
  }
}

export function send(ws: WebSocket, frame: object): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The socket closed while we worked; nothing was lost that sync cannot replay.
  }
}

/** Completes a closing handshake the client started; 1005/1006 cannot be sent back. */
export function closeBack(ws: WebSocket, code: number): void {
  try {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
  } catch {
    // already closed
  }
}
