// Safety: whom the user blocks (blocks.ts keeps the lists on both sides).
import { reply } from "../../contract/frames";
import type { Handlers } from "./context";

export const safetyHandlers: Pick<Handlers, "blockUser" | "unblockUser" | "getBlocked"> = {
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
};
