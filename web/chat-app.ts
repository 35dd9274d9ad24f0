// Logged in: the chat list and the open chat, kept live by the client's pushes.
//
// The chat list comes from one getChats once the client is caught up; every push after it
// is applied on top. Pushes before it (replayed from a stored pts) are already in it, so
// only their read receipts, which getChats does not carry, are kept.
import type { Chat, ChatClient, ClientEvents, Message } from "edge-chat/client";
import { ChatList } from "./chat-list";
import { Dialogs } from "./dialogs";
import { avatar, clockTime, dayLabel, fullTime, h, icon } from "./dom";
import { describe, showError } from "./forms";
import { loadSaved, saveSaved, type Session } from "./storage";
import { lastSeq, Store, TYPING_SHOWN_MS, type Outgoing } from "./store";

const PAGE = 50;
const TYPING_SENT_EVERY_MS = 3_000;

export class ChatApp {
  private readonly store: Store;
  private readonly list: ChatList;
  private readonly dialogs: Dialogs;
  private lastTypingSent = 0;
  private marking = new Set<string>();
  /** The message being edited, and its form, kept across re-renders so typing is not lost. */
  private editing: { chatId: string; seq: number; form: HTMLElement | null } | null = null;
  private unsubscribe: (() => void)[] = [];
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  // Long-lived elements.
  private shell: HTMLElement;
  private pane = h("main", { class: "pane", "aria-label": "Chat" });
  // The open chat's parts (rebuilt on switching chats).
  private thread: HTMLElement | null = null;
  private messagesEl: HTMLOListElement | null = null;
  private olderEl: HTMLElement | null = null;
  private typingEl: HTMLElement | null = null;
  private headEl: HTMLElement | null = null;
  private composer: HTMLTextAreaElement | null = null;

  constructor(
    root: HTMLElement,
    private readonly client: ChatClient,
    private readonly session: Session,
    /** Called when this app is done with the session without the client ending it (logging out offline). */
    private readonly signedOut: () => void,
  ) {
    this.store = new Store(session.user.username, loadSaved(session.user).receipts);
    this.dialogs = new Dialogs(this.store, client, {
      upsertChat: (chat) => this.upsertChat(chat),
      removeChat: (chatId) => this.removeChat(chatId),
      open: (chatId) => this.open(chatId),
    });
    this.list = new ChatList(this.store, client, {
      open: (chatId) => void this.open(chatId),
      newChat: () => this.dialogs.newChat(),
      newGroup: () => this.dialogs.newGroup(),
      logout: () => void this.logout(),
    });
    this.shell = h("div", { class: "shell" }, this.list.el, this.pane, this.dialogs.el);
    root.replaceChildren(this.shell);
    this.renderEmptyPane();
    this.list.renderConn();

    const on = <E extends keyof ClientEvents>(event: E, fn: (v: ClientEvents[E]) => void) => this.unsubscribe.push(client.on(event, fn));
    on("state", () => this.list.renderConn());
    on("ready", () => {
      this.list.renderConn();
      if (!this.store.listLoaded) void this.loadChats();
      this.markReadSoon();
    });
    on("pts", (pts) => this.saveSoon(pts));
    on("newMessage", (p) => this.onMessage(p.message, false));
    on("messageEdited", (p) => this.onMessage(p.message, true));
    on("messageDeleted", (p) => this.onMessage(p.message, true));
    on("chatCreated", (p) => this.store.listLoaded && this.upsertChat(p.chat));
    on("chatUpdated", (p) => this.store.listLoaded && this.upsertChat(p.chat));
    on("removedFromChat", (p) => this.store.listLoaded && this.removeChat(p.chat_id));
    on("readReceipt", (p) => this.onReceipt(p.chat_id, p.username, p.seq));
    on("typing", (p) => this.onTyping(p.chat_id, p.username));
    const onVisible = () => this.markReadSoon();
    document.addEventListener("visibilitychange", onVisible);
    this.unsubscribe.push(() => document.removeEventListener("visibilitychange", onVisible));
    // A browser knows when the network is back before the backoff does.
    const onOnline = () => client.connect();
    window.addEventListener("online", onOnline);
    this.unsubscribe.push(() => window.removeEventListener("online", onOnline));
    client.connect();
  }

