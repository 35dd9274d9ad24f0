// The modes an anonymous socket may send (register, auth, recovery, resetPassword, ping),
// answered the same way wherever they arrive: anonymous socket, logged-in socket, POST /api.
import { reply } from "../contract/frames";
import type { RequestOf, ResponseOf } from "../contract/protocol";
import { auth, register } from "./login";
import { RECOVERY_MESSAGE, recovery, resetPassword } from "./recovery";
import type { Defer, Device, Revocation, Session } from "./sessions";

export type AccountRequest = RequestOf<"register" | "auth" | "recovery" | "resetPassword" | "ping">;

export interface AccountAnswer {
  frame: ResponseOf<AccountRequest["mode"]>;
  /** register and auth: the new session, for binding the socket that asked. */
  session?: Session;
  /**
   * Sessions the request ended, whose sockets must close: every session of the user after
   * resetPassword; the oldest after a login past the per-user cap.
   */
  revoked?: Revocation;
}

const ended = (r: Revocation) => (r.sessions.length ? { revoked: r } : {});

export async function answerAccountMode(env: Env, r: AccountRequest, ip: string, defer: Defer, device: Device): Promise<AccountAnswer> {
  const id = r.request_id;
  switch (r.mode) {
    case "register": {
      const s = await register(env, r, ip, device);
      return {
        frame: reply("register", id, 201, { token: s.token, user: s.user, device_token: s.deviceToken }),
        session: s.session,
        ...ended(s.revoked),
      };
    }
    case "auth": {
      const s = await auth(env, r, ip, device);
      return {
        frame: reply("auth", id, 200, { token: s.token, user: s.user, device_token: s.deviceToken }),
        session: s.session,
        ...ended(s.revoked),
      };
    }
    case "recovery":
      // The same answer, at once, whether or not an account matches: lookup, limit and mail
      // all happen after it, so no part of their timing can show in the answer.
      defer(recovery(env, r));
      return { frame: reply("recovery", id, 202, { message: RECOVERY_MESSAGE }) };
    case "resetPassword": {
      const revoked = await resetPassword(env, r);
      return {
        frame: reply("resetPassword", id, 200, {
          message: "password changed; every session has ended, log in again with auth",
        }),
        ...ended(revoked),
      };
    }
    case "ping":
      return { frame: reply("ping", id, 200, {}) };
    default:
      return r satisfies never;
  }
}
