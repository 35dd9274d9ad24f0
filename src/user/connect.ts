// How the Worker hands a socket to a user object: an upgrade request (a WebSocket cannot
// cross RPC) whose headers carry what the Worker checked. Only the Worker sets them; no
// client request reaches an object directly.
export const CONNECT_SESSION_HEADER = "X-Chat-Session";
export const CONNECT_IP_HEADER = "X-Chat-Client-Ip";
export const CONNECT_PROTOCOL_HEADER = "X-Chat-Protocol";
/** The client's Device (accounts/), for a login made later on that socket. */
export const CONNECT_DEVICE_HEADER = "X-Chat-Device";