  destroy(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    clearTimeout(this.saveTimer);
    this.dialogs.close();
  }

  // ---- Data ----

  private async loadChats(): Promise<void> {
    try {
      const { chats } = await this.client.getChats();
      this.store.setChats(chats);
      this.list.render();
    } catch {
      // The next `ready` (after a reconnect) tries again.
    }
  }

  private saveSoon(pts: number): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => saveSaved(this.session.user, { pts, receipts: this.store.receipts }), 300);
  }

  private upsertChat(chat: Chat): void {
    this.store.upsertChat(chat);
    this.list.render();
    if (chat.chat_id === this.store.openId) this.renderHead();
  }

  private removeChat(chatId: string): void {
    const chat = this.store.removeChat(chatId);
    this.list.render();
    if (chatId !== this.store.openId) return;
    this.store.close();
    this.dialogs.close();
    this.renderEmptyPane(chat ? `You are no longer in ${chat.title}.` : undefined);
  }

  private onMessage(m: Message, changed: boolean): void {
    if (this.store.receive(m, changed)) this.list.render();
    if (!changed) this.store.stoppedTyping(m.chat_id, m.sender);
    if (m.chat_id === this.store.openId) {
      this.renderThread();
      this.renderTyping();
      this.markReadSoon();
    }
  }

  private onReceipt(chatId: string, username: string, seq: number): void {
    if (this.store.receipt(chatId, username, seq)) this.list.render();
    if (chatId === this.store.openId) this.renderThread();
  }

  private onTyping(chatId: string, username: string): void {
    this.store.typing(chatId, username);
    if (chatId === this.store.openId) this.renderTyping();
    this.list.render();
    setTimeout(() => {
      if (chatId === this.store.openId) this.renderTyping();
      this.list.render();
    }, TYPING_SHOWN_MS + 50);
  }

  // ---- Actions ----

  private async logout(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      // Offline: forget the session here anyway; it expires on the server in time.
      this.signedOut();
    }
  }

  private markReadSoon(): void {
    const chat = this.store.openChat;
    if (!chat || document.visibilityState !== "visible" || this.client.state !== "ready") return;
    const seq = lastSeq(chat);
    if (seq <= chat.last_read_seq || this.marking.has(chat.chat_id)) return;
    this.marking.add(chat.chat_id);
    this.store.readUpTo(chat, seq);
    this.list.render();
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
      ({ message }) => this.onMessage(message, false),
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

  // ---- Opening a chat ----

  private async open(chatId: string): Promise<void> {
    const chat = this.store.open(chatId);
    if (!chat) return;
    this.editing = null;
    this.shell.classList.add("show-chat");
    this.list.render();
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

  private closeChat(): void {
    this.store.close();
    this.shell.classList.remove("show-chat");
    this.list.render();
    this.renderEmptyPane();
    this.list.focusCurrent();
  }

  // ---- Rendering: the open chat ----

  private renderEmptyPane(note?: string): void {
    this.thread = this.messagesEl = this.olderEl = this.typingEl = this.headEl = this.composer = null;
    this.pane.replaceChildren(
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
    composer.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        sendForm.requestSubmit();
      }
    });
    composer.addEventListener("input", () => {
      autosize(composer);
      if (!this.store.openId || !composer.value || Date.now() - this.lastTypingSent < TYPING_SENT_EVERY_MS) return;
      this.lastTypingSent = Date.now();
      this.client.typing({ chat_id: this.store.openId }).catch(() => undefined);
    });
    this.pane.replaceChildren(h("section", { class: "chat", "aria-label": chat.title }, this.headEl, this.thread, this.typingEl, sendForm));
    this.renderHead();
    this.renderTyping();
    // On a touch screen focusing would pop up the keyboard over the messages just opened.
    if (matchMedia("(hover: hover)").matches) composer.focus();
  }

  private renderHead(): void {
    const chat = this.store.openChat;
    if (!chat || !this.headEl) return;
    const others = chat.members.filter((m) => m !== this.store.me);
    this.headEl.replaceChildren(
      h("button", { type: "button", class: "btn-icon back", "aria-label": "Back to chats", on: { click: () => this.closeChat() } }, icon("back")),
      avatar(chat.title),
      h(
        "div",
        { class: "chat-head-text" },
        h("h2", { class: "chat-title" }, chat.title),
        h("p", { class: "chat-sub" }, chat.type === "group" ? `${chat.members.length} members: ${chat.members.join(", ")}` : `Direct chat with ${others[0] ?? this.store.me}`),
      ),
    );
    if (chat.type === "group")
      this.headEl.append(h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => this.dialogs.members() } }, icon("members"), h("span", {}, "Members")));
  }

  private renderTyping(): void {
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
  private renderThread(toBottom = false): void {
    const chatId = this.store.openId;
    const chat = chatId ? this.store.chats.get(chatId) : undefined;
    const thread = chatId ? this.store.threads.get(chatId) : undefined;
    if (!chat || !thread?.loaded || !this.messagesEl || !this.thread) return;
    const atBottom = toBottom || this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight < 80;
    const messages = [...thread.bySeq.values()].sort((a, b) => a.seq - b.seq);
    const lastMine = messages.findLast((m) => m.sender === this.store.me && !m.deleted);
    const items: HTMLElement[] = [];
    let prev: Message | undefined;
    for (const m of messages) {
      if (!prev || dayLabel(prev.timestamp) !== dayLabel(m.timestamp)) items.push(h("li", { class: "day" }, h("span", {}, dayLabel(m.timestamp))));
      items.push(this.messageItem(chat, m, prev, m === lastMine ? this.readState(chat, m.seq) : null));
      prev = m;
    }
    for (const out of this.store.outgoing.values()) if (out.chatId === chatId) items.push(this.outgoingItem(chat, out));
    if (!items.length) items.push(h("li", { class: "thread-note" }, "No messages yet. Say hello!"));
    this.messagesEl.replaceChildren(...items);
    this.renderOlder();
    if (atBottom) this.thread.scrollTop = this.thread.scrollHeight;
    const editing = this.messagesEl.querySelector<HTMLTextAreaElement>(".edit-form textarea");
    if (editing && document.activeElement !== editing) editing.focus();
  }

  /** Under your latest message: who has read it, from the read receipts. */
  private readState(chat: Chat, seq: number): string {
    const readers = chat.members.filter((m) => m !== this.store.me && (this.store.receipts[chat.chat_id]?.[m] ?? 0) >= seq);
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
          m.deleted ? h("p", { class: "text text-deleted" }, "Message deleted") : h("p", { class: "text" }, m.content),
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
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        f.requestSubmit();
      }
    });
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const content = area.value.trim();
      if (!content) return;
      if (content === m.content) return cancel();
      this.client.editMessage({ chat_id: chat.chat_id, seq: m.seq, content }).then(
        ({ message }) => {
          this.editing = null;
          this.onMessage(message, true);
        },
        (err: unknown) => showError(error, err),
      );
    });
    return f;
  }

  private confirmDelete(chat: Chat, m: Message): void {
    this.dialogs.confirm("Delete this message?", "It is removed for everyone in the chat.", "Delete", async () => {
      const { message } = await this.client.deleteMessage({ chat_id: chat.chat_id, seq: m.seq });
      this.onMessage(message, true);
    });
  }
}

function autosize(area: HTMLTextAreaElement): void {
  area.style.height = "auto";
  area.style.height = `${Math.min(area.scrollHeight, 160)}px`;
}
