// Logged in: the chat list and the open chat, kept live by the client's pushes.
//
// The chat list comes from one getChats once the client is caught up; every push after it
// is applied on top. Pushes before it (replayed from a stored pts) are already in it, so
// only their read receipts, which getChats does not carry, are kept.
import type { Chat, ChatClient, ClientEvents, Message } from "edge-chat/client";
import { avatar, clockTime, dayLabel, fullTime, h, icon, shortTime } from "./dom";
import { describe, field, form } from "./forms";
import { loadSaved, saveSaved, type Receipts, type Session } from "./storage";

interface Thread {
  bySeq: Map<number, Message>;
  /** The first page arrived; before that, pushes are collected here. */
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
}

/** A message on its way: shown at once, replaced by the stored one when the response comes. */
interface Outgoing {
  clientMsgId: string;
  chatId: string;
  content: string;
  timestamp: number;
  failed: boolean;
}

const PAGE = 50;
const TYPING_SHOWN_MS = 6_000;
const TYPING_SENT_EVERY_MS = 3_000;

const lastSeq = (c: Chat) => c.last_message?.seq ?? 0;
const unreadOf = (c: Chat) => Math.max(0, lastSeq(c) - c.last_read_seq);
/** The newer of two versions of a message: a deletion is final, otherwise the later edit. */
const newer = (a: Message, b: Message) => (a.deleted ? a : b.deleted ? b : (b.edited_at ?? 0) >= (a.edited_at ?? 0) ? b : a);
function store(thread: Thread, m: Message): void {
  const old = thread.bySeq.get(m.seq);
  thread.bySeq.set(m.seq, old ? newer(old, m) : m);
}

