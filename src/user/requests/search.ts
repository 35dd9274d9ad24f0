// searchMessages: every chat the user can read, or one (../search.ts).
import { reply } from "../../contract/frames";
import type { Handlers } from "./context";

export const searchHandlers: Pick<Handlers, "searchMessages"> = {
  async searchMessages(r, x) {
    return { frame: reply(r.mode, r.request_id, 200, await x.search.find(x.me.id, r)) };
  },
};
