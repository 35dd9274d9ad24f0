// The pane with the open chat: its header, the thread (thread.ts: where it opens, what was
// read, scrolling), the composer with the chat's unsent draft, and your messages on their
// way: sent, and sent again by themselves when the connection is back.
import type { Chat, ChatClient, Message, User } from "edge-chat/client";
import { Attachments } from "./attachments";
import { notifyMenu } from "./chat-notify";
import { avatar, h, icon, onePane, shown, syncChildren, type Keyed } from "./dom";
import type { Dialogs } from "./dialogs";
import { describe, isConnectionError, submitOnEnter } from "./forms";
import { mentionsIn } from "./mention-text";
import { MentionSuggest } from "./mentions";
import { MessageItems } from "./message-item";
import { loadDrafts, saveDrafts, type Drafts } from "./storage";
import { memberCount, unreadOf, type Outgoing, type Store } from "./store";
import { ReplyBar } from "./reply-bar";
import { SlowSend } from "./slow-send";
import { PAGE, ThreadView } from "./thread";

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

const newClientMsgId = () => crypto.getRandomValues(new Uint32Array(4)).join("-");

export class Conversation {
  readonly el = h("div", { class: "pane" });
  private lastTypingSent = 0;
  /** Slow mode: when each chat's next message may go, and the Send button that counts down to it. */
  private readonly slow = new SlowSend(
    () => this.store.openId,
    () => this.composer?.focus(),
  );
  // The open chat's parts (rebuilt on switching chats).
  private headEl: HTMLElement | null = null;
  private typingEl: HTMLElement | null = null;
  private composer: HTMLTextAreaElement | null = null;
  /** The quote above the composer of the message being replied to, if any. */
  private readonly replyBar = new ReplyBar(
    () => this.composer?.focus(),
    (text) => this.host.announce(text),
  );
  private readonly attachments: Attachments;
  private readonly thread: ThreadView;
  private readonly items: MessageItems;
  /** What was typed in each chat and not sent; kept across reloads, per account. */
  private readonly drafts: Drafts;

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly dialogs: Dialogs,
    private readonly user: User,
    private readonly host: ConversationHost,
  ) {
    this.drafts = loadDrafts(user);
    this.attachments = new Attachments(client, {
      openChat: () => this.store.openChat,
      sent: (m) => this.host.received(m, false),
      linksReady: () => this.renderThread(),
      announce: (text) => this.host.announce(text),
      fallbackFocus: () => this.composer,
    });
    this.items = new MessageItems(store, client, dialogs, this.attachments, {
      received: (m, changed) => this.host.received(m, changed),
      resend: (out) => this.resend(out),
      rerender: () => this.renderThread(),
      focusItem: (target, later) => this.thread.focusItem(target, later),
      offline: () => !navigator.onLine || this.client.state !== "ready",
      announce: (text) => this.host.announce(text),
      reply: (m) => this.replyBar.reply(m),
      reveal: (seq) => {
        const id = this.store.openId;
        if (id) void this.thread.reveal(id, seq);
      },
    });
    this.thread = new ThreadView(store, client, this.items, { listChanged: () => this.host.listChanged() });
  }

  /** Shows the chat the store just opened, then its first page once it is there (opening at the first unread). */
  async show(chat: Chat): Promise<void> {
    const chatId = chat.chat_id;
    this.items.stopEditing();
    this.renderChat(chat);
    // Offline, the saved copy of its latest messages shows at once; `refresh` replaces it once online.
    if (
      !this.store.threads.get(chatId)?.loaded &&
      !(this.client.state !== "ready" && this.store.savedThread(chatId)) &&
      !(await this.firstPage(chat))
    )
      return;
    if (chatId !== this.store.openId) return;
    await this.thread.opened(chat);
  }

  /** Asks for a chat's first page (and older ones down to its first unread); false if that failed. */
  private async firstPage(chat: Chat): Promise<boolean> {
    const chatId = chat.chat_id;
    const thread = this.store.threads.get(chatId) ?? this.store.startThread(chatId);
    try {
      this.store.firstPage(thread, await this.client.getMessages({ chat_id: chatId, limit: PAGE }));
      if (unreadOf(chat) > 0) await this.thread.reach(chatId, chat.last_read_seq + 1);
      return true;
    } catch (err) {
      if (thread.stale) return false;
      this.store.dropThread(chatId);
      if (chatId === this.store.openId) this.thread.failed(err);
      return false;
    }
  }

  /** Online again: a chat shown from the saved copy gets the server's first page. */
  async refresh(): Promise<void> {
    this.store.dropStale();
    const chat = this.store.openChat;
    if (!chat || !this.store.openThread?.stale || !(await this.firstPage(chat))) return;
    if (chat.chat_id === this.store.openId) this.renderThread();
  }

  /** Shows message `seq` of the open chat (a search result), loading pages until it is in. */
  async reveal(chatId: string, seq: number): Promise<void> {
    if (chatId === this.store.openId) await this.thread.reveal(chatId, seq);
  }

  /** Something arrived for the open chat. */
  update(): void {
    this.renderThread();
    this.renderTyping();
  }

  renderThread(): void {
    this.thread.render();
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
    this.thread.markReadSoon();
  }

  /** Back online: what failed for want of a connection goes out again, with the same client_msg_id (the server stores it once). */
  resendFailed(): void {
    for (const out of [...this.store.outgoing.values()]) if (out.failed && out.resendOnReconnect) this.resend(out);
  }

  private resend(out: Outgoing): void {
    const chat = this.store.chats.get(out.chatId);
    this.store.discard(out.clientMsgId);
    if (chat) this.send(chat, out.content, out.clientMsgId, out.replyTo);
  }

  private send(chat: Chat, content: string, clientMsgId = newClientMsgId(), replyTo?: number): void {
    const out = this.store.queue(chat.chat_id, content, clientMsgId, replyTo);
    if (chat.chat_id === this.store.openId) this.thread.render(true);
    const mentions = mentionsIn(content);
    const params = {
      chat_id: chat.chat_id,
      content,
      client_msg_id: clientMsgId,
      ...(replyTo ? { reply_to: replyTo } : {}),
      ...(mentions.length ? { mentions } : {}),
    };
    const sending = chat.type === "direct" ? this.client.sendMessage(params) : this.client.sendGroupMessage(params);
    sending.then(
      ({ message }) => {
        if (chat.slow_mode_s && chat.role === "member") this.slow.slowDown(chat.chat_id, chat.slow_mode_s * 1000);
        this.host.received(message, false);
      },
      (err: unknown) => {
        if (err instanceof Error && "error" in err && err.error === "slow_mode")
          this.slow.slowDown(chat.chat_id, (err as { retryAfterMs?: number }).retryAfterMs ?? 1000);
        // Discarded, or sent again, meanwhile.
        if (this.store.outgoing.get(clientMsgId) !== out) return;
        out.failed = true;
        out.resendOnReconnect = isConnectionError(err);
        this.host.announce(
          out.resendOnReconnect
            ? `Message to ${chat.title} not sent yet. It goes out when the connection is back.`
            : `Message to ${chat.title} not sent. ${describe(err)}`,
        );
        if (out.chatId === this.store.openId) this.renderThread();
      },
    );
  }

  // ---- Rendering ----

  showEmpty(note?: string): void {
    this.thread.leave();
    this.typingEl = this.headEl = this.composer = this.slow.button = this.replyBar.el = null;
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
    const replyEl = this.replyBar.mount(chat.chat_id);
    this.thread.mount(chat);
    this.typingEl = h("p", { class: "typing" });
    this.composer = h("textarea", {
      id: "composer",
      name: "message",
      rows: 1,
      placeholder: "Message",
      maxlength: "4000",
      autocomplete: "off",
    });
    const composer = this.composer;
    // First, so its keys (Enter, Tab, Escape while it lists names) come before the composer's.
    const mentions = new MentionSuggest(
      composer,
      this.client,
      () => this.store.openChat,
      this.store.me,
      (t) => this.host.announce(t),
    );
    this.slow.button = h("button", { type: "submit", class: "btn btn-primary btn-send" }, icon("send"), h("span", {}, "Send"));
    const sendForm = h(
      "form",
      { class: "composer" },
      h("label", { for: "composer", class: "sr-only" }, "Message"),
      this.attachments.button(),
      composer,
      mentions.el,
      this.slow.button,
    );
    sendForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const content = composer.value.trim();
      const current = this.store.openChat;
      if (!content || !current || this.slow.button?.disabled) return;
      composer.value = "";
      autosize(composer);
      this.keepDraft(current.chat_id, "");
      const replying = this.replyBar.replying;
      const replyTo = replying?.chat_id === current.chat_id ? replying.seq : undefined;
      this.replyBar.cancel(false);
      this.send(current, content, undefined, replyTo);
    });
    composer.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.replyBar.replying) this.replyBar.cancel(true);
    });
    submitOnEnter(composer, sendForm);
    composer.value = this.drafts[chat.chat_id] ?? "";
    composer.addEventListener("input", () => {
      autosize(composer);
      const chatId = this.store.openId;
      if (chatId) this.keepDraft(chatId, composer.value);
      if (!chatId || !composer.value || Date.now() - this.lastTypingSent < TYPING_SENT_EVERY_MS) return;
      this.lastTypingSent = Date.now();
      this.client.typing({ chat_id: chatId }).catch(() => undefined);
    });
    // Nothing more can be sent where the other member deleted their account.
    const closed = chat.peer_deleted
      ? h("p", { class: "thread-note composer-closed" }, `${chat.title} deleted their account. You can read this chat, but not reply.`)
      : null;
    const section = closed
      ? h("section", { class: "chat", "aria-labelledby": "chat-title" }, this.headEl, this.thread.el, this.typingEl, closed)
      : h(
          "section",
          { class: "chat", "aria-labelledby": "chat-title" },
          this.headEl,
          this.thread.el,
          this.typingEl,
          this.attachments.tray,
          replyEl,
          sendForm,
        );
    if (!closed) {
      this.attachments.listen(section, composer);
      this.attachments.renderTray();
    }
    this.el.replaceChildren(section);
    if (composer.value) autosize(composer);
    this.renderHead();
    this.renderTyping();
    this.slow.render();
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
        render: () =>
          h(
            "button",
            {
              type: "button",
              class: "btn-icon back",
              "aria-label": "Back to chats",
              "data-control": "back",
              on: { click: () => this.host.back() },
            },
            icon("back"),
          ),
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
      { key: "notify", version: chat.notify ?? "", render: () => notifyMenu(chat, this.client, (c) => this.store.upsertChat(c)) },
    ];
    if (chat.type === "group")
      items.push(
        {
          key: "info",
          version: "",
          render: () =>
            h(
              "button",
              { type: "button", class: "btn btn-ghost btn-sm", "data-control": "info", on: { click: () => this.dialogs.info() } },
              icon("info"),
              h("span", {}, "Info"),
            ),
        },
        {
          key: "members",
          version: "",
          render: () =>
            h(
              "button",
              {
                type: "button",
                class: "btn btn-ghost btn-sm",
                "data-control": "members",
                on: { click: () => this.dialogs.members() },
              },
              icon("members"),
              h("span", {}, "Members"),
            ),
        },
      );
    else if (!chat.peer_deleted && others[0]) {
      const peer = others[0];
      const blocked = this.store.isBlocked(peer);
      items.push({
        key: "block",
        version: String(blocked),
        render: () =>
          h(
            "button",
            {
              type: "button",
              class: "btn btn-ghost btn-sm",
              "data-control": "block",
              on: { click: () => this.confirmBlock(peer, blocked) },
            },
            icon("block"),
            h("span", {}, blocked ? "Unblock" : "Block"),
          ),
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

  private keepDraft(chatId: string, text: string): void {
    if (text.trim()) this.drafts[chatId] = text;
    else delete this.drafts[chatId];
    saveDrafts(this.user, this.drafts);
  }
}

function autosize(area: HTMLTextAreaElement): void {
  area.style.height = "auto";
  area.style.height = `${Math.min(area.scrollHeight, 160)}px`;
}
