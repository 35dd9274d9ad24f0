// How a chat's changes reach its members: one interface, two ways, picked once per chat.
//
//   member-logs.ts  direct chats and small groups: every event goes into every member's
//                   update log (fan-out on write), by a delivery cursor per member
//   live-push.ts    large groups: events stay in the chat; pushed to the members online,
//                   read back with getChatUpdates (fan-out on read); a member's own join,
//                   leave and reads still go into their log, through a member-logs
//   relays.ts       large groups with many members online: live-push hands each event to
//                   the group's relays (relay/), one call per shard, which push it
//   courier.ts      the calls on user objects both make: one in flight per member and
//                   lane, the one retry backoff, stubs made again after they threw
//
// The switch from small to large is `promote`, once, at the event that takes a group past
// LARGE_GROUP_MEMBERS: that event is the last one in members' logs.
import type { PayloadOf } from "../../contract/protocol";
import type { Alarms } from "../../platform/alarms";
import type { Clock } from "../../platform/clock";
import type { Config } from "../../platform/config";
import type { EventLog } from "../event-log";
import type { ChatEvent, ChatInfo, EventBody, Origin } from "../events";
import type { MemberState, Members } from "../members";
import type { Messages } from "../messages";
import type { ChatMeta } from "../meta";
import type { ChatJob, Courier } from "./courier";

/** What both fan-outs work with: the chat's state modules, its clock, alarm and courier. */
export interface FanoutParts {
  env: Env;
  config: Config;
  sql: SqlStorage;
  meta: ChatMeta;
  events: EventLog;
  members: Members;
  messages: Messages;
  courier: Courier;
  alarms: Alarms<ChatJob>;
  clock: Clock;
}

export interface Fanout {
  /** The group passed the size: the fan-out for it from the next event on. A large group's returns itself. */
  promote(): Fanout;
  /** How the chat's next `chat` event shows the membership: the list (to be filled in), or large from an ev. */
  roster(): { list: true } | { large: true; ev: number };
  /**
   * Stores a change every member sees (a message, edit, delete, or the chat itself) and
   * starts delivering it. `joined`: members this change adds (a large group writes their
   * joining into their logs).
   */
  publish(body: EventBody, origin: Origin, joined?: MemberState[]): ChatEvent;
  /** A member read up to `seq` (already stored): the event their own devices get. */
  read(m: MemberState, seq: number, origin: Origin): ChatEvent;
  /** A member leaves or is removed: the event they get, and the others' (null: nobody is left). */
  depart(m: MemberState, others: () => ChatInfo, origin: Origin): { mine: ChatEvent; others: ChatEvent | null };
  /** A member's typing, to the others (not stored, best effort). */
  typing(actorId: string, username: string): void;
  /** getChatUpdates: a large group's pushes after `sinceEv` that `m` may see. */
  updates(m: MemberState, sinceEv: number, limit: number): Omit<PayloadOf<"getChatUpdates">, "chat_id">;
  /** A member's user object has a socket from `since` on: false if this chat pushes nothing live. */
  online(userId: string, since: number, fromEv?: number): boolean;
  offline(userId: string, since: number): void;
  /** Is this member in the set pushed to live? (For tests.) */
  isOnline(userId: string): boolean;
  /** For tests: from how many members online a large group pushes through relays (RELAY_FROM_ONLINE). */
  relayFrom(online: number): void;
  /** Message `e` (new or edited) names these members (ids): a large group writes it into their own logs. */
  mention(e: ChatEvent, userIds: string[], origin: Origin): void;
  /** Message `seq` was edited or deleted (its row, events and new event stored): copies of the old text elsewhere go too. */
  rewritten(seq: number, message: string): void;
}
