// A member's delivery cursor, as pure functions (unit tests beside): which of the chat's
// events go into this member's log, and in what form.
import type { ChatEvent } from "../events";

/** A member being delivered to. */
export interface Cursor {
  userId: string;
  username: string;
  joinedEv: number;
  leftEv: number | null;
  /** Delivered and acknowledged up to here. */
  acked: number;
}

/** A stored event and who sees it (null: the members at that moment). */
export interface Audience {
  event: ChatEvent;
  audience: string[] | null;
}

/**
 * The last event a member's cursor delivers: their leaving, the chat's latest, or the
 * switch of a large group (`largeSince`), whichever comes first.
 */
export function cursorEnd(c: Pick<Cursor, "leftEv">, lastEv: number, largeSince: number | null): number {
  return Math.min(c.leftEv ?? Infinity, lastEv, largeSince ?? Infinity);
}

/**
 * Of `scan` (events in order), those after `from` and up to `end` for this member's log, at
 * most `max`, and the ev the cursor reaches by them (events the member does not see are
 * passed over).
 */
export function due(
  c: Omit<Cursor, "acked">,
  scan: readonly Audience[],
  from: number,
  end: number,
  max: number,
): { events: ChatEvent[]; upTo: number } {
  const events: ChatEvent[] = [];
  let upTo = from;
  for (const s of scan) {
    if (events.length >= max || s.event.ev > end) break;
    if (s.event.ev <= upTo) continue;
    upTo = s.event.ev;
    if (sees(c, s)) events.push(forMember(c, s.event));
  }
  return { events, upTo };
}

/**
 * A member who lists the chat already is sent only what changed in it: not the whole
 * member list, nor the last message it has (each member's copy of a membership change
 * costs bytes in their object, and a group has many members).
 */
export function forMember(c: Pick<Cursor, "joinedEv">, e: ChatEvent): ChatEvent {
  // A direct chat's few events carry what each member's copy needs (read positions, deletions).
  if (e.kind !== "chat" || e.chat.type !== "group" || c.joinedEv >= e.ev || e.chat.members === undefined) return e;
  const { members: _members, last_message: _last, ...changed } = e.chat;
  return { ...e, chat: changed };
}

export function sees(c: Pick<Cursor, "userId" | "joinedEv" | "leftEv">, s: Audience): boolean {
  if (s.audience) return s.audience.includes(c.userId);
  const ev = s.event.ev;
  return c.joinedEv <= ev && (c.leftEv === null || ev <= c.leftEv);
}
