// The typed methods: one per request mode, each `request` with the mode filled in (sends
// also get their defaults). ChatClient supplies `request`; the file methods, which go over
// HTTP beside the socket, are file-methods.ts'.
import type { Chat, Mode, PayloadOf } from "../contract/protocol";
import { Emitter } from "./emitter";
import type { ClientEvents, ParamsOf, RequestOptions, SendParams } from "./types";

/** getAllChats' page: 50 chats whose last messages are 4,000 four-byte characters are about 820 KB. */
const CHATS_PAGE = 50;

export abstract class ChatMethods extends Emitter<ClientEvents> {
  /** Sends any request; the typed methods are this with the mode filled in. */
  abstract request<M extends Mode>(mode: M, params: ParamsOf<M>, options?: RequestOptions): Promise<PayloadOf<M>>;

  register(params: ParamsOf<"register">, options?: RequestOptions) {
    return this.request("register", params, options);
  }
  auth(params: ParamsOf<"auth">, options?: RequestOptions) {
    return this.request("auth", params, options);
  }
  recovery(params: ParamsOf<"recovery">, options?: RequestOptions) {
    return this.request("recovery", params, options);
  }
  resetPassword(params: ParamsOf<"resetPassword">, options?: RequestOptions) {
    return this.request("resetPassword", params, options);
  }
  logout(options?: RequestOptions) {
    return this.request("logout", {}, options);
  }
  ping(options?: RequestOptions) {
    return this.request("ping", {}, options);
  }
  /** One page of the chat list, latest activity first: `{ chats, has_more, cursor? }`. */
  getChats(params: ParamsOf<"getChats"> = {}, options?: RequestOptions) {
    return this.request("getChats", params, options);
  }
  /**
   * The whole chat list, page by page: `limit` chats a request (default 50, which keeps an
   * answer under 1 MB however long the chats' last messages are; see docs/protocol.md, getChats).
   */
  async getAllChats(params: { limit?: number } = {}, options?: RequestOptions): Promise<Chat[]> {
    const chats = new Map<string, Chat>();
    let before: string | undefined;
    for (;;) {
      const page = await this.getChats({ limit: params.limit ?? CHATS_PAGE, ...(before !== undefined && { before }) }, options);
      for (const chat of page.chats) if (!chats.has(chat.chat_id)) chats.set(chat.chat_id, chat);
      if (!page.has_more || page.cursor === undefined) return [...chats.values()];
      before = page.cursor;
    }
  }
  getMessages(params: ParamsOf<"getMessages">, options?: RequestOptions) {
    return this.request("getMessages", params, options);
  }
  /**
   * Messages matching `query` in every chat the user can read (or `chat_id`'s), newest first:
   * `{ results: [{ chat_id, message, snippet }], has_more, cursor? }`; `before: cursor` pages on.
   */
  searchMessages(params: ParamsOf<"searchMessages">, options?: RequestOptions) {
    return this.request("searchMessages", params, options);
  }
  /** Into a direct chat. Gets a client_msg_id unless given one, so a resend after a drop stores it once. */
  sendMessage(params: SendParams<"sendMessage">, options?: RequestOptions) {
    return this.request("sendMessage", sendDefaults(params), options);
  }
  /** Into a group; like sendMessage. */
  sendGroupMessage(params: SendParams<"sendGroupMessage">, options?: RequestOptions) {
    return this.request("sendGroupMessage", sendDefaults(params), options);
  }
  createChat(params: ParamsOf<"createChat">, options?: RequestOptions) {
    return this.request("createChat", params, options);
  }
  createGroup(params: ParamsOf<"createGroup">, options?: RequestOptions) {
    return this.request("createGroup", params, options);
  }
  addMembers(params: ParamsOf<"addMembers">, options?: RequestOptions) {
    return this.request("addMembers", params, options);
  }
  removeMember(params: ParamsOf<"removeMember">, options?: RequestOptions) {
    return this.request("removeMember", params, options);
  }
  leaveChat(params: ParamsOf<"leaveChat">, options?: RequestOptions) {
    return this.request("leaveChat", params, options);
  }
  markRead(params: ParamsOf<"markRead">, options?: RequestOptions) {
    return this.request("markRead", params, options);
  }
  typing(params: ParamsOf<"typing">, options?: RequestOptions) {
    return this.request("typing", params, options);
  }
  editMessage(params: ParamsOf<"editMessage">, options?: RequestOptions) {
    return this.request("editMessage", params, options);
  }
  deleteMessage(params: ParamsOf<"deleteMessage">, options?: RequestOptions) {
    return this.request("deleteMessage", params, options);
  }
  /** A large group's pushes after `since_ev`, as they are now (the client applies them itself when it fills a gap; this is for apps that page on their own). */
  getChatUpdates(params: ParamsOf<"getChatUpdates">, options?: RequestOptions) {
    return this.request("getChatUpdates", params, options);
  }
  /** A page of a group's members, by lower-cased username. */
  getMembers(params: ParamsOf<"getMembers">, options?: RequestOptions) {
    return this.request("getMembers", params, options);
  }
  /** Adds your reaction (one emoji) to a message: `{ message }` with its counts, `mine` marked. Doing it twice changes nothing. */
  react(params: ParamsOf<"react">, options?: RequestOptions) {
    return this.request("react", params, options);
  }
  /** Takes your reaction away; taking away one you have not given changes nothing. */
  unreact(params: ParamsOf<"unreact">, options?: RequestOptions) {
    return this.request("unreact", params, options);
  }
  /** Who reacted to a message (with one emoji, or any), by lower-cased username. */
  getReactions(params: ParamsOf<"getReactions">, options?: RequestOptions) {
    return this.request("getReactions", params, options);
  }
  /** This user's logged-in devices, newest first; `current` marks this one. */
  getSessions(options?: RequestOptions) {
    return this.request("getSessions", {}, options);
  }
  /** Ends one of this user's sessions; ending this client's own is a logout (`sessionEnded` follows). */
  revokeSession(params: ParamsOf<"revokeSession">, options?: RequestOptions) {
    return this.request("revokeSession", params, options);
  }
  /** Every other session of the user ends; this one stays. */
  changePassword(params: ParamsOf<"changePassword">, options?: RequestOptions) {
    return this.request("changePassword", params, options);
  }
  /** Deletes the account for good; `sessionEnded` with reason "deleted" follows the answer. */
  deleteAccount(params: ParamsOf<"deleteAccount">, options?: RequestOptions) {
    return this.request("deleteAccount", params, options);
  }
  blockUser(params: ParamsOf<"blockUser">, options?: RequestOptions) {
    return this.request("blockUser", params, options);
  }
  unblockUser(params: ParamsOf<"unblockUser">, options?: RequestOptions) {
    return this.request("unblockUser", params, options);
  }
  getBlocked(options?: RequestOptions) {
    return this.request("getBlocked", {}, options);
  }
  /** The deploy's VAPID public key (`null`: no Web Push here). */
  getPushConfig(options?: RequestOptions) {
    return this.request("getPushConfig", {}, options);
  }
  /** This session's push subscription (`pushSubscriptionParams` turns a browser's into these params). */
  registerPush(params: ParamsOf<"registerPush">, options?: RequestOptions) {
    return this.request("registerPush", params, options);
  }
  unregisterPush(options?: RequestOptions) {
    return this.request("unregisterPush", {}, options);
  }
  /** Which messages of a chat notify: "all", "mentions" or "none". */
  setNotify(params: ParamsOf<"setNotify">, options?: RequestOptions) {
    return this.request("setNotify", params, options);
  }
}

function sendDefaults<P extends { content_type?: string; client_msg_id?: string }>(
  params: P,
): P & { content_type: string; client_msg_id: string } {
  return { ...params, content_type: params.content_type ?? "text", client_msg_id: params.client_msg_id ?? randomId() };
}

/** 128 random bits as hex; crypto.randomUUID is missing outside secure contexts (plain http). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
