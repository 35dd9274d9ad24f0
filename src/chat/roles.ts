// Who may do what in a group (the contract's rights table): the owner and admins moderate,
// only the owner names admins, and nobody moderates someone of their own rank or above.
import { ApiError, forbidden } from "../contract/errors";
import type { MemberState } from "./members";

export const isModerator = (m: MemberState) => m.role === "owner" || m.role === "admin";

/** The actor may moderate this group (addMembers, removeMember, deletes, editGroup, bans, slow mode, invites). */
export function requireModerator(type: "direct" | "group" | null, m: MemberState, what: string): void {
  if (type !== "group") throw new ApiError(400, "wrong_chat_type", "a direct chat has no one to moderate it");
  if (!isModerator(m)) throw forbidden(`only the group's owner and admins can ${what}`);
}

export function requireOwnerRole(type: "direct" | "group" | null, m: MemberState, what: string): void {
  if (type !== "group") throw new ApiError(400, "wrong_chat_type", "a direct chat has no roles");
  if (m.role !== "owner") throw forbidden(`only the group's owner can ${what}`);
}

/** May `actor` remove or ban `target`? Never the owner; an admin, only by the owner. */
export function requireOutranks(actor: MemberState, targetRole: MemberState["role"] | undefined, what: string): void {
  if (targetRole === "owner") throw forbidden(`the group's owner cannot be ${what}`);
  if (targetRole === "admin" && actor.role !== "owner") throw forbidden(`an admin can be ${what} only by the owner`);
}
