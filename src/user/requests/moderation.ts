// Running a group (the contract's "Group roles and moderation"): each request names its
// users, asks the chat object (which checks the rights: chat/roles.ts) and answers with what
// it changed. Joining by invite is asked of the group the code names, past a per-address
// limit against guessing codes and the joiner's own group limits; a report is kept in D1.
import { addReport, limiter } from "../../accounts";
import { chatOfInvite } from "../../chat";
import { ApiError, forbidden, rateLimited, unwrap } from "../../contract/errors";
import { reply } from "../../contract/frames";
import type { ChatEvent, ModerationOp } from "../../contract/objects";
import { resolve } from "./chats";
import type { Ctx, Handlers } from "./context";

/** Invite codes tried from one address per hour: a person opens a few links, a guesser many. */
export const INVITE_TRIES_PER_ADDRESS = { limit: 30, windowMs: 3_600_000 };

const ask = async (x: Ctx, chatId: string, op: ModerationOp) =>
  unwrap(await x.calls.member(chatId).call((c) => c.moderate(x.me, op, x.origin)));

/** The requester's own copy of the change: its pts, or a large group's ev (nothing when nothing changed). */
const own = (x: Ctx, e: ChatEvent | null | undefined) => (e ? x.inbox.own(x.me, e) : {});

export const moderationHandlers: Pick<
  Handlers,
  | "setRole"
  | "editGroup"
  | "banMember"
  | "unbanMember"
  | "getBanned"
  | "createInvite"
  | "getInvites"
  | "revokeInvite"
  | "joinByInvite"
  | "setSlowMode"
  | "reportMessage"
> = {
  async setRole(r, x) {
    x.calls.member(r.chat_id);
    const [target] = await resolve(x, [r.username], "username");
    const out = await ask(x, r.chat_id, { kind: "setRole", target: target!, role: r.role });
    return {
      frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, username: target!.username, role: r.role, ...own(x, out.event) }),
    };
  },

  async editGroup(r, x) {
    const out = await ask(x, r.chat_id, { kind: "editGroup", title: r.title, description: r.description });
    const applied = own(x, out.event);
    return { frame: reply(r.mode, r.request_id, 200, { chat: x.chats.view(x.me, r.chat_id), ...applied }) };
  },

  async banMember(r, x) {
    x.calls.member(r.chat_id);
    const [target] = await resolve(x, [r.username], "username");
    const out = await ask(x, r.chat_id, { kind: "ban", target: target! });
    return { frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, username: target!.username, ...own(x, out.event) }) };
  },

  async unbanMember(r, x) {
    x.calls.member(r.chat_id);
    const [target] = await resolve(x, [r.username], "username");
    await ask(x, r.chat_id, { kind: "unban", target: target! });
    return { frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, username: target!.username }) };
  },

  async getBanned(r, x) {
    const out = await ask(x, r.chat_id, { kind: "banned" });
    return { frame: reply(r.mode, r.request_id, 200, { users: out.users ?? [] }) };
  },

  async createInvite(r, x) {
    const out = await ask(x, r.chat_id, { kind: "createInvite", expires_in_s: r.expires_in_s, max_uses: r.max_uses });
    return { frame: reply(r.mode, r.request_id, 201, { invite: out.invite! }) };
  },

  async getInvites(r, x) {
    const out = await ask(x, r.chat_id, { kind: "invites" });
    return { frame: reply(r.mode, r.request_id, 200, { invites: out.invites ?? [] }) };
  },

  async revokeInvite(r, x) {
    await ask(x, r.chat_id, { kind: "revokeInvite", code: r.code });
    return { frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, code: r.code }) };
  },

  async joinByInvite(r, x) {
    // Every try counts, good code or not: a guesser is held however the codes look.
    const tried = await limiter(x.env, `invite-ip:${x.caller.ip}`).take(INVITE_TRIES_PER_ADDRESS);
    if (!tried.ok) throw rateLimited(tried.retryAfterMs, "invite codes tried");
    const chatId = chatOfInvite(r.code);
    if (chatId === null) throw new ApiError(404, "invite_not_found", "no such invite: it may have expired, been used up or revoked");
    const listed = x.chats.kind(chatId) !== undefined;
    if (!listed) {
      if (x.chats.groupCount() >= x.cfg.maxGroupsPerUser)
        throw forbidden(`you are in ${x.cfg.maxGroupsPerUser} groups, the most a user may be in; leave one first`);
      x.limits.groupChange();
    }
    const out = unwrap(await x.calls.any(chatId).call((c) => c.moderate(x.me, { kind: "join", code: r.code }, x.origin)));
    const pts = out.event ? { pts: x.inbox.one(x.me, out.event) } : {};
    return { frame: reply(r.mode, r.request_id, 200, { chat: x.chats.view(x.me, chatId), ...pts }) };
  },

  async setSlowMode(r, x) {
    const out = await ask(x, r.chat_id, { kind: "slowMode", seconds: r.seconds });
    return { frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, slow_mode_s: r.seconds, ...own(x, out.event) }) };
  },

  async reportMessage(r, x) {
    // Reports count as sends: a flood of them is held like a flood of messages.
    x.calls.member(r.chat_id);
    x.limits.send();
    const out = await ask(x, r.chat_id, { kind: "report", seq: r.seq });
    const reportId = await addReport(x.env, { chatId: r.chat_id, seq: r.seq, reporter: x.me, reason: r.reason, message: out.message! });
    return { frame: reply(r.mode, r.request_id, 202, { report_id: reportId }) };
  },
};
