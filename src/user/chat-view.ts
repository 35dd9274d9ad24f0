// The chat list's projection, pure: a stored row as the Chat the contract shows, and a
// member list after a change. chat-view.test.ts runs it in Node.
import type { ChatInfo } from "../chat";
import type { Role } from "../contract/moderation";
import type { Chat, User } from "../contract/protocol";
import { levelOf } from "./push/rules";

export interface ChatRow extends Record<string, SqlStorageValue> {
  chat_id: string;
  type: string;
  title: string;
  members: string;
  owner: string | null;
  last_message: string | null;
  last_seq: number;
  last_read_seq: number;
  updated_at: number;
  large: number;
  ev: number;
  member_count: number;
  /** Direct chats: how far the other member has read, and whether they deleted their account. */
  peer_read_seq: number;
  peer_deleted: number;
  /** Groups: the description, slow mode, and this user's role. */
  description: string;
  slow_mode_s: number;
  role: string | null;
  /** The notification level the user chose here; null: the default (push/rules.ts). */
  notify: string | null;
  /** Messages after the read position that mention the user (chat-list.ts counts them). */
  unread_mentions: number;
}

/** My role in a group from a chat event: the owner, one of its admins, or a member. */
export function roleOf(me: User, c: Pick<ChatInfo, "type" | "owner" | "admins">): Role | null {
  if (c.type !== "group") return null;
  if (c.owner === me.username) return "owner";
  return c.admins?.includes(me.username) ? "admin" : "member";
}

/** The member list after a change: those who left out, those who joined at the end. */
export function withChange(members: string[], c: Pick<ChatInfo, "added" | "removed">): string[] {
  const out = members.filter((m) => !c.removed?.includes(m));
  for (const m of c.added ?? []) if (!out.includes(m)) out.push(m);
  return out;
}

/** A row as `me` sees the chat: a direct chat is titled by the other member. */
export function renderChat(me: User, row: ChatRow): Chat {
  const members = JSON.parse(row.members) as string[];
  const group = row.type === "group";
  return {
    chat_id: row.chat_id,
    type: row.type as Chat["type"],
    title: row.type === "direct" ? (members.find((m) => m !== me.username) ?? me.username) : row.title,
    ...(row.large
      ? { member_count: row.member_count, large: true as const, ev: row.ev }
      : { members, ...(group && { member_count: members.length }) }),
    ...(row.owner !== null && { owner: row.owner }),
    last_message: row.last_message === null ? null : JSON.parse(row.last_message),
    unread: Math.max(0, row.last_seq - row.last_read_seq),
    last_read_seq: row.last_read_seq,
    updated_at: row.updated_at,
    ...(row.type === "direct" && { peer_last_read_seq: row.peer_read_seq }),
    ...(row.peer_deleted ? { peer_deleted: true as const } : {}),
    ...(group && { role: (row.role ?? "member") as Role, description: row.description ?? "", slow_mode_s: row.slow_mode_s ?? 0 }),
    notify: levelOf(row.notify, row.large === 1),
    ...(row.unread_mentions ? { unread_mentions: row.unread_mentions } : {}),
  };
}
