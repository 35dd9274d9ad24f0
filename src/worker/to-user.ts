// How the Worker reaches a user's object: sockets by upgrade (the only way a WebSocket
// can reach a Durable Object), everything else by RPC.
import type { Device, Session } from "../accounts";
import { ApiError, unauthorized } from "../contract/errors";
import { CONNECT_DEVICE_HEADER, CONNECT_IP_HEADER, CONNECT_PROTOCOL_HEADER, CONNECT_SESSION_HEADER, type UserObject } from "../user";

export function userStub(env: Env, userId: string): DurableObjectStub<UserObject> {
  return env.USERS.get(env.USERS.idFromName(userId));
}

function connectRequest(session: Session, ip: string, device: Device, protocol: string | null): Request {
  const headers = new Headers({
    Upgrade: "websocket",
    [CONNECT_SESSION_HEADER]: JSON.stringify(session),
    [CONNECT_IP_HEADER]: ip,
    [CONNECT_DEVICE_HEADER]: JSON.stringify(device),
  });
  if (protocol) headers.set(CONNECT_PROTOCOL_HEADER, protocol);
  return new Request("https://user.internal/connect", { headers });
}

/** Hands an authenticated upgrade to the user's object; its 101 goes back to the client. */
export async function forwardUpgrade(env: Env, session: Session, ip: string, device: Device, protocol: string | null): Promise<Response> {
  const res = await userStub(env, session.user.id).fetch(connectRequest(session, ip, device, protocol));
  // A refusal (401, 429) comes with headers the Worker cannot add its own to: copied.
  return res.status === 101 ? res : new Response(res.body, res);
}

/** Opens a socket of our own to the user's object (for piping a socket that logged in late). */
export async function connectToUser(env: Env, session: Session, ip: string, device: Device, protocol: string | null): Promise<WebSocket> {
  const res = await forwardUpgrade(env, session, ip, device, protocol);
  // The session ended between the Worker's check and the hand-over.
  if (res.status === 401) throw unauthorized("this session has ended; log in again");
  // Past MAX_SOCKETS_PER_USER: the user has that many sockets open already.
  if (res.status === 429) throw new ApiError(429, "rate_limited", "too many sockets open for this user; close one first");
  if (!res.webSocket) throw new Error(`user object refused the socket: ${res.status}`);
  return res.webSocket;
}
