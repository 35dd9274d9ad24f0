// What a chat object sends its members' user objects: the chat's events, numbered by `ev`
// (1, 2, 3… per chat). A user object applies each (chat_id, ev) once, whatever the retries.
import type { User } from "../contract/protocol";

/** The socket that made a request: its own change is not pushed back to it. */
export interface Origin {
  userId: string;
  socketId: string;
}

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

interface Base {
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

export type ChatEvent = Base &
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
  );

export type EventBody = ChatEvent extends infer E ? (E extends ChatEvent ? Omit<E, keyof Base> : never) : never;

export type Member = User;

const CHAT_ID = /^[dg]_[0-9a-f-]{32,36}$/;
/** Ids this service hands out; anything else cannot name a chat, so no object is woken for it. */
export const isChatId = (id: string) => CHAT_ID.test(id);
