// Notifications (Web Push): the deploy's public key, a session's subscription, and a chat's
// level. The sending side is push/.
import { chatNotFound } from "../../contract/errors";
import { reply } from "../../contract/frames";
import type { Handlers } from "./context";

export const pushHandlers: Pick<Handlers, "getPushConfig" | "registerPush" | "unregisterPush" | "setNotify"> = {
  async getPushConfig(r, x) {
    return { frame: reply(r.mode, r.request_id, 200, { vapid_public_key: x.pushes.publicKey() }) };
  },

  async registerPush(r, x) {
    await x.pushes.register(x.caller.session.sessionId, x.caller.session.expiresAt, r.subscription);
    return { frame: reply(r.mode, r.request_id, 200, {}) };
  },

  async unregisterPush(r, x) {
    x.pushes.end([x.caller.session.sessionId]);
    return { frame: reply(r.mode, r.request_id, 200, {}) };
  },

  async setNotify(r, x) {
    const row = x.chats.row(r.chat_id);
    if (!row) throw chatNotFound(r.chat_id);
    x.pushes.setLevel(r.chat_id, r.level);
    return { frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, notify: r.level }) };
  },
};
