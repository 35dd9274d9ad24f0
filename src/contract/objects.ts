// The object-to-object contract: what a chat object offers user objects and the Worker
// (`ChatRpc`), the events and pushes it hands them, and what a user object offers the chat
// objects of its chats (`MemberInbox`). Both sides are classes bound to Durable Object
// namespaces; these interfaces are what one may call on the other.
import type { Result } from "./errors";
import type { Invite } from "./moderation";
import type { Attachment, Message, PayloadOf, RequestOf, SearchResult, User } from "./protocol";

/** Where a page of search results ends: they are ordered newest first by (timestamp, chat_id, seq), all descending. */
export interface SearchKey {
  ts: number;
  chat_id: string;
  seq: number;
}

/** The socket that made a request: its own change is not pushed back to it. */
export interface Origin {
  userId: string;
  socketId: string;
}

export type Member = User;

/**
 * What a member needs to know of a chat to list it. A member who lists the chat already is
 * sent only what changed (`added`, `removed`); one who does not gets `members` in whole.
 * A large group has no member list here at all (getMembers pages it).
 */
export interface ChatInfo {
  type: "direct" | "group";
  title: string;
  /** The whole list, in the order they joined: for a member new to the chat (and direct chats). */
  members?: string[];
  /** Names that joined with this change, in join order. */
  added?: string[];
  /** Names that left with this change. */
  removed?: string[];
  owner?: string;
  /** Groups: the admins (few), the description, the slow mode's seconds. */
  admins?: string[];
  description?: string;
  slow_mode_s?: number;
  member_count: number;
  /** A large group, with its latest event (for a new member: the event their view starts after). */
  large?: true;
  ev?: number;
  /** Direct chats: each member's read position, by username (the other's shows as peer_last_read_seq). */
  reads?: Record<string, number>;
  /** Direct chats: members whose account is deleted. */
  deleted?: string[];
  last_seq: number;
  /** The last message as JSON text, or null; left out for a member who lists the chat already. */
  last_message?: string | null;
}

interface EventBase {
  chat_id: string;
  /** The chat's event number; 0 for a large group's read receipt, which has none (see `key`). */
  ev: number;
  timestamp: number;
  origin?: Origin;
  /** Its key in the user's log when it is not `chat_id:ev`. */
  key?: string;
  /** One of a large group's events (fan-out on read): pushed to members online, never logged. */
  large?: true;
}

/** What a chat object delivers to its members' user objects, numbered by `ev` (1, 2, 3… per chat). */
export type ChatEvent = EventBase &
  (
    | {
        kind: "newMessage" | "messageEdited" | "messageDeleted";
        seq: number;
        sender: string;
        /** The Message as JSON text: serialised once, spliced into every member's push. */
        message: string;
      }
    | { kind: "chat"; chat: ChatInfo }
    | { kind: "removedFromChat" }
    | { kind: "readReceipt"; username: string; seq: number }
    | { kind: "reaction"; seq: number; username: string; emoji: string; added: boolean; reactions: { emoji: string; count: number }[] }
    /** A large group's message in a mentioned member's own log (its text is the message's). */
    | { kind: "mentioned"; seq: number; sender: string; message: string }
  );

export type EventBody = ChatEvent extends infer E ? (E extends ChatEvent ? Omit<E, keyof EventBase> : never) : never;

/** What a member's user object keeps of a large group to list it (getChats). */
export interface LargeSummary {
  title: string;
  description?: string;
  slow_mode_s?: number;
  /** The asking member's role. */
  role?: "owner" | "admin" | "member";
  owner?: string;
  member_count: number;
  ev: number;
  last_seq: number;
  /** The last message as JSON text, or null. */
  last_message: string | null;
  last_read_seq: number;
  updated_at: number;
}

/** One push for a user object: the frame, and the socket not to send it to (the one whose request made it). */
export interface PushItem {
  frame: string;
  except?: string;
  /**
   * A chatUpdated built for no member in particular (a relay's), with the group's roles as of
   * that event: the user object puts in the member's own role (from these) and read position
   * (from its chat list) before passing it on.
   */
  reader?: GroupRoles;
}

