// The shapes of the benchmark's results, as written to bench/results.json.
import type { Machine } from "./proc";
import type { Dist } from "./stats";

export type Outcome<T> = T | { error: string };

export interface CpuWindow {
  /** Server CPU (utime + stime) of the workerd serving the Worker, µs. */
  workerUs: number;
  /** wrangler's local proxy in front of it, µs (not there in production). */
  proxyUs: number;
  /** This benchmark process, µs (it shares the machine). */
  clientUs: number;
  wallMs: number;
}

/** One frame to the echo object, which calls `members` other objects over RPC at once, then echoes it. */
export interface RpcFanout {
  members: number;
  /** Round trip when each call does nothing. */
  call: Dist;
  /** Round trip when each call stores one row in its object's SQLite. */
  write: Dist;
  workerUsPerCall: number;
  workerUsPerCallWrite: number;
}

/** The N-RPC floor without writes, measured again right before the phase read against it (the machine's load drifts). */
export interface NearFloor {
  members: number;
  call: Dist;
  workerUsPerCall: number;
}

/** One frame to the echo object, which has `hubs` objects log it for the users whose sockets they hold and push it. */
export interface HubFanout {
  members: number;
  hubs: number;
  /** Frame sent to the last member's socket having it. */
  last: Dist;
  workerUsPerPush: number;
}

export interface Baseline {
  rtt: Dist;
  frameBytes: number;
  framesPerSec: number;
  frames: number;
  sockets: number;
  depth: number;
  rpcFanout: RpcFanout[];
  hubFanout: HubFanout[];
  /** Frames per second of the paced figures: the direct phase's rate. */
  pacedRate: number;
  /** The echo's round trip with frames sent at that rate rather than back to back. */
  pacedRtt: Dist;
  /** Frame -> a Sink stores it and calls another that stores it -> echo, at that rate. */
  pacedChain: Dist;
  cpu: CpuWindow & { workerUsPerFrame: number; proxyUsPerFrame: number };
}

export interface PhaseCpu extends CpuWindow {
  pushes: number;
  workerUsPerPush: number;
  proxyUsPerPush: number;
}

export interface Direct {
  /** The two-storing-hop floor, measured again right before this phase. */
  floorChain?: Dist;
  messages: number;
  ratePerSec: number;
  /** Send on A's socket to the newMessage push on B's socket. */
  latency: Dist;
  /** Send to A's own response (stored). */
  ack: Dist;
  cpu: PhaseCpu;
}

export interface Group {
  members: number;
  senders: number;
  depth: number;
  messages: number;
  /** Messages stored and received by every other member, per second. */
  deliveredPerSec: number;
  /** Messages acknowledged (stored) to their senders, per second. */
  storedPerSec: number;
  /** Send to the last member's push, per message. */
  latency: Dist;
  cpu: PhaseCpu;
}

export interface Fanout {
  members: number;
  messages: number;
  /** Send to the last member's socket having it, per message. */
  last: Dist;
  /** Send to each member's socket having it, every member of every message. */
  member: Dist;
  /** Send to the sender's own response. */
  ack: Dist;
  /** Creating the group and its chatCreated reaching every member, ms. */
  createMs: number;
  connectMs: number;
  cpu: PhaseCpu;
  floor?: NearFloor;
}

/** One message at a time into a large group with `online` of its `members` online (one socket each). */
export interface LargeGroup {
  members: number;
  online: number;
  messages: number;
  /** Send to the last online member's socket having it. */
  last: Dist;
  /** Send to the sender's own response. */
  ack: Dist;
  cpu: PhaseCpu;
  /** Server CPU per message sent (all of its pushes), µs. */
  workerUsPerMessage: number;
  floor?: NearFloor;
}

export interface LargeGroups {
  /** Every member online. */
  all: LargeGroup;
  /** Many members, few of them online. */
  some: LargeGroup;
}

/** A user in `groups` large groups opening a socket, against a user in none. */
export interface Connect {
  groups: number;
  rounds: number;
  /** Upgrade sent to the socket open (the large groups told first). */
  open: Dist;
  /** Upgrade sent to the first getChats answered on it. */
  usable: Dist;
  workerUsPerConnect: number;
  /** The same for a user in no large group. */
  plainOpen: Dist;
  plainUsable: Dist;
  plainWorkerUsPerConnect: number;
  /** The floor of a first getChats: `groups` RPCs at once to objects that each read one row, measured right after. */
  floor?: NearFloor;
}

