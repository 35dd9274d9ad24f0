// Running a group (the contract's "Group roles and moderation"): the typed methods, between
// the file methods (file-methods.ts) and ChatClient. Errors as every method's: a ClientError with
// the contract's code (403 forbidden, 404 invite_not_found, 429 slow_mode with retry_after_ms).
import { FileMethods } from "./file-methods";
import type { ParamsOf, RequestOptions } from "./types";

export abstract class ModerationMethods extends FileMethods {
  /** Owner only: makes a member an admin, or an admin a member again. */
  setRole(params: ParamsOf<"setRole">, options?: RequestOptions) {
    return this.request("setRole", params, options);
  }
  /** Title and/or description (owner and admins). */
  editGroup(params: ParamsOf<"editGroup">, options?: RequestOptions) {
    return this.request("editGroup", params, options);
  }
  banMember(params: ParamsOf<"banMember">, options?: RequestOptions) {
    return this.request("banMember", params, options);
  }
  unbanMember(params: ParamsOf<"unbanMember">, options?: RequestOptions) {
    return this.request("unbanMember", params, options);
  }
  getBanned(params: ParamsOf<"getBanned">, options?: RequestOptions) {
    return this.request("getBanned", params, options);
  }
  createInvite(params: ParamsOf<"createInvite">, options?: RequestOptions) {
    return this.request("createInvite", params, options);
  }
  getInvites(params: ParamsOf<"getInvites">, options?: RequestOptions) {
    return this.request("getInvites", params, options);
  }
  revokeInvite(params: ParamsOf<"revokeInvite">, options?: RequestOptions) {
    return this.request("revokeInvite", params, options);
  }
  /** Joins the group an invite code leads to (already a member: the chat, nothing changes). */
  joinByInvite(params: ParamsOf<"joinByInvite">, options?: RequestOptions) {
    return this.request("joinByInvite", params, options);
  }
  /** Seconds between a member's messages; 0 turns slow mode off. */
  setSlowMode(params: ParamsOf<"setSlowMode">, options?: RequestOptions) {
    return this.request("setSlowMode", params, options);
  }
  /** Reports a message to the operator (202). */
  reportMessage(params: ParamsOf<"reportMessage">, options?: RequestOptions) {
    return this.request("reportMessage", params, options);
  }
}
