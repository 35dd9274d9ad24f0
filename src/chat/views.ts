// What a chat looks like from outside, projected from its state: the chat carried by the next
// event (every member's view of it) and a large group's summary for one member (getChats).
import type { LargeSummary } from "../contract/objects";
import type { ChatInfo } from "./events";
import type { Fanout } from "./fanout";
import type { Members, MemberState } from "./members";
import { type Messages, toMessage } from "./messages";
import type { ChatMeta } from "./meta";

/**
 * The chat for the next event: a small chat's whole member list (a direct chat keeps
 * listing a member who deleted their account), a large group's count and ev. `deleting`:
 * members whose deletion this is about (still current).
 */
export function chatInfo(
  meta: ChatMeta,
  members: Members,
  messages: Messages,
  roster: ReturnType<Fanout["roster"]>,
  change: { added?: string[]; removed?: string[] },
  deleting: string[],
): ChatInfo {
  const { type, title } = meta;
  const direct = type === "direct";
  const listed = "list" in roster ? members.listed(direct) : [];
  const owner = members.ownerId === null ? undefined : members.current(members.ownerId);
  const last = messages.get(messages.lastSeq);
  const deleted = listed.filter((m) => m.leftEv !== null || deleting.includes(m.userId)).map((m) => m.username);
  return {
    type: type!,
    title,
    ...("list" in roster ? { members: listed.map((m) => m.username) } : roster),
    ...change,
    ...(!direct && owner && { owner: owner.username }),
    ...(!direct && { admins: members.admins(), description: meta.description, slow_mode_s: meta.slowModeS }),
    member_count: members.count,
    ...(direct && { reads: Object.fromEntries(listed.map((m) => [m.username, m.lastReadSeq])) }),
    ...(deleted.length > 0 && direct && { deleted }),
    last_seq: messages.lastSeq,
    last_message: last ? JSON.stringify(toMessage(meta.chatId, last)) : null,
  };
}

/** A large group as member `m` lists it now. */
export function largeSummary(meta: ChatMeta, members: Members, messages: Messages, ev: number, m: MemberState): LargeSummary {
  const owner = members.ownerId === null ? undefined : members.current(members.ownerId)?.username;
  const last = messages.get(messages.lastSeq);
  return {
    title: meta.title,
    ...(owner !== undefined && { owner }),
    description: meta.description,
    slow_mode_s: meta.slowModeS,
    role: m.role,
    member_count: members.count,
    ev,
    last_seq: messages.lastSeq,
    last_message: last ? JSON.stringify(toMessage(meta.chatId, last)) : null,
    last_read_seq: m.lastReadSeq,
    updated_at: last?.ts ?? 0,
  };
}
