// Logged in: the chat list and the open chat (or the settings), kept live by the client's
// pushes. This file only wires: each client event goes into the store (store.ts), then to
// the views it changes (chat-list.ts, conversation.ts, settings.ts, dialogs.ts).
//
// The chat list comes from getChats once the client is caught up, a page of the latest
// chats first and older pages when asked for; every push after the first page is applied
// on top. Pushes before it (replayed from a stored pts) are already in it, so only their
// read receipts, which getChats does not carry, are kept.
import type { Chat, ChatClient, ClientEvents, Message } from "edge-chat/client";
import { ChatList } from "./chat-list";
import { Conversation } from "./conversation";
import { Dialogs } from "./dialogs";
import { h } from "./dom";
import { Settings } from "./settings";
import { loadSaved, saveSaved, type Session } from "./storage";
import { CHATS_PAGE, Store, TYPING_SHOWN_MS } from "./store";

export class ChatApp {
  private readonly store: Store;
  private readonly list: ChatList;
  private readonly conversation: Conversation;
  private readonly dialogs: Dialogs;
  private readonly settings: Settings;
  private readonly shell: HTMLElement;
  private unsubscribe: (() => void)[] = [];
  /** getBlocked has answered (it is asked once per app, like getChats). */
  private blockedLoaded = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

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
      settings: () => this.openSettings(),
      more: () => void this.loadMoreChats(),
      logout: () => void this.logout(),
    });
    this.conversation = new Conversation(this.store, client, this.dialogs, {
      received: (m, changed) => this.onMessage(m, changed),
      listChanged: () => this.list.render(),
      back: () => this.closeChat(),
      blockedChanged: () => this.blockedChanged(),
    });
    this.settings = new Settings(this.store, client, this.dialogs, {
      back: () => this.closeChat(),
      blockedChanged: () => this.blockedChanged(),
    });
    this.shell = h("div", { class: "shell" }, this.list.el, this.conversation.el, this.settings.el, this.dialogs.el);
    root.replaceChildren(this.shell);
    this.conversation.showEmpty();
    this.list.renderConn();

    const on = <E extends keyof ClientEvents>(event: E, fn: (v: ClientEvents[E]) => void) => this.unsubscribe.push(client.on(event, fn));
    on("state", () => this.list.renderConn());
    on("ready", () => {
      this.list.renderConn();
      if (!this.store.listLoaded) void this.loadChats();
      if (!this.blockedLoaded) void this.loadBlocked();
      this.conversation.markReadSoon();
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
    const onVisible = () => this.conversation.markReadSoon();
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

  private async loadChats(): Promise<void> {
    try {
      this.store.setChats(await this.client.getChats({ limit: CHATS_PAGE }));
      this.list.render();
    } catch {
      // The next `ready` (after a reconnect) tries again.
    }
  }

  private async loadBlocked(): Promise<void> {
    try {
      this.store.setBlocked((await this.client.getBlocked()).users);
      this.blockedLoaded = true;
      this.blockedChanged();
    } catch {
      // The next `ready` tries again.
    }
  }

  private blockedChanged(): void {
    this.conversation.renderHead();
    if (this.settings.shown) this.settings.renderBlocked();
  }

  private async loadMoreChats(): Promise<void> {
    const before = this.store.listCursor;
    if (before === null || this.store.listLoadingMore) return;
    this.store.listLoadingMore = true;
    this.list.render();
    try {
      this.store.addChats(await this.client.getChats({ limit: CHATS_PAGE, before }));
    } catch {
      // The button stays; pressing it again tries again.
    } finally {
      this.store.listLoadingMore = false;
      this.list.render();
    }
  }

  private saveSoon(pts: number): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => saveSaved(this.session.user, { pts, receipts: this.store.receipts }), 300);
  }

  private async logout(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      // Offline: forget the session here anyway; it expires on the server in time.
      this.signedOut();
    }
  }

  // ---- From the client and the views, into the store, out to the views ----

  private upsertChat(chat: Chat): void {
    const wasOpen = this.store.openId === chat.chat_id ? this.store.openChat : undefined;
    this.store.upsertChat(chat);
    this.list.render();
    if (!wasOpen) return;
    // The other member deleted their account: the composer gives way to a note.
    if (chat.peer_deleted && !wasOpen.peer_deleted) void this.conversation.show(this.store.openChat!);
    else this.conversation.renderHead();
  }

  private removeChat(chatId: string): void {
    const chat = this.store.removeChat(chatId);
    this.list.render();
    if (chatId !== this.store.openId) return;
    this.store.close();
    this.dialogs.close();
    this.conversation.showEmpty(chat ? `You are no longer in ${chat.title}.` : undefined);
  }

  private onMessage(m: Message, changed: boolean): void {
    if (this.store.receive(m, changed)) this.list.render();
    if (!changed) this.store.stoppedTyping(m.chat_id, m.sender);
    if (m.chat_id === this.store.openId) this.conversation.update();
  }

  private onReceipt(chatId: string, username: string, seq: number): void {
    if (this.store.receipt(chatId, username, seq)) this.list.render();
    if (chatId === this.store.openId) this.conversation.renderThread();
  }

  private onTyping(chatId: string, username: string): void {
    this.store.typing(chatId, username);
    if (chatId === this.store.openId) this.conversation.renderTyping();
    this.list.render();
    setTimeout(() => {
      if (chatId === this.store.openId) this.conversation.renderTyping();
      this.list.render();
    }, TYPING_SHOWN_MS + 50);
  }

  private async open(chatId: string): Promise<void> {
    const chat = this.store.open(chatId);
    if (!chat) return;
    this.settings.hide();
    this.conversation.el.hidden = false;
    this.shell.classList.add("show-chat");
    this.list.render();
    await this.conversation.show(chat);
  }

  private openSettings(): void {
    this.store.close();
    this.dialogs.close();
    this.list.render();
    this.conversation.showEmpty();
    this.conversation.el.hidden = true;
    this.shell.classList.add("show-chat");
    this.settings.show();
  }

  private closeChat(): void {
    this.store.close();
    this.settings.hide();
    this.conversation.el.hidden = false;
    this.shell.classList.remove("show-chat");
    this.list.render();
    this.conversation.showEmpty();
    this.list.focusCurrent();
  }
}
