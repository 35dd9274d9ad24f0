// The user's sockets, held with the Hibernation API: an idle user costs nothing. Each
// socket carries who it is (session, address, device) in its attachment, which survives
// hibernation, and is tagged with its session id so a session's sockets can be ended.
import type { Device, Session } from "../accounts";
import { ApiError, errorFrame, unauthorized } from "../contract/errors";
import { CLOSE_REVOKED, type SessionEndReason, type User } from "../contract/protocol";
import { sessionRevokedPush } from "../contract/push-frames";
import { CONNECT_DEVICE_HEADER, CONNECT_IP_HEADER, CONNECT_PROTOCOL_HEADER, CONNECT_SESSION_HEADER } from "./connect";

/** Kept with each socket (survives hibernation). */
export interface SocketInfo {
  socketId: string;
  user: User;
  sessionId: string;
  tokenHash: string;
  expiresAt: number;
  ip: string;
  device: Device;
  /** When D1 last recorded the session as seen, as far as this socket knows (sessions.ts). */
  seenAt?: number;
}

export class Sockets {
  private infos = new WeakMap<WebSocket, SocketInfo>();

  constructor(
    private readonly ctx: DurableObjectState,
    /** Sockets a user may have open at once (MAX_SOCKETS_PER_USER). */
    private readonly max: number,
  ) {
    // The contract's exact ping text is answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"mode":"ping"}', '{"mode":"pong"}'));
  }

  /**
   * Accepts an upgrade the Worker authenticated; the session rides in a header. A session
   * that has `ended` since the Worker checked it is refused as a bad token is (401).
   */
  accept(request: Request, ended: (session: Session) => boolean): { response: Response; socket?: WebSocket; session?: Session } {
    const session = JSON.parse(request.headers.get(CONNECT_SESSION_HEADER) ?? "null") as Session | null;
    if (request.headers.get("Upgrade") !== "websocket" || !session)
      return { response: new Response("expected a WebSocket upgrade", { status: 400 }) };
    if (ended(session)) {
      const refused = errorFrame("error", undefined, unauthorized("the token is unknown, expired or revoked").body());
      return { response: Response.json(refused, { status: 401 }) };
    }
    // Past the cap the new socket is refused and the open ones are kept: closing the oldest
    // would let whoever holds a token knock the user's own devices off, one upgrade at a time.
    if (this.open().length >= this.max) {
      const refused = errorFrame(
        "error",
        undefined,
        new ApiError(429, "rate_limited", `at most ${this.max} sockets may be open at once; close one first`).body(),
      );
      return { response: Response.json(refused, { status: 429 }) };
    }
    const pair = new WebSocketPair();
    const info: SocketInfo = {
      socketId: crypto.randomUUID(),
      user: session.user,
      sessionId: session.sessionId,
      tokenHash: session.tokenHash,
      expiresAt: session.expiresAt,
      ip: request.headers.get(CONNECT_IP_HEADER) ?? "unknown",
      device: (JSON.parse(request.headers.get(CONNECT_DEVICE_HEADER) ?? "null") as Device | null) ?? { userAgent: "" },
      ...(session.seenAt !== undefined && { seenAt: session.seenAt }),
    };
    this.ctx.acceptWebSocket(pair[1], [session.sessionId]);
    pair[1].serializeAttachment(info);
    this.infos.set(pair[1], info);
    const protocol = request.headers.get(CONNECT_PROTOCOL_HEADER);
    const response = new Response(null, {
      status: 101,
      webSocket: pair[0],
      headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {},
    });
    return { response, socket: pair[1], session };
  }

  /** The sockets open now (not closing). */
  open(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
  }

  /** Whose sockets these are (null: none is open). */
  user(): User | null {
    const ws = this.open()[0];
    return ws ? this.info(ws).user : null;
  }

  /** The open sockets and what each carries. */
  *all(): Generator<[WebSocket, SocketInfo]> {
    for (const ws of this.ctx.getWebSockets()) yield [ws, this.info(ws)];
  }

  /** Keeps a changed attachment across hibernation. */
  save(ws: WebSocket, info: SocketInfo): void {
    this.infos.set(ws, info);
    ws.serializeAttachment(info);
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

  /** Ends one session's sockets (or, with null, every socket): a sessionRevoked push, then close 4001. */
  endSessions(sessionId: string | null, exceptSocketId: string | null, reason: SessionEndReason = "revoked"): void {
    this.end(sessionId === null ? this.ctx.getWebSockets() : this.ctx.getWebSockets(sessionId), exceptSocketId, reason);
  }

  /** Ends the sockets whose session has expired by `now`; returns the next expiry among the rest. */
  endExpired(now: number): number | null {
    const expired: WebSocket[] = [];
    let next: number | null = null;
    for (const [ws, info] of this.all()) {
      if (info.expiresAt <= now) expired.push(ws);
      else next = Math.min(next ?? Infinity, info.expiresAt);
    }
    this.end(expired, null, "expired");
    return next;
  }

  /** Ends the socket that asked, after its answer: quietly (as logout), or with a sessionRevoked push. */
  endAsking(ws: WebSocket, how: "quietly" | SessionEndReason): void {
    if (how === "quietly") closeRevoked(ws, "session revoked");
    else this.end([ws], null, how);
  }

  private end(sockets: WebSocket[], exceptSocketId: string | null, reason: SessionEndReason): void {
    const frame = sessionRevokedPush(reason);
    for (const ws of sockets) {
      if (this.info(ws).socketId === exceptSocketId) continue;
      try {
        ws.send(frame);
      } catch {
        // closing already
      }
      closeRevoked(ws, `session ${reason}`);
    }
  }
}

function closeRevoked(ws: WebSocket, reason: string): void {
  try {
    ws.close(CLOSE_REVOKED, reason);
  } catch {
    // already closed
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
