// What every request handler of the user object takes and gives back, and the table type
// that makes the handlers cover every mode of the contract (a mode without a handler does
// not compile).
import type { Device, Revocation, Session } from "../../accounts";
import type { Origin } from "../../chat";
import type { ErrorFrame, Mode, RequestOf, ResponseOf, SessionEndReason, User } from "../../contract/protocol";
import type { Clock } from "../../platform/clock";
import type { Config } from "../../platform/config";
import type { Blocks } from "../blocks";
import type { ChatCalls } from "../chat-calls";
import type { ChatList } from "../chat-list";
import type { Deletion, Leaving } from "../deletion";
import type { Inbox } from "../inbox";
import type { LargeGroups } from "../large-groups";
import type { Privacy } from "../privacy";
import type { UserSearch } from "../search";
import type { Pushes } from "../push/pushes";
import type { SendLimits } from "../send-limits";
import type { Sockets } from "../sockets";
import type { UpdateLog } from "../update-log";

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

/** The user object's parts a handler may use. */
export interface UserParts {
  env: Env;
  cfg: Config;
  clock: Clock;
  sockets: Sockets;
  limits: SendLimits;
  deletion: Deletion;
  chats: ChatList;
  log: UpdateLog;
  inbox: Inbox;
  large: LargeGroups;
  blocks: Blocks;
  privacy: Privacy;
  pushes: Pushes;
  calls: ChatCalls;
  search: UserSearch;
  /** Remembers sessions as revoked and ends their sockets (revoked.ts). */
  endSessions(sessions: Revocation["sessions"], exceptSocketId: string | null): void;
  leaving(): Leaving;
  defer(work: Promise<unknown>): void;
}

/** One request's context: the parts, and who asks. */
export interface Ctx extends UserParts {
  me: User;
  caller: Caller;
  /** The asking socket: its own change is not pushed back to it. */
  origin: Origin;
}

export type Handler<M extends Mode> = (r: RequestOf<M>, x: Ctx) => Promise<Answer>;
export type Handlers = { [M in Mode]: Handler<M> };
