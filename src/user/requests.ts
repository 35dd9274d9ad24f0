// What every request handler of the user object takes and gives back.
import type { Device, Session } from "../accounts";
import type { ErrorFrame, Mode, ResponseOf, SessionEndReason } from "../contract/protocol";

/** Who is asking, and from where. */
export interface Caller {
  session: Session;
  ip: string;
  device: Device;
  /** Empty for POST /api, which has no socket to spare. */
  socketId: string;
}

export interface Answer {
  frame: ResponseOf<Mode> | ErrorFrame;
  /**
   * The asking socket's session just ended: once the answer is sent, close it with 4001,
   * "quietly" (the answer says it all, as for logout) or after a sessionRevoked push.
   */
  closeAfter?: "quietly" | SessionEndReason;
}
