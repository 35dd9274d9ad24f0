// Group roles and moderation (../shared/protocol.md, "Group roles and moderation"): the
// request and response schemas protocol.ts spreads into its tables, and the limits they name.
import { z } from "zod";

export const ROLES = ["owner", "admin", "member"] as const;
export type Role = (typeof ROLES)[number];
export const MAX_DESCRIPTION = 500;
export const MAX_SLOW_MODE_S = 3_600;
export const MAX_REASON = 500;
/** Invites: how long one may last, and how many uses it may allow. */
export const INVITE_TTL_S = { min: 60, max: 2_592_000 } as const;
export const MAX_INVITE_USES = 100_000;
/** Live invites a group may have at once, and admins besides its owner (this service's own bounds). */
export const MAX_INVITES = 100;
export const MAX_ADMINS = 50;
/** An invite code: base64url of the chat's 16 id bytes and 16 random bytes. */
export const INVITE_CODE_RE = /^[A-Za-z0-9_-]{43}$/;

// Lengths count code points, as everywhere in the contract.
const chars = (min: number, max: number) =>
  z.string().refine((s) => {
    const n = [...s].length;
    return n >= min && n <= max;
  }, `must be ${min} to ${max} characters`);
const id = chars(1, 128);
const name = chars(1, 256);
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const moderationRequests = {
  setRole: { chat_id: id, username: name, role: z.enum(["admin", "member"]) },
  editGroup: { chat_id: id, title: chars(1, 100).optional(), description: chars(0, MAX_DESCRIPTION).optional() },
  banMember: { chat_id: id, username: name },
  unbanMember: { chat_id: id, username: name },
  getBanned: { chat_id: id },
  createInvite: {
    chat_id: id,
    expires_in_s: z.number().int().min(INVITE_TTL_S.min).max(INVITE_TTL_S.max).optional(),
    max_uses: z.number().int().min(1).max(MAX_INVITE_USES).optional(),
  },
  getInvites: { chat_id: id },
  revokeInvite: { chat_id: id, code: chars(1, 256) },
  joinByInvite: { code: chars(1, 256) },
  setSlowMode: { chat_id: id, seconds: z.number().int().min(0).max(MAX_SLOW_MODE_S) },
  reportMessage: { chat_id: id, seq, reason: chars(1, MAX_REASON) },
} as const;

export const Invite = z.object({
  code: z.string(),
  expires_at: z.number().int().optional(),
  max_uses: z.number().int().optional(),
  uses: z.number().int(),
});
export type Invite = z.infer<typeof Invite>;

/** Response payloads; `chat` is the Chat schema, passed in (protocol.ts owns it). */
export const moderationResponses = <C extends z.ZodType>(chat: C) => {
  const ptsOrEv = { pts: z.number().int().optional(), ev: z.number().int().optional() };
  return {
    setRole: { chat_id: z.string(), username: z.string(), role: z.enum(["admin", "member"]), ...ptsOrEv },
    editGroup: { chat: chat, ...ptsOrEv },
    banMember: { chat_id: z.string(), username: z.string(), ...ptsOrEv },
    unbanMember: { chat_id: z.string(), username: z.string() },
    getBanned: { users: z.array(z.string()) },
    createInvite: { invite: Invite },
    getInvites: { invites: z.array(Invite) },
    revokeInvite: { chat_id: z.string(), code: z.string() },
    joinByInvite: { chat: chat, ...ptsOrEv },
    setSlowMode: { chat_id: z.string(), slow_mode_s: z.number().int(), ...ptsOrEv },
    reportMessage: { report_id: z.string() },
  } as const;
};

/** A report as GET /admin/reports lists it. */
export const Report = z.object({
  report_id: z.string(),
  chat_id: z.string(),
  seq: z.number().int(),
  reporter: z.string(),
  reason: z.string(),
  message: z.unknown(),
  created_at: z.number().int(),
});
export type Report = z.infer<typeof Report>;
