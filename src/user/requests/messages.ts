// Messages and reading: pages of a chat, sending, edits and deletes, read state, typing,
// the user's log (sync), a large group's updates by ev, and links to a chat's files.
import { ApiError, unwrap } from "../../contract/errors";
import { reply } from "../../contract/frames";
import { signedPaths } from "../../files";
import type { Handler, Handlers } from "./context";

const send: Handler<"sendMessage" | "sendGroupMessage"> = async (r, x) => {
  const ct = r.content_type;
  if (ct !== "text" && ct !== "image" && ct !== "file")
    throw new ApiError(
      400,
      "unsupported_content_type",
      `content_type "${ct.slice(0, 32)}" is not supported; use "text", "image" or "file"`,
    );
  const type = r.mode === "sendMessage" ? "direct" : "group";
  // A chat the user is not in is answered first: asking about it counts for nothing.
  const chat = x.calls.member(r.chat_id);
  if (type === "direct") x.blocks.refusePeer(() => x.chats.peerOf(x.me, r.chat_id));
  x.limits.send();
  await x.large.opened(x.me, chat);
  // The schema makes sure an image or file message has its attachment.
  const attachment = ct === "text" ? undefined : { content_type: ct as "image" | "file", file_id: r.attachment!.file_id };
  const { message, event } = unwrap(
    await chat.call((c) =>
      c.send(x.me, type, r.content, r.client_msg_id, x.origin, attachment, { reply_to: r.reply_to, mentions: r.mentions }),
    ),
  );
  return { frame: reply(r.mode, r.request_id, 200, { message, ...x.inbox.own(x.me, event) }) };
};

export const messageHandlers: Pick<
  Handlers,
  | "getMessages"
  | "sendMessage"
  | "sendGroupMessage"
  | "editMessage"
  | "deleteMessage"
  | "markRead"
  | "typing"
  | "sync"
  | "getChatUpdates"
  | "getFileUrls"
> = {
  async getMessages(r, x) {
    const chat = x.calls.member(r.chat_id);
    await x.large.opened(x.me, chat);
    const page = unwrap(await chat.call((c) => c.getMessages(x.me.id, r)));
    return { frame: reply(r.mode, r.request_id, 200, page) };
  },

  sendMessage: send,
  sendGroupMessage: send,

  async editMessage(r, x) {
    const chat = x.calls.member(r.chat_id);
    x.blocks.refusePeer(() => x.chats.peerOf(x.me, r.chat_id));
    x.limits.send();
    const res = unwrap(await chat.call((c) => c.edit(x.me.id, r.seq, r.content, x.origin, r.mentions)));
    return { frame: reply(r.mode, r.request_id, 200, { message: res.message, ...x.inbox.own(x.me, res.event) }) };
  },

  async deleteMessage(r, x) {
    const res = unwrap(await x.calls.member(r.chat_id).call((c) => c.remove(x.me.id, r.seq, x.origin)));
    return { frame: reply(r.mode, r.request_id, 200, { message: res.message, ...x.inbox.own(x.me, res.event) }) };
  },

  async markRead(r, x) {
    const res = unwrap(await x.calls.member(r.chat_id).call((c) => c.markRead(x.me.id, r.seq, x.origin)));
    const pts = res.event ? x.inbox.one(x.me, res.event) : undefined;
    const lastSeq = Math.max(res.last_seq, x.chats.row(r.chat_id)?.last_seq ?? 0);
    const unread = Math.max(0, lastSeq - res.last_read_seq);
    return {
      frame: reply(r.mode, r.request_id, 200, {
        chat_id: r.chat_id,
        last_read_seq: res.last_read_seq,
        unread,
        ...(pts && { pts }),
      }),
    };
  },

  async typing(r, x) {
    unwrap(await x.calls.member(r.chat_id).call((c) => c.typing(x.me.id)));
    return { frame: reply(r.mode, r.request_id, 200, {}) };
  },

  async sync(r, x) {
    return { frame: reply(r.mode, r.request_id, 200, x.log.page(r.since, r.limit ?? 100)) };
  },

  async getChatUpdates(r, x) {
    const chat = x.calls.member(r.chat_id);
    // Told before it is read: what comes after this page is pushed.
    await x.large.opened(x.me, chat);
    const page = unwrap(await chat.call((c) => c.updates(x.me.id, r.since_ev, r.limit ?? 100)));
    return { frame: reply(r.mode, r.request_id, 200, page) };
  },

  async getFileUrls(r, x) {
    const readable = unwrap(await x.calls.member(r.chat_id).call((c) => c.readableFiles(x.me.id, r.file_ids)));
    return { frame: reply(r.mode, r.request_id, 200, { urls: await signedPaths(x.env, readable) }) };
  },
};