/** One member added or removed, alternately, in a group of `members`. */
export interface MembershipChange {
  members: number;
  large: boolean;
  changes: number;
  /** The owner's request answered. */
  ack: Dist;
  /** Storage bytes written by the Worker's workerd per change (every object it touched, deliveries included). */
  bytesPerChange: number;
  workerUsPerChange: number;
}

export interface Many {
  chats: number;
  perChat: number;
  depth: number;
  messages: number;
  deliveredPerSec: number;
  latency: Dist;
  cpu: PhaseCpu;
}

export interface Idle {
  users: number;
  connectMs: number;
  connectsPerSec: number;
  settleMs: number;
  rssBeforeMB: number;
  rssConnectedMB: number;
  rssIdleMB: number;
  proxyRssIdleMB: number;
  /** Users connected first, whose objects no earlier phase had loaded. */
  freshUsers: number;
  /** Worker RSS growth per such user (its object, its SQLite, its socket). */
  kbPerFreshUser: number;
  /** CPU of the Worker's workerd per socket upgrade (D1 session lookup + handing it to the user's object). */
  workerUsPerConnect: number;
}

/** A file up and down, the chat's routes against the echo Worker's bare R2 put and get. */
export interface Files {
  bytes: number;
  rounds: number;
  /** Medians of the rounds, MiB/s: POST /upload to its 201, and a signed GET /files read to the end. */
  uploadMiBps: number;
  downloadMiBps: number;
  /** The same bytes through the echo Worker: PUT /r2/<key> and GET /r2/<key>. */
  floorUploadMiBps: number;
  floorDownloadMiBps: number;
}

/** A window of consecutive edits, and the medians it is read by. */
export interface EditWindow {
  /** Which edits: of the chat (earlier edits in it), or of one message (its nth edits). */
  from: number;
  to: number;
  /** editMessage sent -> its answer. */
  answer: Dist;
  /** editMessage sent -> the peer's messageEdited push. */
  push: Dist;
}

/** One user edits 4,000-character messages in a direct chat, paced under the send limit. */
export interface Edits {
  contentChars: number;
  ratePerSec: number;
  /** Edits a message may have at most (the server's cap): the phase never edits one message more. */
  perMessage: number;
  /** A fresh message's first edits when the chat holds few earlier edits, and when it holds many. */
  fewEarlier: EditWindow;
  manyEarlier: EditWindow;
  /** One message's edits around its 10th, and its last ones (up to the cap). */
  early: EditWindow;
  late: EditWindow;
  /** Median over median, the later window over the earlier one. */
  chatAnswerRatio: number;
  chatPushRatio: number;
  messageAnswerRatio: number;
  messagePushRatio: number;
  /** Bytes the Worker's workerd wrote to storage per edit, over the whole phase. */
  bytesPerEdit: number;
  workerUsPerEdit: number;
}

export interface Setup {
  users: number;
  concurrency: number;
  ms: number;
  perSec: number;
  /** CPU of the Worker's workerd per registration (a PBKDF2 at 100,000 iterations, D1 writes). */
  workerUsPerRegister: number;
}

export interface Target {
  name: string;
  value: number | null;
  op: "<=" | ">=";
  limit: number | null;
  unit: string;
  pass: boolean;
  error?: string;
}

export interface Results {
  date: string;
  quick: boolean;
  counts: Record<string, number>;
  /** Counts lowered from a full run's by --set (absent: none). */
  overrides?: Record<string, number>;
  machine: Machine;
  versions: { node: string; wrangler: string; workerd: string };
  /** Whether wrangler's local observability collector ran (wrangler dev's default). */
  localObservability: boolean;
  /** Worker workerd RSS right after start. */
  rssAtStartMB?: { echo?: number; chat?: number };
  /** Which version of the Worker was measured. */
  source?: string;
  setup?: Setup;
  phases: {
    baseline?: Outcome<Baseline>;
    direct?: Outcome<Direct>;
    group?: Outcome<Group>;
    fanoutSmall?: Outcome<Fanout>;
    fanoutLarge?: Outcome<Fanout>;
    many?: Outcome<Many>;
    idle?: Outcome<Idle>;
    large?: Outcome<LargeGroups>;
    connect?: Outcome<Connect>;
    membersSmall?: Outcome<MembershipChange>;
    membersLarge?: Outcome<MembershipChange>;
    files?: Outcome<Files>;
    edits?: Outcome<Edits>;
    reactions?: Outcome<ReactionsResult>;
    search?: Outcome<SearchResultFig>;
    push?: Outcome<PushResult>;
    scale?: Outcome<ScaleResult>;
  };
  /** Anything odd seen about the server during the run (e.g. its runtime restarting). */
  serverEvents: string[];
  /** The machine's 1-minute load average as each phase began and ended (it is shared with other work). */
  load?: Record<string, [number, number]>;
  targets: Target[];
}

