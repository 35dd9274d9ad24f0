// The account modes a logged-in user sends about their own account: their devices
// (getSessions, revokeSession), changePassword and deleteAccount. D1 holds the facts
// (accounts/); this side ends the sockets of the sessions that end.
import { checkPassword, eraseAccount, liveSessions, revokeUserSession, setPassword, type Revocation } from "../accounts";
import { ApiError } from "../contract/errors";
import { reply } from "../contract/frames";
import type { DeviceSession, RequestOf } from "../contract/protocol";
import type { Clock } from "../platform/clock";
import type { Deletion, Leaving } from "./deletion";
import type { Answer, Caller } from "./requests";
import type { Sockets } from "./sockets";

export type AccountManagementRequest = RequestOf<"getSessions" | "revokeSession" | "changePassword" | "deleteAccount">;

export interface AccountHost {
  env: Env;
  clock: Clock;
  sockets: Sockets;
  deletion: Deletion;
  /** Remembers sessions as revoked and ends their sockets (revoked.ts). */
  endSessions(sessions: Revocation["sessions"], exceptSocketId: string | null): void;
  leaving(): Leaving;
}

export async function manageAccount(r: AccountManagementRequest, caller: Caller, host: AccountHost): Promise<Answer> {
  const { env, clock, sockets } = host;
  const me = caller.session.user;
  const id = r.request_id;
  switch (r.mode) {
    case "getSessions": {
      const rows = await liveSessions(env, me.id, clock.now());
      const list: DeviceSession[] = rows.map((s) => ({
        session_id: s.id,
        created_at: s.createdAt,
        last_seen_at: s.lastSeenAt ?? s.createdAt,
        user_agent: s.userAgent ?? "",
        ...(s.location !== null && { location: s.location }),
        current: s.id === caller.session.sessionId,
      }));
      return { frame: reply(r.mode, id, 200, { sessions: list }) };
    }
    case "revokeSession": {
      const revoked = await revokeUserSession(env, me.id, r.session_id, clock.now());
      if (!revoked.sessions.length)
        throw new ApiError(404, "session_not_found", "no live session of yours has this id", { session_id: "is not one of your sessions" });
      // The asking session's own: as logout, the asking socket closes after its answer.
      const own = r.session_id === caller.session.sessionId;
      host.endSessions(revoked.sessions, own ? caller.socketId : null);
      return { frame: reply(r.mode, id, 200, {}), ...(own && { closeAfter: "quietly" as const }) };
    }
    case "changePassword": {
      await checkPassword(env, me, r.password, caller.ip);
      const revoked = await setPassword(env, me.id, caller.session.sessionId, r.new_password, clock.now());
      host.endSessions(revoked.sessions, null);
      return { frame: reply(r.mode, id, 200, {}) };
    }
    case "deleteAccount":
      await checkPassword(env, me, r.password, caller.ip);
      await eraseAccount(env, me.id, clock.now());
      // The other sockets end now; the asking one gets its answer first.
      sockets.endSessions(null, caller.socketId, "deleted");
      await host.deletion.start(me, host.leaving());
      return { frame: reply(r.mode, id, 200, {}), closeAfter: "deleted" };
    default:
      return r satisfies never;
  }
}