/** Who holds a group's roles as of one of its events. */
export interface GroupRoles {
  owner?: string;
  admins: string[];
}

/** One of a large group's events as the chat object hands it to a relay: the frame every member gets. */
export interface RelayEvent {
  ev: number;
  frame: string;
  /** The socket whose request made it, which does not get it back. */
  origin?: Origin;
  /** A chatUpdated, with the group's roles: the member's own role and read position are put in by their user object. */
  reader?: GroupRoles;
}

/** A member online as the chat object hands them to their relay: pushed to after `from`. */
export interface RelayJoin {
  userId: string;
  since: number;
  from: number;
}

/**
 * One call of a chat object on one of its relays, applied in this order: members who went
 * offline leave, events are taken (in ev order, those already taken skipped), members join,
 * and pushing goes on. `release`: the group pushes itself again; the relay hands back how far
 * it pushed each member and forgets them.
 */
export interface RelayBatch {
  events: RelayEvent[];
  joins: RelayJoin[];
  leaves: { userId: string; since: number }[];
  release?: true;
}

/** What a chat object may call on its relays (relay/relay-object.ts). */
export interface RelayRpc {
  /** Released: each member the relay had, and the ev it had pushed them up to. */
  hand(chatId: string, batch: RelayBatch): Promise<{ released?: Record<string, number> }>;
}

/** The relay of a large group's shard: the name of its object. */
export const relayName = (chatId: string, shard: number) => `${chatId}/${shard}`;

