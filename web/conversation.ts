// The pane with the open chat: its header, the thread (older pages loaded on scrolling up),
// your messages on their way, editing, the composer, and telling the server what you read.
//
// The thread is a plain list updated item by item (syncChildren): a new message adds one
// item and a receipt changes one, so a screen reader is not handed the thread again and
// focus on a message's button stays put. What is new is announced by the app's one live
// region (status.ts), not by the list.
import type { Chat, ChatClient, Message } from "edge-chat/client";
import { Attachments } from "./attachments";
import { avatar, clockTime, dayLabel, fullTime, h, icon, onePane, shown, syncChildren, type Keyed } from "./dom";
import type { Dialogs } from "./dialogs";
import { describe, isConnectionError, showError } from "./forms";
import { lastSeq, memberCount, type Outgoing, type Store } from "./store";

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
  /** Says something in the app's live region. */
  announce(text: string): void;
  /** The store's block list changed. */
  blockedChanged(): void;
}

/** A message's item, the same for your message on its way and once it is stored. */
const keyOf = (sender: string, seq: number, clientMsgId: string | undefined) => (clientMsgId ? `c:${sender}:${clientMsgId}` : `s:${seq}`);
const newClientMsgId = () => crypto.getRandomValues(new Uint32Array(4)).join("-");

