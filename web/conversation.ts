// The pane with the open chat: its header, the thread (older pages loaded on scrolling up),
// your messages on their way, editing, the composer, and telling the server what you read.
import type { Chat, ChatClient, Message } from "edge-chat/client";
import { Attachments } from "./attachments";
import { avatar, clockTime, dayLabel, fullTime, h, icon } from "./dom";
import type { Dialogs } from "./dialogs";
import { describe, showError } from "./forms";
import { lastSeq, type Outgoing, type Store } from "./store";

const PAGE = 50;
const TYPING_SENT_EVERY_MS = 3_000;

/** What the conversation asks of the rest of the app. */
export interface ConversationHost {
  /** A message this side stored (sent, edited, deleted): the same path as a pushed one. */
  received(m: Message, changed: boolean): void;
  /** The store changed what the chat list shows. */
  listChanged(): void;
  /** Back to the chat list (the only view on a phone). */
  back(): void;
  /** The store's block list changed. */
  blockedChanged(): void;
}

export class Conversation {
  readonly el = h("main", { class: "pane", "aria-label": "Chat" });
  private marking = new Set<string>();
  private lastTypingSent = 0;
  /** The message being edited, and its form, kept across re-renders so typing is not lost. */
  private editing: { chatId: string; seq: number; form: HTMLElement | null } | null = null;
  // The open chat's parts (rebuilt on switching chats).
  private thread: HTMLElement | null = null;
  private messagesEl: HTMLOListElement | null = null;
  private olderEl: HTMLElement | null = null;
  private typingEl: HTMLElement | null = null;
  private headEl: HTMLElement | null = null;
  private composer: HTMLTextAreaElement | null = null;
  private readonly attachments: Attachments;

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly dialogs: Dialogs,
    private readonly host: ConversationHost,
  ) {
    this.attachments = new Attachments(client, {
      openChat: () => this.store.openChat,
      sent: (m) => this.host.received(m, false),
      linksReady: () => this.renderThread(),
    });
  }

  /** Shows the chat the store just opened, then its first page once it is there. */
  async show(chat: Chat): Promise<void> {
    const chatId = chat.chat_id;
    this.editing = null;
    this.renderChat(chat);
    if (!this.store.threads.has(chatId)) {
      const thread = this.store.startThread(chatId);
      try {
        this.store.firstPage(thread, await this.client.getMessages({ chat_id: chatId, limit: PAGE }));
      } catch (err) {
        this.store.dropThread(chatId);
        if (chatId === this.store.openId) this.messagesEl?.replaceChildren(h("li", { class: "thread-note" }, describe(err)));
        return;
      }
    }
    if (chatId !== this.store.openId) return;
    this.renderThread(true);
    this.fillViewport();
    this.markReadSoon();
  }

  /** Something arrived for the open chat. */
  update(): void {
    this.renderThread();
    this.renderTyping();
    this.markReadSoon();
  }

  // ---- Talking to the server ----

  markReadSoon(): void {
    const chat = this.store.openChat;
    if (!chat || document.visibilityState !== "visible" || this.client.state !== "ready") return;
    const seq = lastSeq(chat);
    if (seq <= chat.last_read_seq || this.marking.has(chat.chat_id)) return;
    this.marking.add(chat.chat_id);
    this.store.readUpTo(chat, seq);
    this.host.listChanged();
    this.client
      .markRead({ chat_id: chat.chat_id, seq })
      .catch(() => undefined)
      .finally(() => {
        this.marking.delete(chat.chat_id);
        this.markReadSoon();
      });
  }

  private send(chat: Chat, content: string, clientMsgId = crypto.getRandomValues(new Uint32Array(4)).join("-")): void {
    const out = this.store.queue(chat.chat_id, content, clientMsgId);
    this.renderThread(true);
    const params = { chat_id: chat.chat_id, content, client_msg_id: clientMsgId };
    const sending = chat.type === "direct" ? this.client.sendMessage(params) : this.client.sendGroupMessage(params);
    sending.then(
      ({ message }) => this.host.received(message, false),
      () => {
        out.failed = true;
        if (out.chatId === this.store.openId) this.renderThread();
      },
    );
  }

  private async loadOlder(chatId: string): Promise<void> {
    const thread = this.store.threads.get(chatId);
    if (!thread || !thread.hasOlder || thread.loadingOlder) return;
    const oldest = Math.min(...thread.bySeq.keys());
    thread.loadingOlder = true;
    this.renderOlder();
    try {
      this.store.addPage(thread, await this.client.getMessages({ chat_id: chatId, before_seq: oldest, limit: PAGE }));
    } finally {
      thread.loadingOlder = false;
    }
    if (chatId !== this.store.openId || !this.thread) return;
    // Keep the messages in view where they were while older ones appear above them.
    const fromBottom = this.thread.scrollHeight - this.thread.scrollTop;
    this.renderThread();
    this.thread.scrollTop = this.thread.scrollHeight - fromBottom;
    this.fillViewport();
  }

  /** A short first page leaves nothing to scroll: load older ones until there is. */
  private fillViewport(): void {
    const thread = this.store.openThread;
    if (this.thread && thread?.hasOlder && this.thread.scrollHeight <= this.thread.clientHeight + 40) void this.loadOlder(this.store.openId!);
  }

  // ---- Rendering ----

  showEmpty(note?: string): void {
    this.thread = this.messagesEl = this.olderEl = this.typingEl = this.headEl = this.composer = null;
    this.el.replaceChildren(
      h(
        "div",
        { class: "pane-empty" },
        h("span", { class: "pane-empty-mark" }, icon("chat")),
        h("h2", {}, note ?? "Pick a chat"),
        h("p", {}, "Choose a conversation on the left, or start a new one."),
      ),
    );
  }

  private renderChat(chat: Chat): void {
    this.headEl = h("header", { class: "chat-head" });
    this.olderEl = h("div", { class: "older" });
    this.messagesEl = h("ol", { class: "messages", role: "log", "aria-label": `Conversation with ${chat.title}`, "aria-live": "polite" });
    this.messagesEl.append(h("li", { class: "thread-note" }, "Loading messages…"));
    this.thread = h("div", { class: "thread", tabindex: "-1" }, this.olderEl, this.messagesEl);
    this.thread.addEventListener("scroll", () => {
      if (this.thread && this.thread.scrollTop < 120 && this.store.openId) void this.loadOlder(this.store.openId);
    });
    this.typingEl = h("p", { class: "typing", "aria-live": "polite" });
    this.composer = h("textarea", { id: "composer", name: "message", rows: 1, placeholder: "Message", maxlength: "4000", autocomplete: "off" });
    const composer = this.composer;
    const sendForm = h(
      "form",
      { class: "composer" },
      h("label", { for: "composer", class: "sr-only" }, "Message"),
      this.attachments.button(),
      composer,
      h("button", { type: "submit", class: "btn btn-primary btn-send" }, icon("send"), h("span", {}, "Send")),
    );
    sendForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const content = composer.value.trim();
      const current = this.store.openChat;
      if (!content || !current) return;
      composer.value = "";
      autosize(composer);
      this.send(current, content);
    });
    submitOnEnter(composer, sendForm);
    // Nothing more can be sent where the other member deleted their account.
    const closed = chat.peer_deleted
      ? h("p", { class: "thread-note composer-closed", role: "status" }, `${chat.title} deleted their account. You can read this chat, but not reply.`)
      : null;
    composer.addEventListener("input", () => {
      autosize(composer);
      const chatId = this.store.openId;
      if (!chatId || !composer.value || Date.now() - this.lastTypingSent < TYPING_SENT_EVERY_MS) return;
      this.lastTypingSent = Date.now();
      this.client.typing({ chat_id: chatId }).catch(() => undefined);
    });
    const section = closed
      ? h("section", { class: "chat", "aria-label": chat.title }, this.headEl, this.thread, this.typingEl, closed)
      : h("section", { class: "chat", "aria-label": chat.title }, this.headEl, this.thread, this.typingEl, this.attachments.tray, sendForm);
    if (!closed) {
      this.attachments.listen(section, composer);
      this.attachments.renderTray();
    }
    this.el.replaceChildren(section);
    this.renderHead();
    this.renderTyping();
    // On a touch screen focusing would pop up the keyboard over the messages just opened.
    if (matchMedia("(hover: hover)").matches) composer.focus();
  }

  renderHead(): void {
    const chat = this.store.openChat;
    if (!chat || !this.headEl) return;
    const { me } = this.store;
    const others = chat.members.filter((m) => m !== me);
    this.headEl.replaceChildren(
      h("button", { type: "button", class: "btn-icon back", "aria-label": "Back to chats", on: { click: () => this.host.back() } }, icon("back")),
      avatar(chat.title),
      h(
        "div",
        { class: "chat-head-text" },
        h("h2", { class: "chat-title" }, chat.title),
        h("p", { class: "chat-sub" }, chat.type === "group" ? `${chat.members.length} members: ${chat.members.join(", ")}` : `Direct chat with ${others[0] ?? me}`),
      ),
    );
    if (chat.type === "group")
      this.headEl.append(h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => this.dialogs.members() } }, icon("members"), h("span", {}, "Members")));
    else if (!chat.peer_deleted && others[0]) this.headEl.append(this.blockButton(others[0]));
  }

  /** In a direct chat: block the other person (asking first), or unblock them. */
  private blockButton(peer: string): HTMLElement {
    const blocked = this.store.isBlocked(peer);
    const toggle = async () => {
      if (blocked) await this.client.unblockUser({ username: peer });
      else await this.client.blockUser({ username: peer });
      if (blocked) this.store.unblock(peer);
      else this.store.block(peer);
      this.host.blockedChanged();
    };
    const click = () =>
      blocked
        ? this.dialogs.confirm(`Unblock ${peer}?`, `${peer} will be able to message you and add you to groups again.`, "Unblock", toggle)
        : this.dialogs.confirm(`Block ${peer}?`, `${peer} will not be able to message you or add you to groups, and you will not see them typing. They are not told.`, "Block", toggle);
    return h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click } }, icon("block"), h("span", {}, blocked ? "Unblock" : "Block"));
  }

  renderTyping(): void {
    if (!this.typingEl || !this.store.openId) return;
    const names = this.store.typers(this.store.openId);
    this.typingEl.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  private renderOlder(): void {
    const thread = this.store.openThread;
    if (!this.olderEl || !thread) return;
    this.olderEl.replaceChildren(
      thread.loadingOlder
        ? h("p", { class: "thread-note", role: "status" }, "Loading older messages…")
        : thread.hasOlder
          ? h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => this.store.openId && void this.loadOlder(this.store.openId) } }, "Load older messages")
          : h("p", { class: "thread-note" }, "This is the beginning of the conversation."),
    );
  }

  /** Renders the open thread; stays at the bottom if it was there (or `toBottom`). */
  renderThread(toBottom = false): void {
    const { store } = this;
    const chat = store.openChat;
    const thread = store.openThread;
    if (!chat || !thread?.loaded || !this.messagesEl || !this.thread) return;
    const atBottom = toBottom || this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight < 80;
    const messages = [...thread.bySeq.values()].sort((a, b) => a.seq - b.seq);
    const lastMine = messages.findLast((m) => m.sender === store.me && !m.deleted);
    const items: HTMLElement[] = [];
    let prev: Message | undefined;
    for (const m of messages) {
      if (!prev || dayLabel(prev.timestamp) !== dayLabel(m.timestamp)) items.push(h("li", { class: "day" }, h("span", {}, dayLabel(m.timestamp))));
      items.push(this.messageItem(chat, m, prev, m === lastMine ? this.readState(chat, m.seq) : null));
      prev = m;
    }
    for (const out of store.outgoing.values()) if (out.chatId === chat.chat_id) items.push(this.outgoingItem(chat, out));
    if (!items.length) items.push(h("li", { class: "thread-note" }, "No messages yet. Say hello!"));
    this.messagesEl.replaceChildren(...items);
    this.renderOlder();
    if (atBottom) this.thread.scrollTop = this.thread.scrollHeight;
    const editing = this.messagesEl.querySelector<HTMLTextAreaElement>(".edit-form textarea");
    if (editing && document.activeElement !== editing) editing.focus();
  }

  /** Under your latest message: who has read it, from the read receipts. */
  private readState(chat: Chat, seq: number): string {
    const { me, receipts } = this.store;
    // A direct chat's Chat says how far the other member has read; receipts pushed since may say more.
    const readBy = (m: string) => Math.max(receipts[chat.chat_id]?.[m] ?? 0, chat.type === "direct" ? (chat.peer_last_read_seq ?? 0) : 0);
    const readers = chat.members.filter((m) => m !== me && readBy(m) >= seq);
    if (!readers.length) return "Sent";
    return chat.type === "direct" ? "Seen" : readers.length === chat.members.length - 1 ? "Seen by everyone" : `Seen by ${readers.join(", ")}`;
  }

  private messageItem(chat: Chat, m: Message, prev: Message | undefined, status: string | null): HTMLElement {
    const mine = m.sender === this.store.me;
    const grouped = prev && prev.sender === m.sender && m.timestamp - prev.timestamp < 5 * 60_000 && !prev.deleted;
    const editing = mine && !m.deleted && this.editing?.chatId === chat.chat_id && this.editing.seq === m.seq ? this.editing : null;
    const body = editing
      ? (editing.form ??= this.editForm(chat, m))
      : h(
          "div",
          { class: "bubble" },
          !mine && chat.type === "group" && !grouped ? h("span", { class: "sender" }, m.sender) : h("span", { class: "sr-only" }, `${mine ? "You" : m.sender}: `),
          m.deleted ? h("p", { class: "text text-deleted" }, "Message deleted") : this.attachments.view(m),
          m.deleted || (!m.content && m.attachment) ? null : h("p", { class: "text" }, m.content),
          h(
            "span",
            { class: "meta" },
            m.edited_at && !m.deleted ? h("span", { class: "edited", title: `Edited ${fullTime(m.edited_at)}` }, "edited") : null,
            h("time", { datetime: new Date(m.timestamp).toISOString(), title: fullTime(m.timestamp) }, clockTime(m.timestamp)),
          ),
        );
    return h(
      "li",
      { class: `msg${mine ? " mine" : ""}${grouped ? " grouped" : ""}${m.deleted ? " deleted" : ""}`, "data-seq": m.seq },
      body,
      mine && !m.deleted && !editing
        ? h(
            "div",
            { class: "msg-actions" },
            h("button", { type: "button", class: "btn-link btn-xs", on: { click: () => this.startEdit(m.seq) } }, "Edit"),
            h("button", { type: "button", class: "btn-link btn-xs danger", on: { click: () => this.confirmDelete(chat, m) } }, "Delete"),
          )
        : null,
      status ? h("p", { class: `status${status === "Sent" ? "" : " seen"}` }, status) : null,
    );
  }

  private outgoingItem(chat: Chat, out: Outgoing): HTMLElement {
    return h(
      "li",
      { class: `msg mine pending${out.failed ? " failed" : ""}` },
      h("div", { class: "bubble" }, h("p", { class: "text" }, out.content), h("span", { class: "meta" }, out.failed ? "Not sent" : "Sending…")),
      out.failed
        ? h(
            "div",
            { class: "msg-actions msg-actions-shown" },
            h("button", { type: "button", class: "btn-link btn-xs", on: { click: () => (this.store.discard(out.clientMsgId), this.send(chat, out.content, out.clientMsgId)) } }, "Retry"),
            h("button", { type: "button", class: "btn-link btn-xs danger", on: { click: () => (this.store.discard(out.clientMsgId), this.renderThread()) } }, "Discard"),
          )
        : null,
    );
  }

  // ---- Editing and deleting ----

  private startEdit(seq: number): void {
    if (this.store.openId) this.editing = { chatId: this.store.openId, seq, form: null };
    this.renderThread();
  }

  private editForm(chat: Chat, m: Message): HTMLElement {
    const area = h("textarea", { "aria-label": "Edited text", rows: 2, maxlength: "4000" });
    area.value = m.content;
    const error = h("p", { class: "field-error", role: "alert", hidden: true });
    const cancel = () => {
      this.editing = null;
      this.renderThread();
    };
    const f = h(
      "form",
      { class: "edit-form" },
      area,
      error,
      h(
        "div",
        { class: "edit-actions" },
        h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: cancel } }, "Cancel"),
        h("button", { type: "submit", class: "btn btn-primary btn-sm" }, "Save"),
      ),
    );
    area.addEventListener("keydown", (e) => {
      if (e.key === "Escape") cancel();
    });
    submitOnEnter(area, f);
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const content = area.value.trim();
      if (!content) return;
      if (content === m.content) return cancel();
      this.client.editMessage({ chat_id: chat.chat_id, seq: m.seq, content }).then(
        ({ message }) => {
          this.editing = null;
          this.host.received(message, true);
        },
        (err: unknown) => showError(error, err),
      );
    });
    return f;
  }

  private confirmDelete(chat: Chat, m: Message): void {
    this.dialogs.confirm("Delete this message?", "It is removed for everyone in the chat.", "Delete", async () => {
      const { message } = await this.client.deleteMessage({ chat_id: chat.chat_id, seq: m.seq });
      this.host.received(message, true);
    });
  }
}

/** Enter sends, Shift+Enter starts a new line, and Enter that ends an IME composition only ends it. */
function submitOnEnter(area: HTMLTextAreaElement, form: HTMLFormElement): void {
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

function autosize(area: HTMLTextAreaElement): void {
  area.style.height = "auto";
  area.style.height = `${Math.min(area.scrollHeight, 160)}px`;
}
