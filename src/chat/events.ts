// What a chat object sends its members' user objects: the chat's events, numbered by `ev`
// (1, 2, 3… per chat). A user object applies each (chat_id, ev) once, whatever the retries.
import type { User } from "../contract/protocol";

/** The socket that made a request: its own change is not pushed back to it. */
export interface Origin {
  userId: string;
  socketId: string;
}

/** What a member needs to know of a chat to list it. */
export interface ChatInfo {
  type: "direct" | "group";
  title: string;
  members: string[];
  owner?: string;
  /** Direct chats: each member's read position, by username (the other's shows as peer_last_read_seq). */
  reads?: Record<string, number>;
  /** Direct chats: members whose account is deleted. */
  deleted?: string[];
  last_seq: number;
  /** The last message as JSON text, or null. */
  last_message: string | null;
}

interface Base {
  chat_id: string;
  ev: number;
  timestamp: number;
  origin?: Origin;
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
