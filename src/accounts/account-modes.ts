// The modes an anonymous socket may send (register, auth, recovery, resetPassword, ping),
// answered the same way wherever they arrive: anonymous socket, logged-in socket, POST /api.
import type { Device } from "./account-management";
import * as accounts from "./accounts";
import { reply } from "../contract/frames";
import type { RequestOf, ResponseOf, User } from "../contract/protocol";

export type AccountRequest = RequestOf<"register" | "auth" | "recovery" | "resetPassword" | "ping">;

export interface AccountAnswer {
  frame: ResponseOf<AccountRequest["mode"]>;
  /** register and auth: the new session, for binding the socket that asked. */
  session?: accounts.Session;
  /** resetPassword: the user whose every session was revoked; their sockets must close. */
  revoked?: User;
}

export async function answerAccountMode(env: Env, r: AccountRequest, ip: string, defer: accounts.Defer, device: Device): Promise<AccountAnswer> {
  const id = r.request_id;
  switch (r.mode) {
    case "register": {
      const s = await accounts.register(env, r, ip, device);
      return { frame: reply("register", id, 201, { token: s.token, user: s.user }), session: s.session };
    }
    case "auth": {
      const s = await accounts.auth(env, r, ip, device);
      return { frame: reply("auth", id, 200, { token: s.token, user: s.user }), session: s.session };
    }
    case "recovery": {
      // The same answer, in about the same time, whether or not an account matched: the
      // answer waits for a floor that covers the lookups, and the mail goes out after it.
      const started = Date.now();
      await accounts.recovery(env, r, defer);
      const spent = Date.now() - started;
      if (spent < RECOVERY_FLOOR_MS) await scheduler.wait(RECOVERY_FLOOR_MS - spent);
      return { frame: reply("recovery", id, 202, { message: accounts.RECOVERY_MESSAGE }) };
    }
    case "resetPassword": {
      const user = await accounts.resetPassword(env, r);
      return {
        frame: reply("resetPassword", id, 200, { message: "password changed; every session has ended, log in again with auth" }),
        revoked: user,
      };
    }
    case "ping":
      return { frame: reply("ping", id, 200, {}) };
    default:
      return r satisfies never;
  }
}

/** Recovery answers never come sooner than this, so a sent mail does not show in the timing. */
const RECOVERY_FLOOR_MS = 150;
