// Chats and groups: the list, creating a direct chat or a group, members in and out.
import { usersByName } from "../../accounts";
import { ApiError, forbidden, unwrap } from "../../contract/errors";
import { reply } from "../../contract/frames";
import { MAX_CHATS_PAGE, type User } from "../../contract/protocol";
import { directChatId } from "../direct-chat-id";
import { admit } from "./admission";
import type { Ctx, Handlers } from "./context";

export const chatHandlers: Pick<
  Handlers,
  "getChats" | "createChat" | "createGroup" | "addMembers" | "removeMember" | "leaveChat" | "getMembers"
> = {
  async getChats(r, x) {
    const limit = r.limit ?? MAX_CHATS_PAGE;
    let page = x.chats.page(x.me, limit, r.before);
    // Only the large groups on this page are asked (and, online, told to push here).
    const large = page.chats.flatMap((c) => (c.large ? [c.chat_id] : []));
    if (large.length && (await x.large.listed(x.me, large))) page = x.chats.page(x.me, limit, r.before);
    return { frame: reply(r.mode, r.request_id, 200, page) };
  },

  async createChat(r, x) {
    const other = (await usersByName(x.env, [r.username])).get(r.username.toLowerCase());
    if (!other) throw new ApiError(404, "user_not_found", `no user ${r.username}`);
    if (other.id === x.me.id) throw new ApiError(400, "invalid_request", "a direct chat needs another user", { username: "is you" });
    x.blocks.refuseBlockers([other.username]);
    const chatId = await directChatId(x.me.id, other.id);
    const { created, event } = unwrap(await x.calls.any(chatId).call((c) => c.openDirect(chatId, [x.me, other], x.origin)));
    const pts = x.inbox.one(x.me, event);
    return { frame: reply(r.mode, r.request_id, created ? 201 : 200, { chat: x.chats.view(x.me, chatId), pts }) };
  },

  async createGroup(r, x) {
    if (x.chats.groupCount() >= x.cfg.maxGroupsPerUser)
      throw forbidden(`you are in ${x.cfg.maxGroupsPerUser} groups, the most a user may be in; leave one first`);
    x.limits.groupChange();
    const others = await resolve(
      x,
      r.members.filter((n) => n.toLowerCase() !== x.me.username.toLowerCase()),
      "members",
    );
    x.blocks.refuseBlockers(others.map((u) => u.username));
    const chatId = `g_${crypto.randomUUID()}`;
    await admit(x, others, chatId);
    const event = unwrap(await x.calls.any(chatId).call((c) => c.createGroup(chatId, r.title, x.me, others, x.origin)));
    const pts = x.inbox.one(x.me, event);
    return { frame: reply(r.mode, r.request_id, 201, { chat: x.chats.view(x.me, chatId), pts }) };
  },

  async addMembers(r, x) {
    const chat = x.calls.member(r.chat_id);
    x.limits.groupChange();
    const users = await resolve(x, r.members, "members");
    x.blocks.refuseBlockers(users.map((u) => u.username));
    await admit(x, users, r.chat_id);
    const event = unwrap(await chat.call((c) => c.addMembers(x.me.id, users, x.origin)));
    const applied = event ? x.inbox.own(x.me, event) : {};
    return { frame: reply(r.mode, r.request_id, 200, { chat: x.chats.view(x.me, r.chat_id), ...applied }) };
  },

  async removeMember(r, x) {
    const chat = x.calls.member(r.chat_id);
    const [target] = await resolve(x, [r.username], "username");
    const event = unwrap(await chat.call((c) => c.removeMember(x.me.id, target!, x.origin)));
    const applied = x.inbox.own(x.me, event);
    return { frame: reply(r.mode, r.request_id, 200, { chat: x.chats.view(x.me, r.chat_id), ...applied }) };
  },

  async leaveChat(r, x) {
    const event = unwrap(await x.calls.member(r.chat_id).call((c) => c.leave(x.me.id, x.origin)));
    return { frame: reply(r.mode, r.request_id, 200, { chat_id: r.chat_id, pts: x.inbox.one(x.me, event) }) };
  },

  async getMembers(r, x) {
    const page = unwrap(await x.calls.member(r.chat_id).call((c) => c.memberPage(x.me.id, r.after, r.limit ?? 200)));
    return { frame: reply(r.mode, r.request_id, 200, page) };
  },
};

/** Users by name, in order and without repeats; 404 naming the unknown ones under `field`. */
export async function resolve(x: Ctx, names: string[], field: string): Promise<User[]> {
  const found = await usersByName(x.env, names);
  const missing = [...new Set(names.filter((n) => !found.has(n.toLowerCase())))].slice(0, 10).join(", ");
  if (missing) throw new ApiError(404, "user_not_found", `no such user: ${missing}`, { [field]: `unknown: ${missing}` });
  return [...new Map(names.map((n) => [n.toLowerCase(), found.get(n.toLowerCase())!])).values()];
}