export class ChatApp {
  private readonly me: string;
  private chats = new Map<string, Chat>();
  private listLoaded = false;
  private threads = new Map<string, Thread>();
  private receipts: Receipts;
  private outgoing = new Map<string, Outgoing>();
  private typingSeen = new Map<string, Map<string, number>>();
  private lastTypingSent = 0;
  private marking = new Set<string>();
  private openId: string | null = null;
  /** The message being edited, and its form, kept across re-renders so typing is not lost. */
  private editing: { chatId: string; seq: number; form: HTMLElement | null } | null = null;
  private unsubscribe: (() => void)[] = [];
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  // Long-lived elements.
  private shell: HTMLElement;
  private list = h("ul", { class: "chat-list", role: "list" });
  private listEmpty = h("p", { class: "list-empty" }, "No chats yet. Start one with New chat.");
  private conn = h("p", { class: "conn", role: "status" });
  private pane = h("main", { class: "pane", "aria-label": "Chat" });
  private dialog = h("dialog", { class: "dialog" });
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
    this.me = session.user.username;
    this.receipts = loadSaved(session.user).receipts;
    this.shell = h(
      "div",
      { class: "shell" },
      h(
        "aside",
        { class: "sidebar", "aria-label": "Chats" },
        h(
          "header",
          { class: "side-head" },
          h("div", { class: "brand" }, h("span", { class: "brand-mark" }, icon("chat")), "edge-chat"),
          h(
            "button",
            { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => void this.logout() } },
            icon("logout"),
            h("span", {}, "Log out"),
          ),
        ),
        h("div", { class: "me" }, avatar(this.me, "sm"), h("span", {}, "Signed in as ", h("strong", {}, this.me))),
        h(
          "div",
          { class: "side-actions" },
          h("button", { type: "button", class: "btn btn-primary", on: { click: () => this.newChatDialog() } }, icon("plus"), "New chat"),
          h("button", { type: "button", class: "btn btn-secondary", on: { click: () => this.newGroupDialog() } }, icon("group"), "New group"),
        ),
        this.conn,
        h("nav", { class: "chat-nav", "aria-label": "Chat list" }, this.list, this.listEmpty),
      ),
      this.pane,
      this.dialog,
    );
    root.replaceChildren(this.shell);
    this.renderEmptyPane();
    this.renderConn();

    const on = <E extends keyof ClientEvents>(event: E, fn: (v: ClientEvents[E]) => void) => this.unsubscribe.push(client.on(event, fn));
    on("state", () => this.renderConn());
    on("ready", () => {
      this.renderConn();
      if (!this.listLoaded) void this.loadChats();
      this.markReadSoon();
    });
    on("pts", (pts) => this.saveSoon(pts));
    on("newMessage", (p) => this.onMessage(p.message, false));
    on("messageEdited", (p) => this.onMessage(p.message, true));
    on("messageDeleted", (p) => this.onMessage(p.message, true));
    on("chatCreated", (p) => this.listLoaded && this.upsertChat(p.chat));
    on("chatUpdated", (p) => this.listLoaded && this.upsertChat(p.chat));
    on("removedFromChat", (p) => this.listLoaded && this.removeChat(p.chat_id));
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
    if (this.dialog.open) this.dialog.close();
  }

  // ---- Data ----

  private async loadChats(): Promise<void> {
    try {
      const { chats } = await this.client.getChats();
      this.chats = new Map(chats.map((c) => [c.chat_id, c]));
      this.listLoaded = true;
      this.renderList();
    } catch {
      // The next `ready` (after a reconnect) tries again.
    }
  }

  private saveSoon(pts: number): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => saveSaved(this.session.user, { pts, receipts: this.receipts }), 300);
  }

  private upsertChat(incoming: Chat): void {
    const old = this.chats.get(incoming.chat_id);
    const last = old?.last_message && (!incoming.last_message || old.last_message.seq > incoming.last_message.seq) ? old.last_message : incoming.last_message;
    this.chats.set(incoming.chat_id, {
      ...incoming,
      last_message: last,
      last_read_seq: Math.max(incoming.last_read_seq, old?.last_read_seq ?? 0),
      updated_at: Math.max(incoming.updated_at, old?.updated_at ?? 0),
    });
    this.renderList();
    if (incoming.chat_id === this.openId) this.renderHead();
  }

  private removeChat(chatId: string): void {
    const chat = this.chats.get(chatId);
    this.chats.delete(chatId);
    this.threads.delete(chatId);
    this.renderList();
    if (chatId === this.openId) {
      this.openId = null;
      if (this.dialog.open) this.dialog.close();
      this.renderEmptyPane(chat ? `You are no longer in ${chat.title}.` : undefined);
    }
  }

  /** A message from a push or a response: the list's last message, unread count and the open thread. */
  private onMessage(m: Message, changed: boolean): void {
    const thread = this.threads.get(m.chat_id);
    // A change to a message older than what is loaded shows when that page is loaded.
    if (thread && (!changed || !thread.loaded || thread.bySeq.has(m.seq))) store(thread, m);
    if (m.client_msg_id) this.outgoing.delete(m.client_msg_id);
    const chat = this.chats.get(m.chat_id);
    if (chat && this.listLoaded) {
      const last = chat.last_message;
      if (!last || m.seq > last.seq) {
        chat.last_message = m;
        chat.updated_at = Math.max(chat.updated_at, m.timestamp);
      } else if (m.seq === last.seq) {
        chat.last_message = newer(last, m);
      }
      // Your own messages never count as unread (and sending reads the chat up to them).
      if (m.sender === this.me) chat.last_read_seq = Math.max(chat.last_read_seq, m.seq);
      this.renderList();
    }
    if (!changed) this.typingSeen.get(m.chat_id)?.delete(m.sender);
    if (m.chat_id === this.openId) {
      this.renderThread();
      this.renderTyping();
      this.markReadSoon();
    }
  }

  private onReceipt(chatId: string, username: string, seq: number): void {
    const forChat = (this.receipts[chatId] ??= {});
    forChat[username] = Math.max(forChat[username] ?? 0, seq);
    const chat = this.chats.get(chatId);
    // Read on another device of mine: the badge goes here too.
    if (chat && username === this.me) {
      chat.last_read_seq = Math.max(chat.last_read_seq, seq);
      this.renderList();
    }
    if (chatId === this.openId) this.renderThread();
  }

  private onTyping(chatId: string, username: string): void {
    let forChat = this.typingSeen.get(chatId);
    if (!forChat) this.typingSeen.set(chatId, (forChat = new Map()));
    forChat.set(username, Date.now() + TYPING_SHOWN_MS);
    if (chatId === this.openId) this.renderTyping();
    this.renderList();
    setTimeout(() => {
      if (chatId === this.openId) this.renderTyping();
      this.renderList();
    }, TYPING_SHOWN_MS + 50);
  }

  private typers(chatId: string): string[] {
    const now = Date.now();
    return [...(this.typingSeen.get(chatId) ?? [])].filter(([, until]) => until > now).map(([name]) => name);
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
    const chat = this.openId ? this.chats.get(this.openId) : undefined;
    if (!chat || document.visibilityState !== "visible" || this.client.state !== "ready") return;
    const seq = lastSeq(chat);
    if (seq <= chat.last_read_seq || this.marking.has(chat.chat_id)) return;
    this.marking.add(chat.chat_id);
    chat.last_read_seq = seq;
    this.renderList();
    this.client
      .markRead({ chat_id: chat.chat_id, seq })
      .catch(() => undefined)
      .finally(() => {
        this.marking.delete(chat.chat_id);
        this.markReadSoon();
      });
  }

  private send(chat: Chat, content: string, clientMsgId = crypto.getRandomValues(new Uint32Array(4)).join("-")): void {
    const out: Outgoing = { clientMsgId, chatId: chat.chat_id, content, timestamp: Date.now(), failed: false };
    this.outgoing.set(clientMsgId, out);
    this.renderThread(true);
    const params = { chat_id: chat.chat_id, content, client_msg_id: clientMsgId };
    const sending = chat.type === "direct" ? this.client.sendMessage(params) : this.client.sendGroupMessage(params);
    sending.then(
      ({ message }) => this.onMessage(message, false),
      () => {
        out.failed = true;
        if (out.chatId === this.openId) this.renderThread();
      },
    );
  }

  private async loadOlder(chatId: string): Promise<void> {
    const thread = this.threads.get(chatId);
    if (!thread || !thread.hasOlder || thread.loadingOlder) return;
    const oldest = Math.min(...thread.bySeq.keys());
    thread.loadingOlder = true;
    this.renderOlder();
    try {
      const page = await this.client.getMessages({ chat_id: chatId, before_seq: oldest, limit: PAGE });
      for (const m of page.messages) store(thread, m);
      thread.hasOlder = page.has_more;
    } finally {
      thread.loadingOlder = false;
    }
    if (chatId !== this.openId || !this.thread) return;
    // Keep the messages in view where they were while older ones appear above them.
    const fromBottom = this.thread.scrollHeight - this.thread.scrollTop;
    this.renderThread();
    this.thread.scrollTop = this.thread.scrollHeight - fromBottom;
    this.fillViewport();
  }

  /** A short first page leaves nothing to scroll: load older ones until there is. */
  private fillViewport(): void {
    const thread = this.openId ? this.threads.get(this.openId) : undefined;
    if (this.thread && thread?.hasOlder && this.thread.scrollHeight <= this.thread.clientHeight + 40) void this.loadOlder(this.openId!);
  }

  // ---- Opening a chat ----

  private async open(chatId: string): Promise<void> {
    const chat = this.chats.get(chatId);
    if (!chat) return;
    this.openId = chatId;
    this.editing = null;
    this.shell.classList.add("show-chat");
    this.renderList();
    this.renderChat(chat);
    if (!this.threads.has(chatId)) {
      // In place before the first page is asked for, so pushes that arrive meanwhile land in it.
      const thread: Thread = { bySeq: new Map(), loaded: false, hasOlder: false, loadingOlder: false };
      this.threads.set(chatId, thread);
      try {
        const page = await this.client.getMessages({ chat_id: chatId, limit: PAGE });
        const oldest = page.messages[0]?.seq ?? Infinity;
        // Changes pushed meanwhile to messages older than this page would leave a hole in the history.
        if (page.has_more) for (const seq of thread.bySeq.keys()) if (seq < oldest) thread.bySeq.delete(seq);
        for (const m of page.messages) store(thread, m);
        thread.hasOlder = page.has_more;
        thread.loaded = true;
      } catch (err) {
        this.threads.delete(chatId);
        if (chatId === this.openId) this.messagesEl?.replaceChildren(h("li", { class: "thread-note" }, describe(err)));
        return;
      }
    }
    if (chatId !== this.openId) return;
    this.renderThread(true);
    this.fillViewport();
    this.markReadSoon();
  }

  private closeChat(): void {
    this.openId = null;
    this.shell.classList.remove("show-chat");
    this.renderList();
    this.renderEmptyPane();
    this.list.querySelector<HTMLElement>("[aria-current=true], .chat-item")?.focus();
  }

  // ---- Rendering: sidebar ----

  private renderConn(): void {
    const s = this.client.state;
    const text = s === "ready" ? "" : s === "syncing" ? "Catching up…" : s === "waiting" ? "Offline. Reconnecting…" : "Connecting…";
    this.conn.textContent = text;
    this.conn.hidden = text === "";
    this.conn.classList.toggle("conn-bad", s === "waiting");
  }

  private renderList(): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset.chatId;
    const chats = [...this.chats.values()].sort((a, b) => b.updated_at - a.updated_at || a.chat_id.localeCompare(b.chat_id));
    this.listEmpty.hidden = !this.listLoaded || chats.length > 0;
    this.list.replaceChildren(
      ...chats.map((c) => {
        const unread = unreadOf(c);
        const typing = this.typers(c.chat_id);
        const preview = typing.length
          ? c.type === "direct"
            ? "typing…"
            : `${typing.join(", ")} typing…`
          : !c.last_message
            ? c.type === "group"
              ? `${(c.members ?? []).length} members`
              : "No messages yet"
            : `${c.last_message.sender === this.me ? "You: " : c.type === "group" ? `${c.last_message.sender}: ` : ""}${c.last_message.deleted ? "Message deleted" : c.last_message.content}`;
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: `chat-item${unread ? " has-unread" : ""}`,
              "data-chat-id": c.chat_id,
              "aria-current": c.chat_id === this.openId ? "true" : false,
              on: { click: () => void this.open(c.chat_id) },
            },
            avatar(c.title),
            h(
              "span",
              { class: "chat-item-body" },
              h(
                "span",
                { class: "chat-item-top" },
                h("span", { class: "chat-item-title" }, c.title, c.type === "group" ? h("span", { class: "tag" }, "group") : null),
                c.last_message ? h("time", { class: "chat-item-time", datetime: new Date(c.last_message.timestamp).toISOString() }, shortTime(c.last_message.timestamp)) : null,
              ),
              h(
                "span",
                { class: "chat-item-bottom" },
                h("span", { class: `chat-item-preview${typing.length ? " is-typing" : ""}` }, preview),
                unread ? h("span", { class: "badge", "aria-label": `${unread} unread` }, unread > 99 ? "99+" : unread) : null,
              ),
            ),
          ),
        );
      }),
    );
    if (focused) this.list.querySelector<HTMLElement>(`[data-chat-id="${CSS.escape(focused)}"]`)?.focus();
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
      if (this.thread && this.thread.scrollTop < 120 && this.openId) void this.loadOlder(this.openId);
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
      const current = this.openId ? this.chats.get(this.openId) : undefined;
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
      if (!this.openId || !composer.value || Date.now() - this.lastTypingSent < TYPING_SENT_EVERY_MS) return;
      this.lastTypingSent = Date.now();
      this.client.typing({ chat_id: this.openId }).catch(() => undefined);
    });
    this.pane.replaceChildren(h("section", { class: "chat", "aria-label": chat.title }, this.headEl, this.thread, this.typingEl, sendForm));
    this.renderHead();
    this.renderTyping();
    // On a touch screen focusing would pop up the keyboard over the messages just opened.
    if (matchMedia("(hover: hover)").matches) composer.focus();
  }

  private renderHead(): void {
    const chat = this.openId ? this.chats.get(this.openId) : undefined;
    if (!chat || !this.headEl) return;
    const others = (chat.members ?? []).filter((m) => m !== this.me);
    this.headEl.replaceChildren(
      h("button", { type: "button", class: "btn-icon back", "aria-label": "Back to chats", on: { click: () => this.closeChat() } }, icon("back")),
      avatar(chat.title),
      h(
        "div",
        { class: "chat-head-text" },
        h("h2", { class: "chat-title" }, chat.title),
        h("p", { class: "chat-sub" }, chat.type === "group" ? `${(chat.members ?? []).length} members: ${(chat.members ?? []).join(", ")}` : `Direct chat with ${others[0] ?? this.me}`),
      ),
    );
    if (chat.type === "group")
      this.headEl.append(h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => this.membersDialog() } }, icon("members"), h("span", {}, "Members")));
  }

  private renderTyping(): void {
    if (!this.typingEl || !this.openId) return;
    const names = this.typers(this.openId);
    this.typingEl.textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  private renderOlder(): void {
    const thread = this.openId ? this.threads.get(this.openId) : undefined;
    if (!this.olderEl || !thread) return;
    this.olderEl.replaceChildren(
      thread.loadingOlder
        ? h("p", { class: "thread-note", role: "status" }, "Loading older messages…")
        : thread.hasOlder
          ? h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => this.openId && void this.loadOlder(this.openId) } }, "Load older messages")
          : h("p", { class: "thread-note" }, "This is the beginning of the conversation."),
    );
  }

  /** Renders the open thread; stays at the bottom if it was there (or `toBottom`). */
  private renderThread(toBottom = false): void {
    const chatId = this.openId;
    const chat = chatId ? this.chats.get(chatId) : undefined;
    const thread = chatId ? this.threads.get(chatId) : undefined;
    if (!chat || !thread?.loaded || !this.messagesEl || !this.thread) return;
    const atBottom = toBottom || this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight < 80;
    const messages = [...thread.bySeq.values()].sort((a, b) => a.seq - b.seq);
    const lastMine = messages.findLast((m) => m.sender === this.me && !m.deleted);
    const items: HTMLElement[] = [];
    let prev: Message | undefined;
    for (const m of messages) {
      if (!prev || dayLabel(prev.timestamp) !== dayLabel(m.timestamp)) items.push(h("li", { class: "day" }, h("span", {}, dayLabel(m.timestamp))));
      items.push(this.messageItem(chat, m, prev, m === lastMine ? this.readState(chat, m.seq) : null));
      prev = m;
    }
    for (const out of this.outgoing.values()) if (out.chatId === chatId) items.push(this.outgoingItem(chat, out));
    if (!items.length) items.push(h("li", { class: "thread-note" }, "No messages yet. Say hello!"));
    this.messagesEl.replaceChildren(...items);
    this.renderOlder();
    if (atBottom) this.thread.scrollTop = this.thread.scrollHeight;
    const editing = this.messagesEl.querySelector<HTMLTextAreaElement>(".edit-form textarea");
    if (editing && document.activeElement !== editing) editing.focus();
  }

  /** Under your latest message: who has read it, from the read receipts. */
  private readState(chat: Chat, seq: number): string {
    const readers = (chat.members ?? []).filter((m) => m !== this.me && (this.receipts[chat.chat_id]?.[m] ?? 0) >= seq);
    if (!readers.length) return "Sent";
    return chat.type === "direct" ? "Seen" : readers.length === (chat.members ?? []).length - 1 ? "Seen by everyone" : `Seen by ${readers.join(", ")}`;
  }

  private messageItem(chat: Chat, m: Message, prev: Message | undefined, status: string | null): HTMLElement {
    const mine = m.sender === this.me;
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
            h("button", { type: "button", class: "btn-link btn-xs", on: { click: () => (this.outgoing.delete(out.clientMsgId), this.send(chat, out.content, out.clientMsgId)) } }, "Retry"),
            h("button", { type: "button", class: "btn-link btn-xs danger", on: { click: () => (this.outgoing.delete(out.clientMsgId), this.renderThread()) } }, "Discard"),
          )
        : null,
    );
  }

  private startEdit(seq: number): void {
    if (this.openId) this.editing = { chatId: this.openId, seq, form: null };
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
        (err: unknown) => {
          error.hidden = false;
          error.textContent = describe(err);
        },
      );
    });
    return f;
  }

  private confirmDelete(chat: Chat, m: Message): void {
    this.confirm("Delete this message?", "It is removed for everyone in the chat.", "Delete", async () => {
      const { message } = await this.client.deleteMessage({ chat_id: chat.chat_id, seq: m.seq });
      this.onMessage(message, true);
    });
  }

  // ---- Dialogs ----

  private showDialog(title: string, ...content: Node[]): void {
    const heading = h("h2", { id: "dialog-title" }, title);
    this.dialog.setAttribute("aria-labelledby", "dialog-title");
    this.dialog.replaceChildren(
      h("div", { class: "dialog-head" }, heading, h("button", { type: "button", class: "btn-icon", "aria-label": "Close", on: { click: () => this.dialog.close() } }, "×")),
      ...content,
    );
    if (!this.dialog.open) this.dialog.showModal();
    this.dialog.querySelector<HTMLElement>("input, textarea")?.focus();
  }

  private confirm(title: string, text: string, action: string, run: () => Promise<void>): void {
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const go = h("button", { type: "button", class: "btn btn-danger" }, action);
    go.addEventListener("click", () => {
      go.disabled = true;
      run().then(
        () => this.dialog.close(),
        (err: unknown) => {
          go.disabled = false;
          error.hidden = false;
          error.textContent = describe(err);
        },
      );
    });
    this.showDialog(
      title,
      h("p", { class: "dialog-text" }, text),
      error,
      h("div", { class: "dialog-actions" }, h("button", { type: "button", class: "btn btn-ghost", on: { click: () => this.dialog.close() } }, "Cancel"), go),
    );
    go.focus();
  }

  private newChatDialog(): void {
    const username = field("Username", "username", { autocomplete: "off", autocapitalize: "none", spellcheck: false }, "Who do you want to talk to?");
    this.showDialog(
      "New chat",
      form({
        fields: [username],
        submitLabel: "Start chat",
        submit: async () => {
          const { chat } = await this.client.createChat({ username: username.input.value.trim() });
          this.upsertChat(chat);
          this.dialog.close();
          await this.open(chat.chat_id);
        },
      }).el,
    );
  }

  private newGroupDialog(): void {
    const title = field("Group name", "title", { autocomplete: "off", maxlength: "100" });
    const members = field("Members", "members", { autocomplete: "off", autocapitalize: "none", spellcheck: false, required: false }, "Usernames, separated by commas. You can add more later.");
    this.showDialog(
      "New group",
      form({
        fields: [title, members],
        submitLabel: "Create group",
        submit: async () => {
          const { chat } = await this.client.createGroup({ title: title.input.value.trim(), members: names(members.input.value) });
          this.upsertChat(chat);
          this.dialog.close();
          await this.open(chat.chat_id);
        },
      }).el,
    );
  }

  private membersDialog(): void {
    const chat = this.openId ? this.chats.get(this.openId) : undefined;
    if (!chat) return;
    const owner = chat.owner === this.me;
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const fail = (err: unknown) => {
      error.hidden = false;
      error.textContent = describe(err);
    };
    const refresh = (c: Chat) => {
      this.upsertChat(c);
      this.membersDialog();
    };
    const list = h(
      "ul",
      { class: "member-list" },
      ...(chat.members ?? []).map((m) =>
        h(
          "li",
          {},
          avatar(m, "sm"),
          h("span", { class: "member-name" }, m, m === this.me ? " (you)" : ""),
          m === chat.owner ? h("span", { class: "tag" }, "owner") : null,
          owner && m !== this.me
            ? h(
                "button",
                {
                  type: "button",
                  class: "btn-link btn-xs danger",
                  "aria-label": `Remove ${m}`,
                  on: { click: () => void this.client.removeMember({ chat_id: chat.chat_id, username: m }).then(({ chat: c }) => refresh(c), fail) },
                },
                "Remove",
              )
            : null,
        ),
      ),
    );
    const add = field("Add members", "members", { autocomplete: "off", autocapitalize: "none", spellcheck: false }, "Usernames, separated by commas.");
    const addForm = owner
      ? form({
          fields: [add],
          submitLabel: "Add",
          className: "stack add-form",
          submit: async () => {
            const { chat: c } = await this.client.addMembers({ chat_id: chat.chat_id, members: names(add.input.value) });
            refresh(c);
          },
        }).el
      : null;
    const leave = h(
      "button",
      {
        type: "button",
        class: "btn btn-danger-outline",
        on: {
          click: () =>
            this.confirm(`Leave ${chat.title}?`, "You will stop getting its messages. Someone can add you again.", "Leave group", async () => {
              await this.client.leaveChat({ chat_id: chat.chat_id });
              this.removeChat(chat.chat_id);
            }),
        },
      },
      "Leave group",
    );
    this.showDialog(`${chat.title}: members`, list, error, ...(addForm ? [addForm] : []), h("div", { class: "dialog-actions" }, leave));
    if (!owner) leave.focus();
  }
}

function names(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

function autosize(area: HTMLTextAreaElement): void {
  area.style.height = "auto";
  area.style.height = `${Math.min(area.scrollHeight, 160)}px`;
}
