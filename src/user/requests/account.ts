// The account modes a logged-in user sends: their devices (getSessions, revokeSession),
// changePassword, deleteAccount and logout, and the anonymous modes sent on a logged-in
// socket (answered as the Worker answers them). D1 holds the facts (accounts/); this side
// ends the sockets of the sessions that end.
import {
  answerAccountMode,
  checkPassword,
  eraseAccount,
  liveSessions,
  revokeSession,
  revokeUserSession,
  sessionOf,
  setPassword,
  sha256Hex,
  type AccountRequest,
} from "../../accounts";
import { ApiError, unauthorized } from "../../contract/errors";
import { reply } from "../../contract/frames";
import type { DeviceSession } from "../../contract/protocol";
import { endSessionsOf } from "../end-sessions";
import type { Answer, Caller, Ctx, Handlers } from "./context";

export const accountHandlers: Pick<
  Handlers,
  "getSessions" | "revokeSession" | "changePassword" | "deleteAccount" | "logout" | AccountRequest["mode"]
> = {
  async getSessions(r, { env, clock, me, caller }) {
    const rows = await liveSessions(env, me.id, clock.now());
    const list: DeviceSession[] = rows.map((s) => ({
      session_id: s.id,
      created_at: s.createdAt,
      last_seen_at: s.lastSeenAt ?? s.createdAt,
      user_agent: s.userAgent ?? "",
      ...(s.location !== null && { location: s.location }),
      current: s.id === caller.session.sessionId,
    }));
    return { frame: reply(r.mode, r.request_id, 200, { sessions: list }) };
  },

  async revokeSession(r, x) {
    const revoked = await revokeUserSession(x.env, x.me.id, r.session_id, x.clock.now());
    if (!revoked.sessions.length)
      throw new ApiError(404, "session_not_found", "no live session of yours has this id", {
        session_id: "is not one of your sessions",
      });
    // The asking session's own: as logout, the asking socket closes after its answer.
    const own = r.session_id === x.caller.session.sessionId;
    x.endSessions(revoked.sessions, own ? x.caller.socketId : null);
    return { frame: reply(r.mode, r.request_id, 200, {}), ...(own && { closeAfter: "quietly" as const }) };
  },

  async changePassword(r, x) {
    await checkPassword(x.env, x.me, r.password, x.caller.ip);
    const revoked = await setPassword(x.env, x.me.id, x.caller.session.sessionId, r.new_password, x.clock.now());
    x.endSessions(revoked.sessions, null);
    return { frame: reply(r.mode, r.request_id, 200, {}) };
  },

  async deleteAccount(r, x) {
    await checkPassword(x.env, x.me, r.password, x.caller.ip);
    await eraseAccount(x.env, x.me.id, x.clock.now());
    // The other sockets end now; the asking one gets its answer first.
    x.sockets.endSessions(null, x.caller.socketId, "deleted");
    await x.deletion.start(x.me, x.leaving());
    return { frame: reply(r.mode, r.request_id, 200, {}), closeAfter: "deleted" };
  },

  async logout(r, x) {
    let session = x.caller.session;
    if (r.token !== undefined && (await sha256Hex(r.token)) !== session.tokenHash) {
      const s = await sessionOf(x.env, r.token);
      if (!s || s.user.id !== session.user.id) throw unauthorized("this token is not a valid session of this user");
      session = s;
    }
    await revokeSession(x.env, session.user.id, session.sessionId);
    x.endSessions([{ sessionId: session.sessionId, expiresAt: session.expiresAt }], x.caller.socketId);
    return {
      frame: reply("logout", r.request_id, 200, {}),
      ...(session.sessionId === x.caller.session.sessionId && { closeAfter: "quietly" as const }),
    };
  },

  register: accountMode,
  auth: accountMode,
  recovery: accountMode,
  resetPassword: accountMode,
  ping: accountMode,
};

/** An anonymous mode on a logged-in socket: answered as the Worker answers it. */
async function accountMode(r: AccountRequest, x: Ctx): Promise<Answer> {
  const { frame, revoked } = await answerAccountMode(x.env, r, x.caller.ip, x.defer, x.caller.device);
  if (!revoked) return { frame };
  if (revoked.userId !== x.me.id) {
    await endSessionsOf(x.env, revoked, x.defer);
    return { frame };
  }
  x.endSessions(revoked.sessions, x.caller.socketId);
  return {
    frame,
    ...(revoked.sessions.some((s) => s.sessionId === x.caller.session.sessionId) && { closeAfter: "quietly" as const }),
  };
}

/** A token in a frame on a logged-in socket must be a valid token of this same user. */
export async function checkToken(env: Env, token: string, caller: Caller): Promise<void> {
  if ((await sha256Hex(token)) === caller.session.tokenHash) return;
  const s = await sessionOf(env, token);
  if (!s || s.user.id !== caller.session.user.id) throw unauthorized("this token is not a valid session of the logged-in user");
}
