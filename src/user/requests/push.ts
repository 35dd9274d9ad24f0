// Notifications (Web Push): the deploy's public key, a session's subscription, and a chat's
// level. The sending side is push/.
import { chatNotFound, unwrap } from "../../contract/errors";
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
    // A group keeps who chose "all", so that once large it wakes them and no one else unnamed.
    if (row.type === "group") unwrap(await x.calls.member(r.chat_id).call((c) => c.setNotifyAll(x.me.id, r.level === "all")));
    x.pushes.setLevel(r.chat_id, r.level);
    return { frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, notify: r.level }) };
  },
};