export class Conversation {
  readonly el = h("div", { class: "pane" });
  private marking = new Set<string>();
  private lastTypingSent = 0;
  /** The message being edited, and its form, kept across re-renders so typing is not lost. */
  private editing: { chatId: string; seq: number; form: HTMLElement | null } | null = null;
  /** Where the keyboard goes once the thread next shows the item (after an edit, say). */
  private focusNext: { key: string; control?: string } | null = null;
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
      announce: (text) => this.host.announce(text),
      fallbackFocus: () => this.composer,
    });
  }

  /** Shows the chat the store just opened, then its first page once it is there. */
  async show(chat: Chat): Promise<void> {
    const chatId = chat.chat_id;
    this.editing = null;
    this.focusNext = null;
    this.renderChat(chat);
    if (!this.store.threads.has(chatId)) {
      const thread = this.store.startThread(chatId);
      try {
        this.store.firstPage(thread, await this.client.getMessages({ chat_id: chatId, limit: PAGE }));
      } catch (err) {
        this.store.dropThread(chatId);
        if (chatId === this.store.openId && this.messagesEl) syncChildren(this.messagesEl, [note(describe(err))]);
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

  /** The open chat's title, where the keyboard lands when the chat replaces the list on a phone. */
  focusTitle(): void {
    this.headEl?.querySelector<HTMLElement>("[data-control=title]")?.focus();
  }

  /** The note in the empty pane (after leaving a chat, say), if it is on the screen. */
  focusEmpty(): boolean {
    const note = this.el.querySelector(".pane-empty h2");
    if (!shown(note)) return false;
    note.focus();
    return true;
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

  /** Back online: what failed for want of a connection goes out again, with the same client_msg_id (the server stores it once). */
  resendFailed(): void {
    for (const out of [...this.store.outgoing.values()]) if (out.failed && out.resendOnReconnect) this.resend(out);
  }

  private resend(out: Outgoing): void {
    const chat = this.store.chats.get(out.chatId);
    this.store.discard(out.clientMsgId);
    if (chat) this.send(chat, out.content, out.clientMsgId);
  }

  private send(chat: Chat, content: string, clientMsgId = newClientMsgId()): void {
    const out = this.store.queue(chat.chat_id, content, clientMsgId);
    if (chat.chat_id === this.store.openId) this.renderThread(true);
    const params = { chat_id: chat.chat_id, content, client_msg_id: clientMsgId };
    const sending = chat.type === "direct" ? this.client.sendMessage(params) : this.client.sendGroupMessage(params);
    sending.then(
      ({ message }) => this.host.received(message, false),
      (err: unknown) => {
        // Discarded, or sent again, meanwhile.
        if (this.store.outgoing.get(clientMsgId) !== out) return;
        out.failed = true;
        out.resendOnReconnect = isConnectionError(err);
        this.host.announce(
          out.resendOnReconnect ? `Message to ${chat.title} not sent yet. It goes out when the connection is back.` : `Message to ${chat.title} not sent. ${describe(err)}`,
        );
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
        h("h2", { tabindex: "-1" }, note ?? "Pick a chat"),
        h("p", {}, "Choose a conversation in the chat list, or start a new one."),
      ),
    );
  }

  private renderChat(chat: Chat): void {
    this.headEl = h("header", { class: "chat-head" });
    this.olderEl = h("div", { class: "older" });
    this.messagesEl = h("ol", { class: "messages" });
    syncChildren(this.messagesEl, [note("Loading messages…")]);
    // Focusable, so PageUp, Home and the arrows scroll it from the keyboard.
    this.thread = h("div", { class: "thread", tabindex: "0", role: "region", "aria-label": "Messages" }, this.olderEl, this.messagesEl);
    this.thread.addEventListener("scroll", () => {
      if (this.thread && this.thread.scrollTop < 120 && this.store.openId) void this.loadOlder(this.store.openId);
    });
    this.typingEl = h("p", { class: "typing" });
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
    composer.addEventListener("input", () => {
      autosize(composer);
      const chatId = this.store.openId;
      if (!chatId || !composer.value || Date.now() - this.lastTypingSent < TYPING_SENT_EVERY_MS) return;
      this.lastTypingSent = Date.now();
      this.client.typing({ chat_id: chatId }).catch(() => undefined);
    });
    // Nothing more can be sent where the other member deleted their account.
    const closed = chat.peer_deleted ? h("p", { class: "thread-note composer-closed" }, `${chat.title} deleted their account. You can read this chat, but not reply.`) : null;
    const section = closed
      ? h("section", { class: "chat", "aria-labelledby": "chat-title" }, this.headEl, this.thread, this.typingEl, closed)
      : h("section", { class: "chat", "aria-labelledby": "chat-title" }, this.headEl, this.thread, this.typingEl, this.attachments.tray, sendForm);
    if (!closed) {
      this.attachments.listen(section, composer);
      this.attachments.renderTray();
    }
    this.el.replaceChildren(section);
    this.renderHead();
    this.renderTyping();
    // On a touch screen focusing would pop up the keyboard over the messages just opened.
    if (!closed && matchMedia("(hover: hover)").matches) composer.focus();
  }

  /** The header; its title is the page's h1 when the chat is the only pane showing. */
  renderHead(): void {
    const chat = this.store.openChat;
    if (!chat || !this.headEl) return;
    const { me } = this.store;
    const others = (chat.members ?? []).filter((m) => m !== me);
    // A large group shows how many are in it; its members page in the Members dialog.
    const sub =
      chat.type === "direct"
        ? `Direct chat with ${others[0] ?? me}`
        : chat.members
          ? `${chat.members.length} members: ${chat.members.join(", ")}`
          : `${memberCount(chat).toLocaleString()} members`;
    const level = onePane.matches ? "h1" : "h2";
    const items: Keyed[] = [
      {
        key: "back",
        version: "",
        render: () => h("button", { type: "button", class: "btn-icon back", "aria-label": "Back to chats", "data-control": "back", on: { click: () => this.host.back() } }, icon("back")),
      },
      { key: "avatar", version: chat.title, render: () => avatar(chat.title) },
      {
        key: "text",
        version: JSON.stringify([chat.title, sub, level]),
        render: () =>
          h(
            "div",
            { class: "chat-head-text" },
            h(level, { class: "chat-title", id: "chat-title", tabindex: "-1", "data-control": "title" }, chat.title),
            h("p", { class: "chat-sub" }, sub),
          ),
      },
    ];
    if (chat.type === "group")
      items.push({
        key: "members",
        version: "",
        render: () => h("button", { type: "button", class: "btn btn-ghost btn-sm", "data-control": "members", on: { click: () => this.dialogs.members() } }, icon("members"), h("span", {}, "Members")),
      });
    else if (!chat.peer_deleted && others[0]) {
      const peer = others[0];
      const blocked = this.store.isBlocked(peer);
      items.push({
        key: "block",
        version: String(blocked),
        render: () =>
          h("button", { type: "button", class: "btn btn-ghost btn-sm", "data-control": "block", on: { click: () => this.confirmBlock(peer, blocked) } }, icon("block"), h("span", {}, blocked ? "Unblock" : "Block")),
      });
    }
    syncChildren(this.headEl, items);
  }

  /** Block (or unblock) the other member of the open direct chat, asking first. */
  private confirmBlock(peer: string, blocked: boolean): void {
    this.dialogs.confirm({
      title: blocked ? `Unblock ${peer}?` : `Block ${peer}?`,
      text: blocked
        ? `${peer} will be able to message you and add you to groups again.`
        : `${peer} will not be able to message you or add you to groups, and you will not see them typing. They are not told.`,
      action: blocked ? "Unblock" : "Block",
      run: async () => {
        if (blocked) await this.client.unblockUser({ username: peer });
        else await this.client.blockUser({ username: peer });
        if (blocked) this.store.unblock(peer);
        else this.store.block(peer);
        this.host.blockedChanged();
        this.host.announce(blocked ? `${peer} is unblocked.` : `${peer} is blocked.`);
      },
      // The button changed its word: the keyboard goes back to it.
      done: () => this.headEl?.querySelector<HTMLElement>('[data-control="block"]')?.focus(),
    });
  }

  renderTyping(): void {
    if (!this.typingEl || !this.store.openId) return;
    const names = this.store.typers(this.store.openId);
    this.typingEl.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  private renderOlder(): void {
    const thread = this.store.openThread;
    if (!this.olderEl || !thread) return;
    const load = () => this.store.openId && void this.loadOlder(this.store.openId);
    // The button stays (aria-disabled, not disabled, which would drop its focus) while a page loads.
    const item: Keyed = thread.hasOlder || thread.loadingOlder
      ? {
          key: "older",
          version: String(thread.loadingOlder),
          render: () =>
            h(
              "button",
              { type: "button", class: "btn btn-ghost btn-sm", "aria-disabled": thread.loadingOlder ? "true" : false, on: { click: () => !thread.loadingOlder && load() } },
              thread.loadingOlder ? "Loading older messages…" : "Load older messages",
            ),
        }
      : { key: "start", version: "", render: () => h("p", { class: "thread-note" }, "This is the beginning of the conversation.") };
    syncChildren(this.olderEl, [item], () => this.thread);
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
    const items: Keyed[] = [];
    let prev: Message | undefined;
    for (const m of messages) {
      const day = new Date(m.timestamp).toDateString();
      if (!prev || new Date(prev.timestamp).toDateString() !== day) {
        const label = dayLabel(m.timestamp);
        items.push({ key: `day:${day}`, version: label, render: () => h("li", { class: "day" }, h("span", {}, label)) });
      }
      items.push(this.messageItem(chat, m, prev, m === lastMine ? this.readState(chat, m.seq) : null));
      prev = m;
    }
    for (const out of store.outgoing.values()) if (out.chatId === chat.chat_id) items.push(this.outgoingItem(chat, out));
    if (!items.length) items.push(note("No messages yet. Say hello!"));
    syncChildren(this.messagesEl, items, () => this.thread);
    this.renderOlder();
    if (atBottom) this.thread.scrollTop = this.thread.scrollHeight;
    if (this.focusNext) this.focusItem(this.focusNext);
  }

  /** Under your latest message: who has read it, from the read receipts. */
  private readState(chat: Chat, seq: number): string {
    const { me, receipts } = this.store;
    // Other members' reads are not pushed in a large group.
    if (!chat.members) return "Sent";
    // A direct chat's Chat says how far the other member has read; receipts pushed since may say more.
    const readBy = (m: string) => Math.max(receipts[chat.chat_id]?.[m] ?? 0, chat.type === "direct" ? (chat.peer_last_read_seq ?? 0) : 0);
    const readers = chat.members.filter((m) => m !== me && readBy(m) >= seq);
    if (!readers.length) return "Sent";
    return chat.type === "direct" ? "Seen" : readers.length === chat.members.length - 1 ? "Seen by everyone" : `Seen by ${readers.join(", ")}`;
  }

  private messageItem(chat: Chat, m: Message, prev: Message | undefined, status: string | null): Keyed {
    const mine = m.sender === this.store.me;
    const grouped = !!prev && prev.sender === m.sender && m.timestamp - prev.timestamp < 5 * 60_000 && !prev.deleted;
    const editing = mine && !m.deleted && this.editing?.chatId === chat.chat_id && this.editing.seq === m.seq ? this.editing : null;
    const showSender = !mine && chat.type === "group" && !grouped;
    const key = keyOf(m.sender, m.seq, m.client_msg_id);
    const time = clockTime(m.timestamp);
    // What the message's buttons are described by: its text, else its attachment.
    const textId = `msg-text-${m.seq}`;
    const hasText = !m.deleted && !(!m.content && m.attachment);
    const render = () => {
      const body = editing
        ? (editing.form ??= this.editForm(chat, m, key))
        : h(
            "div",
            { class: "bubble" },
            showSender ? h("span", { class: "sender" }, m.sender) : h("span", { class: "sr-only" }, `${mine ? "You" : m.sender}: `),
            m.deleted ? h("p", { class: "text text-deleted", id: textId }, "Message deleted") : this.attachments.view(m, hasText ? undefined : textId),
            hasText ? h("p", { class: "text", id: textId }, m.content) : null,
            h(
              "span",
              { class: "meta" },
              m.edited_at && !m.deleted ? h("span", { class: "edited", title: `Edited ${fullTime(m.edited_at)}` }, "edited") : null,
              h("time", { datetime: new Date(m.timestamp).toISOString(), title: fullTime(m.timestamp) }, time),
            ),
          );
      return h(
        "li",
        { class: `msg${mine ? " mine" : ""}${grouped ? " grouped" : ""}${m.deleted ? " deleted" : ""}`, "data-seq": m.seq, tabindex: "-1" },
        body,
        mine && !m.deleted && !editing
          ? h(
              "div",
              { class: "msg-actions" },
              h(
                "button",
                { type: "button", class: "btn-link btn-xs", "data-control": "edit", "aria-label": `Edit message sent ${time}`, "aria-describedby": textId, on: { click: () => this.startEdit(m.seq, key) } },
                "Edit",
              ),
              h(
                "button",
                { type: "button", class: "btn-link btn-xs danger", "data-control": "delete", "aria-label": `Delete message sent ${time}`, "aria-describedby": textId, on: { click: () => this.confirmDelete(chat, m, key) } },
                "Delete",
              ),
            )
          : null,
        status ? h("p", { class: `status${status === "Sent" ? "" : " seen"}` }, status) : null,
      );
    };
    return { key, version: JSON.stringify([m.content, m.deleted, m.edited_at, grouped, showSender, status, !!editing, time, this.attachments.linkOf(m)]), render };
  }

  private outgoingItem(chat: Chat, out: Outgoing): Keyed {
    const textId = `out-text-${out.clientMsgId}`;
    const render = () =>
      h(
        "li",
        { class: `msg mine pending${out.failed ? " failed" : ""}`, tabindex: "-1" },
        h(
          "div",
          { class: "bubble" },
          h("span", { class: "sr-only" }, "You: "),
          h("p", { class: "text", id: textId }, out.content),
          h("span", { class: "meta" }, out.failed ? "Not sent" : "Sending…"),
        ),
        out.failed
          ? h(
              "div",
              { class: "msg-actions msg-actions-shown" },
              h("button", { type: "button", class: "btn-link btn-xs", "aria-label": "Retry sending message", "aria-describedby": textId, on: { click: () => this.resend(out) } }, "Retry"),
              h(
                "button",
                { type: "button", class: "btn-link btn-xs danger", "aria-label": "Discard message not sent", "aria-describedby": textId, on: { click: () => (this.store.discard(out.clientMsgId), this.renderThread()) } },
                "Discard",
              ),
            )
          : null,
      );
    return { key: keyOf(this.store.me, 0, out.clientMsgId), version: JSON.stringify([out.failed]), render };
  }

  // ---- Editing and deleting ----

  private startEdit(seq: number, key: string): void {
    if (this.store.openId) this.editing = { chatId: this.store.openId, seq, form: null };
    this.renderThread();
    this.focusItem({ key, control: "edit-text" });
  }

  private editForm(chat: Chat, m: Message, key: string): HTMLElement {
    const area = h("textarea", { "aria-label": "Edited text", rows: 2, maxlength: "4000", "data-control": "edit-text" });
    area.value = m.content;
    const error = h("p", { class: "field-error", role: "alert", hidden: true });
    // Back on the message's Edit button once the form is gone.
    const done = () => {
      this.editing = null;
      this.focusNext = { key, control: "edit" };
    };
    const cancel = () => {
      done();
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
        h("button", { type: "button", class: "btn btn-ghost btn-sm", "data-control": "edit-cancel", on: { click: cancel } }, "Cancel"),
        h("button", { type: "submit", class: "btn btn-primary btn-sm", "data-control": "edit-save" }, "Save"),
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
          done();
          this.host.received(message, true);
        },
        (err: unknown) => showError(error, err),
      );
    });
    return f;
  }

  private confirmDelete(chat: Chat, m: Message, key: string): void {
    this.dialogs.confirm({
      title: "Delete this message?",
      text: "It is removed for everyone in the chat.",
      action: "Delete",
      run: async () => {
        const { message } = await this.client.deleteMessage({ chat_id: chat.chat_id, seq: m.seq });
        this.host.received(message, true);
      },
      // Its Delete button is gone: the keyboard goes to the message itself, now "Message deleted".
      done: () => this.focusItem({ key }),
    });
  }

  /** Focuses a message's control, or the message, now or as soon as the thread shows it. */
  private focusItem(target: { key: string; control?: string }): void {
    this.focusNext = target;
    const item = this.messagesEl && [...this.messagesEl.children].find((c) => (c as HTMLElement).dataset.key === target.key);
    if (!(item instanceof HTMLElement)) return;
    this.focusNext = null;
    ((target.control && item.querySelector<HTMLElement>(`[data-control="${target.control}"]`)) || item).focus();
  }
}

const note = (text: string): Keyed => ({ key: "note", version: text, render: () => h("li", { class: "thread-note" }, text) });

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
