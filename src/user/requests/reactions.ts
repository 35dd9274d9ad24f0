// Reactions: react and unreact (counted as sends), and who reacted (getReactions).
import { unwrap } from "../../contract/errors";
import { reply } from "../../contract/frames";
import type { Handler, Handlers } from "./context";

const react: Handler<"react" | "unreact"> = async (r, x) => {
  const chat = x.calls.member(r.chat_id);
  x.limits.send();
  await x.large.opened(x.me, chat);
  const res = unwrap(await chat.call((c) => c.react(x.me.id, r.seq, r.emoji, r.mode === "react", x.origin)));
  // A call that changed nothing has no event, and so no pts.
  return { frame: reply(r.mode, r.request_id, 200, { message: res.message, ...(res.event && x.inbox.own(x.me, res.event)) }) };
};

export const reactionHandlers: Pick<Handlers, "react" | "unreact" | "getReactions"> = {
  react,
  unreact: react,
  async getReactions(r, x) {
    const page = unwrap(await x.calls.member(r.chat_id).call((c) => c.reactionPage(x.me.id, r)));
    return { frame: reply(r.mode, r.request_id, 200, page) };
  },
};
