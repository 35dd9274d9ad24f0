// Running a group: roles, its title and description, bans, invite links, slow mode, and
// reading a message for a report. The chat object hands every moderation request here
// (ChatObject.moderate); the rights are checked first (roles.ts), then the change is stored
// and goes out as a `chat` event through the fan-out seam, like any change to a group.
import { sha256Hex } from "../accounts";
import { ApiError, forbidden } from "../contract/errors";
import { MAX_ADMINS } from "../contract/moderation";
import type { ModerationOp, ModerationOutcome } from "../contract/objects";
import { MAX_GROUP_MEMBERS } from "../contract/protocol";
import type { Clock } from "../platform/clock";
import type { Bans } from "./bans";
import type { ChatEvent, ChatInfo, Member, Origin } from "./events";
import type { Fanout } from "./fanout";
import { newInviteCode } from "./invite-code";
import { inviteNotFound, type Invites } from "./invites";
import type { MemberState, Members } from "./members";
import { toMessage, type Messages } from "./messages";
import type { ChatMeta } from "./meta";
import { requireModerator, requireOutranks, requireOwnerRole } from "./roles";

/** What moderation uses of the chat object. */
export interface ModerationHost {
  meta: ChatMeta;
  members: Members;
  messages: Messages;
  bans: Bans;
  invites: Invites;
  clock: Clock;
  fanout(): Fanout;
  info(): ChatInfo;
  requireMember(userId: string): MemberState;
  /** Adds these users (none of them a member) and publishes their joining. */
  admit(users: Member[], origin: Origin): ChatEvent;
  depart(m: MemberState, origin: Origin): Promise<{ mine: ChatEvent; others: ChatEvent | null }>;
}

export class Moderation {
  constructor(private readonly h: ModerationHost) {}

  async run(actor: Member, op: ModerationOp, origin: Origin): Promise<ModerationOutcome> {
    // A join is by someone who is not a member (yet): the code is its permission.
    if (op.kind === "join") return this.join(actor, op.code, await sha256Hex(op.code), origin);
    const me = this.h.requireMember(actor.id);
    const { meta, members, bans, invites, clock } = this.h;
    switch (op.kind) {
      case "report": {
        const row = this.h.messages.get(op.seq);
        if (!row) throw new ApiError(404, "message_not_found", `no message ${op.seq} in this chat`);
        return { message: toMessage(meta.chatId, row) };
      }
      case "setRole": {
        requireOwnerRole(meta.type, me, "name admins");
        const m = members.current(op.target.id);
        if (!m) throw notMember(op.target.username);
        if (m.role === "owner") throw forbidden("the owner's role cannot change");
        if (m.role === op.role) return { event: null };
        if (op.role === "admin" && members.admins().length >= MAX_ADMINS)
          throw new ApiError(400, "invalid_request", `a group has at most ${MAX_ADMINS} admins`, { role: `${MAX_ADMINS} admins already` });
        members.setRole(m, op.role);
        return { event: this.changed(origin) };
      }
      case "editGroup": {
        requireModerator(meta.type, me, "edit the group");
        if (op.title === undefined && op.description === undefined)
          throw new ApiError(400, "invalid_request", "give a title, a description, or both", { title: "give title or description" });
        const title = op.title ?? meta.title;
        const description = op.description ?? meta.description;
        if (title === meta.title && description === meta.description) return { event: null };
        meta.edit(title, description);
        return { event: this.changed(origin) };
      }
      case "slowMode": {
        requireModerator(meta.type, me, "set slow mode");
        if (op.seconds === meta.slowModeS) return { event: null };
        meta.setSlowMode(op.seconds);
        return { event: this.changed(origin) };
      }
      case "ban": {
        requireModerator(meta.type, me, "ban members");
        if (op.target.id === actor.id) throw new ApiError(400, "invalid_request", "you cannot ban yourself", { username: "is you" });
        const m = members.current(op.target.id);
        requireOutranks(me, m?.role, "banned");
        bans.add(op.target, clock.now());
        return { event: m ? (await this.h.depart(m, origin)).others : null };
      }
      case "unban":
        requireModerator(meta.type, me, "unban members");
        bans.remove(op.target.id);
        return {};
      case "banned":
        requireModerator(meta.type, me, "see who is banned");
        return { users: bans.list() };
      case "createInvite": {
        requireModerator(meta.type, me, "create invites");
        const code = newInviteCode(meta.chatId);
        return { invite: invites.create(code, await sha256Hex(code), clock.now(), op.expires_in_s, op.max_uses) };
      }
      case "invites":
        requireModerator(meta.type, me, "see invites");
        return { invites: invites.list(clock.now()) };
      case "revokeInvite":
        requireModerator(meta.type, me, "revoke invites");
        invites.revoke(await sha256Hex(op.code), op.code);
        return {};
    }
  }

  /** Who may be added: nobody banned (403 naming them). */
  refuseBanned(users: Member[]): void {
    const id = this.h.bans.firstOf(users.map((u) => u.id));
    if (id !== undefined)
      throw new ApiError(403, "forbidden", `${users.find((u) => u.id === id)!.username} is banned from this group`, {
        members: "banned from this group",
      });
  }

  /**
   * Joining by invite, decided in one synchronous step after the code's hash (no await
   * between finding the invite and counting its use), so concurrent joins cannot pass max_uses.
   * The joiner gets their own copy of the event (their log's: never a large group's push).
   */
  private join(user: Member, code: string, hash: string, origin: Origin): ModerationOutcome {
    const { meta, members, bans, invites, clock } = this.h;
    if (meta?.type !== "group") throw inviteNotFound();
    const invite = invites.find(hash, code, clock.now());
    if (bans.has(user.id)) throw forbidden("you are banned from this group");
    if (members.isMember(user.id)) return { event: null };
    if (members.count + 1 > MAX_GROUP_MEMBERS)
      throw new ApiError(400, "invalid_request", `a group has at most ${MAX_GROUP_MEMBERS} members`, { code: "the group is full" });
    invites.use(invite);
    const { large: _large, ...mine } = this.h.admit([user], origin);
    return { event: mine };
  }

  /** The group's facts changed: every member sees the chat as it is now. */
  private changed(origin: Origin): ChatEvent {
    return this.h.fanout().publish({ kind: "chat", chat: this.h.info() }, origin);
  }
}

const notMember = (username: string) =>
  new ApiError(404, "user_not_found", `${username} is not a member of this chat`, { username: "is not a member" });
