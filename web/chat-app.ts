// Logged in: the chat list and the open chat (or the settings), kept live by the client's
// pushes. This file only wires: each client event goes into the store (store.ts), then to
// the views it changes (chat-list.ts, conversation.ts, settings.ts, dialogs.ts) and to what
// the app says about it (status.ts: the connection banner, the live region, the page title).
//
// The chat list comes from getChats once the client is caught up, a page of the latest
// chats first and older pages when asked for; every push after the first page is applied
// on top. Pushes before it (replayed from a stored pts) are already in it, so only their
// read receipts, which getChats does not carry, are kept.
import { type Chat, type ChatClient, type ClientEvents, type Message, withReaction, withReplyPreview } from "edge-chat/client";
import { ChatList } from "./chat-list";
import { MessageSearch } from "./search";
import { Conversation } from "./conversation";
import { Dialogs } from "./dialogs";
import { h, onePane, shown } from "./dom";
import { backToList, inviteInUrl, pushRoute, replaceRoute, routeInUrl, type Route } from "./routes";
import { Settings } from "./settings";
import { AppStatus } from "./status";
import { loadCached, loadSaved, saveCached, saveSaved, type Session } from "./storage";
import { CHATS_PAGE, Store, TYPING_SHOWN_MS } from "./store";

/** How much of a message an announcement reads out. */
const ANNOUNCED_CHARS = 200;
/** Chats whose latest messages are kept for offline, and how many of them. */
const SAVED_CHATS = 5;
const SAVED_MESSAGES = 30;

