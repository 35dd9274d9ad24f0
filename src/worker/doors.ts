// The Worker's two doors: POST /api (one request frame in, one response frame out) and
// GET /ws (authenticate the upgrade, then hand it to the user's object).
import type { Context } from "hono";
import { answerAccountMode, type AccountRequest } from "../accounts";
import { device, sessionOf, type Device } from "../accounts";
import { anonymousSocket } from "./anonymous-socket";
import { config } from "../platform/config";
import { ApiError, errorFrame, toErrorBody, unauthorized } from "../contract/errors";
import { parseFrame, tooLarge } from "../contract/frames";
import { ANONYMOUS_MODES, MAX_FRAME_BYTES } from "../contract/protocol";
import { endSessionsOf } from "../user";
import type { AppEnv } from "./request-log";
import { forwardUpgrade, userStub } from "./to-user";

type Ctx = Context<AppEnv>;

const clientIp = (c: Ctx) => c.req.header("CF-Connecting-IP") ?? "unknown";
const clientDevice = (c: Ctx): Device => device(c.req.header("User-Agent"), c.req.raw.cf?.country);

function answerError(c: Ctx, mode: string, requestId: string | undefined, err: unknown): Response {
  const body = toErrorBody(err, `POST /api ${mode}`);
  return c.json(errorFrame(mode, requestId, body), body.status as 400);
}

/**
 * The body as text, read no further than one byte past the largest frame: a body sent
 * without Content-Length (chunked) could otherwise be of any size. Null when it is too large.
 * A body cut off half way (the client went) is the client's error, not ours.
 */
async function readFrameBody(request: Request): Promise<string | null> {
  if (Number(request.headers.get("Content-Length") ?? 0) > MAX_FRAME_BYTES) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new ApiError(400, "bad_request", "the request body was cut off before its end");
    });
    if (done) break;
    size += value.byteLength;
    if (size > MAX_FRAME_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

export async function postApi(c: Ctx): Promise<Response> {
  let body: string | null;
  try {
    body = await readFrameBody(c.req.raw);
  } catch (err) {
    return answerError(c, "error", undefined, err);
  }
  if (body === null) return answerError(c, "error", undefined, tooLarge());
  const parsed = parseFrame(body);
  c.set("mode", parsed.head.mode);
  if (!parsed.ok) return answerError(c, parsed.head.mode, parsed.head.requestId, parsed.error);
  const r = parsed.request;
  try {
    if (ANONYMOUS_MODES.has(r.mode)) {
      const answer = await answerAccountMode(c.env, r as AccountRequest, clientIp(c), (p) => c.executionCtx.waitUntil(p), clientDevice(c));
      c.set("userId", answer.session?.user.id ?? answer.revoked?.userId);
      if (answer.revoked) await endSessionsOf(c.env, answer.revoked, (p) => c.executionCtx.waitUntil(p));
      return c.json(answer.frame, answer.frame.status as 200);
    }
    const bearer = c.req.header("Authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const session = await sessionOf(c.env, r.token ?? bearer);
    if (!session) throw unauthorized("this mode needs a valid token: in the body or as Authorization: Bearer");
    c.set("userId", session.user.id);
    // The token that authenticated the request is the one a logout ends.
    const request = r.mode === "logout" ? { ...r, token: r.token ?? bearer } : r;
    const frame = await userStub(c.env, session.user.id).api(request, session, clientIp(c), clientDevice(c));
    return c.json(frame, frame.status as 200);
  } catch (err) {
    return answerError(c, r.mode, r.request_id, err);
  }
}

/** `Sec-WebSocket-Protocol: chat, token.<token>`: the token, and whether "chat" was offered. */
function subprotocols(header: string | undefined): { chat: boolean; token?: string } {
  const list = (header ?? "").split(",").map((s) => s.trim());
  const token = list.find((p) => p.startsWith("token."))?.slice("token.".length);
  return { chat: list.includes("chat"), ...(token && { token }) };
}

export async function getWs(c: Ctx): Promise<Response> {
  const fail = (err: ApiError) => c.json(errorFrame("error", undefined, err.body()), err.status as 400);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
    return fail(new ApiError(400, "bad_request", "GET /ws is a WebSocket endpoint: send Upgrade: websocket"));
  const allowed = config(c.env).allowedOrigins;
  const origin = c.req.header("Origin");
  if (allowed.length && origin && !allowed.includes(origin))
    return fail(new ApiError(403, "forbidden", `origin ${origin} may not open sockets here`));
  const proto = subprotocols(c.req.header("Sec-WebSocket-Protocol"));
  const token = c.req.query("token") ?? proto.token;
  const protocol = proto.chat ? "chat" : null;
  if (token === undefined) return anonymousSocket(c.env, clientIp(c), clientDevice(c), protocol, (p) => c.executionCtx.waitUntil(p));
  const session = await sessionOf(c.env, token);
  if (!session) return fail(unauthorized("the token is unknown, expired or revoked"));
  c.set("userId", session.user.id);
  return forwardUpgrade(c.env, session, clientIp(c), clientDevice(c), protocol);
}
