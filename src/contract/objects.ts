// The object-to-object contract: what each kind of Durable Object offers the others over
// RPC, as interfaces the classes implement. The shapes of what a chat delivers (its events
// and push items) are the chat object's (chat/events.ts, chat/online.ts); this file names
// them as type parameters, so the contract stays free of any one role's modules.
import type { User } from "./protocol";

/**
 * What a user object offers the chat objects of the chats its user is in.
 * `Event`: a chat event as chat/events.ts describes it; `Push`: one live push of a large group.
 */
export interface MemberInbox<Event, Push> {
  /** The chat's events for this member's log: each applied at most once (by chat_id:ev), in the order given. */
  deliver(me: User, events: Event[]): void;
  /** A large group's pushes for the member's sockets, not stored. False: no socket open here (the group stops pushing). */
  pushLarge(chatId: string, items: Push[]): boolean;
  /** Someone typing in a chat: straight to the sockets, unless the member blocks them. */
  typing(chatId: string, username: string): void;
  /**
   * Message `seq` of `chatId` is now `message` (a Message as JSON: its current text, or
   * deleted with content ""): every frame of the member's log that carries it replays it so
   * from now on (its newMessage, edits and delete, chat frames whose last_message it is), and
   * the chat list shows it. For a large group's edits and deletes, which reach no log
   * otherwise. A deleted message stays deleted; a message the log never carried is ignored.
   */
  rewriteText(chatId: string, seq: number, message: string): Promise<void>;
}
