// A socket that arrives without a token. The Worker keeps it and answers the modes an
// anonymous socket may send. Once it logs in (register, auth, or a frame carrying a valid
// token), the Worker opens a socket to that user's object and pipes the two together,
// so the client's socket becomes the user's without reconnecting. A WebSocket cannot be
// handed to a Durable Object over RPC; piping is how it moves.
import { answerAccountMode, type AccountRequest } from "../accounts";
import { sessionOf, type Defer, type Device, type Session } from "../accounts";
import { errorFrame, logErrorAnswer, toErrorBody, unauthorized } from "../contract/errors";
import { parseFrame } from "../contract/frames";
import { ANONYMOUS_MODES, type ErrorFrame } from "../contract/protocol";
import { endSessionsOf } from "../user";
import { connectToUser } from "./to-user";

export function anonymousSocket(env: Env, ip: string, device: Device, protocol: string | null, defer: Defer): Response {
  const pair = new WebSocketPair();
  const client = pair[1];
  // Binary frames arrive as bytes (not Blobs), so they are measured, refused and piped as binary.
  client.binaryType = "arraybuffer";
  client.accept();
  let upstream: WebSocket | null = null;
  // Frames are handled one at a time, in order, also while a login is binding the socket.
  let queue: Promise<void> = Promise.resolve();

  const bind = async (session: Session) => {
    const ws = await connectToUser(env, session, ip, device, null);
    ws.binaryType = "arraybuffer";
    ws.accept();
    ws.addEventListener("message", (e) => trySend(client, e.data));
    ws.addEventListener("close", (e) => safeClose(client, e.code, e.reason));
    ws.addEventListener("error", () => safeClose(client, 1011, "upstream error"));
    client.addEventListener("close", (e) => safeClose(ws, e.code, e.reason));
    upstream = ws;
    // The client may have gone while we were connecting; its close event is already past.
    if (client.readyState === WebSocket.CLOSING || client.readyState === WebSocket.CLOSED) safeClose(ws, 1000, "client gone");
  };

  const answerError = (frame: ErrorFrame, started: number) => {
    trySend(client, JSON.stringify(frame));
    logErrorAnswer(frame, undefined, started);
  };

  const onFrame = async (data: string | ArrayBuffer) => {
    if (upstream) return upstream.send(data);
    const started = Date.now();
    const parsed = parseFrame(data);
    if (!parsed.ok) return answerError(errorFrame(parsed.head.mode, parsed.head.requestId, parsed.error.body()), started);
    const r = parsed.request;
    try {
      if (ANONYMOUS_MODES.has(r.mode)) {
        const answer = await answerAccountMode(env, r as AccountRequest, ip, defer, device);
        if (answer.revoked) await endSessionsOf(env, answer.revoked, defer);
        trySend(client, JSON.stringify(answer.frame));
        if (answer.session) await bind(answer.session);
        return;
      }
      // As in the original sketch: a frame carrying a valid token logs the socket in.
      const session = await sessionOf(env, r.token);
      if (!session) throw unauthorized();
      await bind(session);
      upstream!.send(data);
    } catch (err) {
      answerError(errorFrame(r.mode, r.request_id, toErrorBody(err, `anonymous socket ${r.mode}`)), started);
    }
  };

  client.addEventListener("message", (e) => {
    // onFrame answers its own errors; what escapes it is a bug, logged like any other.
    queue = queue.then(() => onFrame(e.data)).catch((err: unknown) => void toErrorBody(err, "anonymous socket"));
  });
  client.addEventListener("close", (e) => {
    if (!upstream) safeClose(client, e.code, e.reason);
  });

  return new Response(null, {
    status: 101,
    webSocket: pair[0],
    headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {},
  });
}

function trySend(ws: WebSocket, data: string | ArrayBuffer): void {
  try {
    ws.send(data);
  } catch {
    // closed meanwhile
  }
}

/** Passes a close on; codes a peer may not send (1005, 1006…) become 1000 or 1011. */
function safeClose(ws: WebSocket, code: number, reason: string): void {
  const sendable = code === 1000 || (code >= 3000 && code <= 4999) ? code : code === 1005 ? 1000 : 1011;
  try {
    ws.close(sendable, reason);
  } catch {
    // already closed
  }
}