/** A member's shard among `shards`: a stable hash of their id (FNV-1a), so a member always meets the same relay. */
export function relayShard(userId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

/** What the Worker records once an upload's bytes are in R2. */
export interface NewUpload extends Attachment {
  key: string;
  uploadedAt: number;
}

/** What a send may carry besides its content: the message it replies to, and names it mentions. */
export interface SendExtra {
  reply_to?: number;
  mentions?: string[];
}

export interface MessageResult {
  message: Message;
  event: ChatEvent;
}

/** A moderation request, as the user object hands it to the chat object (names resolved to users). */
export type ModerationOp =
  | { kind: "setRole"; target: Member; role: "admin" | "member" }
  | { kind: "editGroup"; title?: string; description?: string }
  | { kind: "ban" | "unban"; target: Member }
  | { kind: "banned" | "invites" }
  | { kind: "createInvite"; expires_in_s?: number; max_uses?: number }
  | { kind: "revokeInvite" | "join"; code: string }
  | { kind: "slowMode"; seconds: number }
  | { kind: "report"; seq: number };

/** What a moderation request gives back: the event it made (the requester's own, for a join), or what it read. */
export interface ModerationOutcome {
  event?: ChatEvent | null;
  users?: string[];
  invite?: Invite;
  invites?: Invite[];
  /** report: the message as it is now (a deleted one: deleted, no text). */
  message?: Message;
}

/** What a chat object offers user objects (members acting) and the Worker (files). Errors cross as data (Result). */
export interface ChatRpc {
  openDirect(chatId: string, pair: [Member, Member], origin: Origin): Promise<Result<{ created: boolean; event: ChatEvent }>>;
  createGroup(chatId: string, title: string, owner: Member, others: Member[], origin: Origin): Promise<Result<ChatEvent>>;
  addMembers(actorId: string, users: Member[], origin: Origin): Promise<Result<ChatEvent | null>>;
  removeMember(actorId: string, target: Member, origin: Origin): Promise<Result<ChatEvent>>;
  leave(actorId: string, origin: Origin): Promise<Result<ChatEvent>>;
  /** A member deleted their account (direct chats; a group is left instead). */
  memberDeleted(userId: string, origin: Origin): Promise<Result<null>>;
  send(
    actor: Member,
    type: "direct" | "group",
    content: string,
    clientMsgId: string | undefined,
    origin: Origin,
    attachment?: { content_type: "image" | "file"; file_id: string },
    extra?: SendExtra,
  ): Promise<Result<MessageResult>>;
  edit(actorId: string, seq: number, content: string, origin: Origin, mentions?: string[]): Promise<Result<MessageResult>>;
  /** react / unreact: the message as the reactor sees it, and the event (null: nothing changed). */
  react(
    actorId: string,
    seq: number,
    emoji: string,
    add: boolean,
    origin: Origin,
  ): Promise<Result<{ message: Message; event: ChatEvent | null }>>;
  reactionPage(actorId: string, q: RequestOf<"getReactions">): Promise<Result<PayloadOf<"getReactions">>>;
  remove(actorId: string, seq: number, origin: Origin): Promise<Result<MessageResult>>;
  getMessages(actorId: string, q: RequestOf<"getMessages">): Promise<Result<PayloadOf<"getMessages">>>;
  markRead(
    actorId: string,
    seq: number,
    origin: Origin,
  ): Promise<Result<{ last_read_seq: number; last_seq: number; event: ChatEvent | null }>>;
  typing(actorId: string): Promise<Result<null>>;
  /** A member chose the notification level "all" (or another): a large group wakes them for each message. */
  setNotifyAll(actorId: string, all: boolean): Promise<Result<null>>;
  /** getChatUpdates of a large group. */
  updates(actorId: string, sinceEv: number, limit: number): Promise<Result<PayloadOf<"getChatUpdates">>>;
  memberPage(actorId: string, after: string | undefined, limit: number): Promise<Result<PayloadOf<"getMembers">>>;
  /** A member's user object got its first socket, or lost its last (large groups); null: not a member of a large group. */
  presence(userId: string, since: number, online: boolean, fromEv?: number): Promise<LargeSummary | null>;
  summary(actorId: string): Promise<Result<LargeSummary>>;
  /** Roles, group info, bans, invites, slow mode, and reading a message to report (moderation.ts). */
  moderate(actor: Member, op: ModerationOp, origin: Origin): Promise<Result<ModerationOutcome>>;
  mayUpload(userId: string): Promise<Result<null>>;
  addUpload(userId: string, file: NewUpload): Promise<Result<null>>;
  mayRead(userId: string, fileId: string): Promise<Result<null>>;
  readableFiles(userId: string, fileIds: string[]): Promise<Result<string[]>>;
  /**
   * searchMessages in this chat: the newest `limit` matches older than `before`; up to
   * message `upToSeq` if given (a small group's history from before a member joined).
   */
  search(actorId: string, query: string, limit: number, before?: SearchKey, upToSeq?: number): Promise<Result<SearchResult[]>>;
}

/** What a user object offers the chat objects of the chats its user is in. */
export interface MemberInbox {
  /** The chat's events for this member's log: each applied at most once (by chat_id:ev), in the order given. */
  deliver(me: User, events: ChatEvent[]): void;
  /** A large group's pushes for the member's sockets, not stored. False: no socket open here (the group stops pushing). */
  pushLarge(chatId: string, items: PushItem[]): boolean;
  /** Someone typing in a chat: straight to the sockets, unless the member blocks them. */
  typing(chatId: string, username: string): void;
  /**
   * Message `seq` of `chatId` is now `message` (a Message as JSON: its current text, or
   * deleted with content ""): every frame of the member's log that carries it replays it so
   * from now on (its newMessage, edits and delete, chat frames whose last_message it is), and
   * the chat list shows it, and it counts for the member's unread_mentions if it names them.
   * For a large group's edits and deletes, which reach no log otherwise. A deleted message
   * stays deleted; a message the log never carried is ignored.
   */
  rewriteText(me: User, chatId: string, seq: number, message: string): Promise<void>;
  /** A large group's new message (a Message as JSON) that may notify this member (Web Push). */
  notify(me: User, chatId: string, message: string): void;
}