export class ChatApp {
  private readonly store: Store;
  private readonly status = new AppStatus();
  private readonly list: ChatList;
  private readonly search: MessageSearch;
  private readonly conversation: Conversation;
  private readonly dialogs: Dialogs;
  private readonly settings: Settings;
  private readonly shell: HTMLElement;
  private unsubscribe: (() => void)[] = [];
  /** getBlocked has answered (it is asked once per app, like the first page of chats). */
  private blockedLoaded = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** New messages from others that came in while catching up: announced as a count once caught up. */
  private missed = 0;
  /** The chat the URL names, opened once the chat list has it (after a reload, say). */
  private wanted: string | null = null;
  private settingsOpen = false;
  /** The chats opened lately, latest first: their latest messages are kept for offline. */
  private recent: string[] = [];

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
      announce: (text) => this.status.announce(text),
    });
    this.search = new MessageSearch(this.store, client, {
      openAt: (chatId, seq) => void this.openAt(chatId, seq),
      announce: (text) => this.status.announce(text),
    });
    this.list = new ChatList(
      this.store,
      {
        open: (chatId) => void this.open(chatId),
        newChat: () => this.dialogs.newChat(),
        newGroup: () => this.dialogs.newGroup(),
        more: () => void this.loadMoreChats(),
        settings: () => this.openSettings(),
        logout: () => void this.logout(),
      },
      this.search.el,
    );
    this.conversation = new Conversation(this.store, client, this.dialogs, session.user, {
      received: (m, changed) => this.onMessage(m, changed),
      listChanged: () => this.renderList(),
      back: () => backToList() || this.closeChat(),
      announce: (text) => this.status.announce(text),
      blockedChanged: () => this.blockedChanged(),
    });
    this.settings = new Settings(this.store, client, this.dialogs, {
      back: () => backToList() || this.closeSettings(),
      announce: (text) => this.status.announce(text),
      blockedChanged: () => this.blockedChanged(),
    });
    this.shell = h(
      "main",
      { class: "shell" },
      this.status.banner,
      this.list.el,
      this.conversation.el,
      this.settings.el,
      this.status.live,
      this.dialogs.el,
    );
    root.replaceChildren(this.shell);
    // The list as last seen online shows until getChats answers: at once, and offline too.
    const cached = loadCached(session.user);
    if (cached) {
      this.store.setSaved(cached.chats, cached.threads);
      this.recent = Object.keys(cached.threads);
    }
    this.renderList();
    this.conversation.showEmpty();
    this.status.renderConn(client.state);

    const on = <E extends keyof ClientEvents>(event: E, fn: (v: ClientEvents[E]) => void) => this.unsubscribe.push(client.on(event, fn));
    on("state", (state) => {
      this.status.renderConn(state);
      // Your messages on their way say whether they wait for the connection.
      this.conversation.renderThread();
    });
    on("ready", () => {
      if (!this.store.listLoaded) void this.loadChats();
      if (!this.blockedLoaded) void this.loadBlocked();
      if (this.missed) this.status.announce(`${this.missed} new message${this.missed === 1 ? "" : "s"}.`);
      this.missed = 0;
      this.conversation.resendFailed();
      this.conversation.markReadSoon();
      void this.conversation.refresh();
    });
    // The server no longer keeps what was missed (retention): what is shown is read afresh, never with a gap.
    on("reload", ({ chat_id }) => {
      this.store.markStale(chat_id);
      if (!chat_id) void this.loadChats();
      void this.conversation.refresh();
    });
    on("pts", () => this.saveSoon());
    on("ev", () => this.saveSoon());
    on("newMessage", (p) => {
      this.onMessage(p.message, false);
      this.announce(p.message);
    });
    on("messageEdited", (p) => this.onOriginal(p.message));
    on("messageDeleted", (p) => this.onOriginal(p.message));
    on("reactionChanged", (p) => {
      const shown = this.store.threads.get(p.chat_id)?.bySeq.get(p.seq);
      if (shown) this.onMessage(withReaction(shown, p, this.store.me), true);
    });
    on("chatCreated", (p) => this.store.listLoaded && this.upsertChat(p.chat));
    on("chatUpdated", (p) => this.store.listLoaded && this.upsertChat(p.chat));
    on("removedFromChat", (p) => this.store.listLoaded && this.removeChat(p.chat_id));
    on("readReceipt", (p) => this.onReceipt(p.chat_id, p.username, p.seq));
    on("typing", (p) => this.onTyping(p.chat_id, p.username));
    const listen = (target: EventTarget, type: string, fn: () => void) => {
      target.addEventListener(type, fn);
      this.unsubscribe.push(() => target.removeEventListener(type, fn));
    };
    listen(document, "visibilitychange", () => this.conversation.markReadSoon());
    const shortcut = (e: KeyboardEvent) => this.search.shortcut(e);
    document.addEventListener("keydown", shortcut);
    this.unsubscribe.push(() => document.removeEventListener("keydown", shortcut));
    // Back and Forward, a phone's Back included.
    listen(window, "popstate", () => this.follow(routeInUrl()));
    // A browser knows when the network goes, and is back, before the socket does.
    const network = () => {
      this.status.setNetwork(navigator.onLine);
      this.conversation.renderThread();
      if (navigator.onLine) client.connect();
    };
    listen(window, "online", network);
    listen(window, "offline", network);
    // A reload (or a closed tab) does not wait for the timer.
    listen(window, "pagehide", () => this.saveNow());
    // The open chat's (or the settings') title is the page's h1 when it is the only pane showing.
    listen(onePane, "change", () => {
      this.conversation.renderHead();
      this.settings.renderHead();
    });
    const invite = inviteInUrl();
    if (!invite) this.follow(routeInUrl());
    client.connect();
    if (invite) this.join(invite);
  }

  destroy(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    clearTimeout(this.saveTimer);
    this.dialogs.close();
    this.status.setUnread(0);
  }

  /** Just logged in: the keyboard starts at the view's heading rather than nowhere. */
  focusStart(): void {
    this.list.focusHeading();
  }

  private async loadChats(): Promise<void> {
    try {
      this.store.setChats(await this.client.getChats({ limit: CHATS_PAGE }));
      this.renderList();
      this.saveSoon();
      if (this.wanted) void this.open(this.wanted, true);
    } catch {
      // The next `ready` (after a reconnect) tries again.
    }
  }

  private async loadMoreChats(): Promise<void> {
    const before = this.store.listCursor;
    if (before === null || this.store.listLoadingMore) return;
    this.store.listLoadingMore = true;
    this.renderList();
    try {
      this.store.addChats(await this.client.getChats({ limit: CHATS_PAGE, before }));
    } catch {
      // The button stays; pressing it again tries again.
    } finally {
      this.store.listLoadingMore = false;
      this.renderList();
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
    this.settings.renderBlocked();
  }

  /** Soon (once for a burst of pushes): where the client left off, and the copy shown offline. */
  private saveSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveNow(), 300);
  }

  private saveNow(): void {
    clearTimeout(this.saveTimer);
    const { pts, evs } = this.client;
    if (pts !== undefined) saveSaved(this.session.user, { pts, evs, receipts: this.store.receipts });
    if (this.store.listLoaded) saveCached(this.session.user, this.saved());
  }

  private saved() {
    const chats = [...this.store.chats.values()].sort((a, b) => b.updated_at - a.updated_at).slice(0, CHATS_PAGE);
    const threads: Record<string, Message[]> = {};
    for (const id of this.recent) {
      const thread = this.store.threads.get(id);
      if (thread?.loaded) threads[id] = [...thread.bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-SAVED_MESSAGES);
      else if (this.store.savedThreads[id]) threads[id] = this.store.savedThreads[id];
    }
    return { chats, threads };
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

  /** The chat list and the unread count in the page title. */
  private renderList(): void {
    this.list.render();
    this.status.setUnread(this.store.unreadTotal());
  }

  private upsertChat(chat: Chat): void {
    const wasOpen = this.store.openId === chat.chat_id ? this.store.openChat : undefined;
    this.store.upsertChat(chat);
    this.renderList();
    if (!wasOpen) return;
    if (!chat.peer_deleted || wasOpen.peer_deleted) {
      this.conversation.renderHead();
      return;
    }
    // The other member deleted their account: the composer gives way to a note.
    const hadFocus = this.conversation.el.contains(document.activeElement);
    void this.conversation.show(this.store.openChat!);
    if (hadFocus) this.conversation.focusTitle();
    this.status.announce(`${chat.title} deleted their account.`);
  }

  private removeChat(chatId: string): void {
    const chat = this.store.removeChat(chatId);
    this.renderList();
    if (chatId !== this.store.openId) return;
    const focus = document.activeElement;
    const focusGoes = !focus || focus === document.body || this.conversation.el.contains(focus) || this.dialogs.el.contains(focus);
    this.store.close();
    this.dialogs.close();
    this.shell.classList.remove("show-chat");
    replaceRoute(null);
    const note = chat ? `You are no longer in ${chat.title}.` : undefined;
    this.conversation.showEmpty(note);
    // Where the chat was, the note says why it is gone; on a phone the list is back instead.
    if (focusGoes) this.conversation.focusEmpty() || this.list.focusHeading();
    else if (note) this.status.announce(note);
  }

  /** An edited or deleted message, and the quotes of it in the replies loaded. */
  private onOriginal(m: Message): void {
    const thread = this.store.threads.get(m.chat_id);
    for (const r of thread?.bySeq.values() ?? []) if (r.reply_to?.seq === m.seq) thread?.bySeq.set(r.seq, withReplyPreview(r, m));
    this.onMessage(m, true);
  }

  private onMessage(m: Message, changed: boolean): void {
    this.saveSoon();
    if (this.store.receive(m, changed)) this.renderList();
    if (!changed) this.store.stoppedTyping(m.chat_id, m.sender);
    if (m.chat_id === this.store.openId) this.conversation.update();
  }

  /** A new message from someone else, said by the live region (while catching up, only counted). */
  private announce(m: Message): void {
    if (m.sender === this.store.me || !this.store.listLoaded) return;
    if (this.client.state !== "ready") {
      this.missed++;
      return;
    }
    const chat = this.store.chats.get(m.chat_id);
    const text = m.content.length > ANNOUNCED_CHARS ? `${m.content.slice(0, ANNOUNCED_CHARS)}…` : m.content;
    if (m.chat_id === this.store.openId && document.visibilityState === "visible") this.status.announce(`${m.sender}: ${text}`);
    else this.status.announce(`New message from ${m.sender}${chat?.type === "group" ? ` in ${chat.title}` : ""}: ${text}`);
  }

  private onReceipt(chatId: string, username: string, seq: number): void {
    if (this.store.receipt(chatId, username, seq)) this.renderList();
    if (chatId === this.store.openId) this.conversation.renderThread();
  }

  private onTyping(chatId: string, username: string): void {
    this.store.typing(chatId, username);
    if (chatId === this.store.openId) this.conversation.renderTyping();
    this.renderList();
    setTimeout(() => {
      if (chatId === this.store.openId) this.conversation.renderTyping();
      this.renderList();
    }, TYPING_SHOWN_MS + 50);
  }

  /** An invite link: joins its group (a member already: just opens it) in the link's place. */
  private join(code: string): void {
    replaceRoute(null);
    this.client.joinByInvite({ code }).then(
      ({ chat }) => {
        this.upsertChat(chat);
        this.status.announce(`You joined ${chat.title}.`);
        void this.open(chat.chat_id);
      },
      () => this.status.announce("This invite link is not valid any more."),
    );
  }

  /** What the URL says is open, after Back or Forward (or on loading the page). */
  private follow(route: Route): void {
    if (route && "chat" in route) {
      if (route.chat !== this.store.openId) void this.open(route.chat, true);
    } else if (route) {
      if (!this.settingsOpen) this.openSettings(true);
    } else if (this.store.openId) this.closeChat();
    else if (this.settingsOpen) this.closeSettings();
  }

  private async open(chatId: string, fromHistory = false): Promise<void> {
    const chat = this.store.open(chatId);
    // Not in the list (yet): opened once the list has it, if the URL still names it then.
    this.wanted = chat || !fromHistory ? null : chatId;
    if (!chat) return;
    if (!fromHistory) pushRoute({ chat: chatId });
    this.recent = [chatId, ...this.recent.filter((id) => id !== chatId)].slice(0, SAVED_CHATS);
    if (this.settingsOpen) this.settings.hide();
    this.settingsOpen = false;
    this.conversation.el.hidden = false;
    this.shell.classList.add("show-chat");
    this.renderList();
    const showing = this.conversation.show(chat);
    // On a phone the chat takes the list's place, hiding the row that had the keyboard.
    const focus = document.activeElement;
    if (!focus || focus === document.body || !shown(focus)) this.conversation.focusTitle();
    await showing;
    this.saveSoon();
  }

  /** A search result: its chat, opened at that message. */
  private async openAt(chatId: string, seq: number): Promise<void> {
    if (this.store.openId !== chatId) await this.open(chatId);
    await this.conversation.reveal(chatId, seq);
  }

  private closeChat(): void {
    const chatId = this.store.openId;
    this.store.close();
    this.shell.classList.remove("show-chat");
    this.renderList();
    this.conversation.showEmpty();
    this.list.focusChat(chatId);
  }

  /** Settings take the open chat's pane (on a phone, the whole screen). */
  private openSettings(fromHistory = false): void {
    if (!fromHistory) pushRoute({ settings: true });
    this.settingsOpen = true;
    this.store.close();
    this.dialogs.close();
    this.renderList();
    this.conversation.showEmpty();
    this.conversation.el.hidden = true;
    this.shell.classList.add("show-chat");
    this.settings.show();
    this.settings.focusTitle();
  }

  private closeSettings(): void {
    this.settingsOpen = false;
    this.settings.hide();
    this.conversation.el.hidden = false;
    this.shell.classList.remove("show-chat");
    this.list.focusSettings();
  }
}
