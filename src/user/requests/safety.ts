// Safety: whom the user blocks (blocks.ts keeps the lists on both sides), and who may add
// them to groups (privacy.ts).
import { reply } from "../../contract/frames";
import type { Handlers } from "./context";

export const safetyHandlers: Pick<Handlers, "blockUser" | "unblockUser" | "getBlocked" | "getPrivacy" | "setPrivacy"> = {
  async blockUser(r, x) {
    await x.blocks.block(x.me, r.username);
    return { frame: reply(r.mode, r.request_id, 200, {}) };
  },

  async unblockUser(r, x) {
    await x.blocks.unblock(x.me, r.username);
    return { frame: reply(r.mode, r.request_id, 200, {}) };
  },

  async getBlocked(r, x) {
    return { frame: reply(r.mode, r.request_id, 200, { users: x.blocks.list() }) };
  },

  async getPrivacy(r, x) {
    return { frame: reply(r.mode, r.request_id, 200, { add_to_groups: x.privacy.addToGroups }) };
  },

  async setPrivacy(r, x) {
    x.privacy.addToGroups = r.add_to_groups;
    return { frame: reply(r.mode, r.request_id, 200, { add_to_groups: r.add_to_groups }) };
  },
};