// ---- The phases of issues 20, 21, 22 and 24 ----

/** Reactions in a large group, and what reactions add to a message's size. */
export interface ReactionsResult {
  members: number;
  online: number;
  reactions: number;
  /** react sent -> the last other online member's reactionChanged push. */
  last: Dist;
  /** react sent -> its answer. */
  ack: Dist;
  cpu: PhaseCpu;
  floor?: NearFloor;
  /** The same group's newMessage, measured the same way, for comparison. */
  message: { last: Dist; cpu: PhaseCpu };
  /** Bytes of the newMessage push as a member receives it (no reactions yet). */
  newMessageBytes: number;
  /** Bytes of the message as a getMessages page item: none, and 20 distinct emojis of 20 members. */
  itemBytes: number;
  itemBytes20: number;
  /** Bytes of the reactionChanged push that brought the 20th emoji. */
  reactionPushBytes20: number;
  /** Bytes the Worker's workerd wrote to storage per message sent, and per reaction (write_bytes). */
  bytesWrittenPerMessage: number;
  bytesWrittenPerReaction: number;
}

/** Search: one user with many chats and messages. */
export interface SearchResultFig {
  chats: number;
  messages: number;
  queries: number;
  /** searchMessages sent -> answered, over every query word. */
  answer: Dist;
  /** The first page of a word found in about one message in a thousand, and of a word in none. */
  rare: Dist;
  none: Dist;
  /** The floor: frame -> one RPC -> echo (one read from one object). */
  floor?: NearFloor;
  /** The index's tables in the user's object, bytes per message indexed (dbstat of a copy of its SQLite file); null when it could not be read. */
  indexBytesPerMessage: number | null;
  indexedRows: number | null;
  /** CPU per delivered push of a direct message of words, and of one with no indexable word. */
  sendUsWords: number;
  sendUsNoWords: number;
  sendRatio: number;
}

/** Web Push: a send to the push service receiving the push for an offline member. */
export interface PushCase {
  what: string;
  members: number;
  /** Messages sent whose pushes were timed. */
  messages: number;
  /** Pushes received (per message: 1 in a direct chat, the mentioned subscribers in a group). */
  pushes: number;
  /** send -> the push service has the push (each push; the last of a message's for a group). */
  push: Dist;
  last: Dist;
  /** Worker CPU per message whose recipients have a subscription, and per one whose do not (same shape). */
  usPerMessagePushed: number;
  usPerMessageNotPushed: number;
  /** The difference per push: what a push costs the user object (encryption, VAPID signature, the fetch). */
  usPerPush: number;
}

export interface PushResult {
  direct: PushCase;
  group: PushCase;
  mentionsPerMessage: number;
}

/** One online count of the scale phase's group. */
export interface ScaleOnline {
  online: number;
  ok: boolean;
  error?: string;
  connectMs?: number;
  messages?: number;
  last?: Dist;
  /** Worker CPU per message, all objects (chat object, relays, user objects). */
  workerUsPerMessage?: number;
  workerUsPerPush?: number;
  /** With `--profile=scale-online`: each object's share of the busy time sampled over those messages. */
  byObject?: Record<string, number>;
}

export interface ScaleResult {
  members: number;
  /** Seeding the accounts into local D1, and creating the group. */
  createMs: number;
  addMembers: Dist;
  /** Worker workerd RSS before the group, after it was made, and its change. */
  rssBeforeMB: number;
  rssAfterMB: number;
  /** The same after every socket closed and the objects sat idle 15 s. */
  rssIdleMB: number;
  getMembersPage: Dist;
  /** A member's getChats (the group among its chats). */
  memberGetChats: Dist;
  online: ScaleOnline[];
  /** The largest online count whose messages all arrived. */
  maxOnline: number;
  log: {
    keep: number;
    updates: number;
    oldestKept: number;
    /** sync of 100 from the oldest kept pts, and from 100 before the latest. */
    oldest: Dist;
    recent: Dist;
    ratio: number;
  };
}
