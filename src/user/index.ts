// The user object: one per user. Others reach it through the USERS binding (typed RPC:
// api, endSessions, deliver, typing) and, for sockets, through an upgrade with the
// headers in connect.ts. Nothing else here is for outside use.
export { CONNECT_DEVICE_HEADER, CONNECT_IP_HEADER, CONNECT_PROTOCOL_HEADER, CONNECT_SESSION_HEADER } from "./connect";
export { endSessionsOf } from "./end-sessions";
export { UserObject } from "./user-object";
