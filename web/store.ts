// What the logged-in views share: the chat list, the threads loaded so far, read receipts,
// messages on their way, who is typing, and which chat is open. Views read it; only the
// methods here change it, and none of them render: the coordinator (chat-app.ts) decides
// what to redraw after each change.
import type { Chat, Message } from "edge-chat/client";
import type { Receipts } from "./storage";

export interface Thread {
  bySeq: Map<number, Message>;
  /** The first page arrived; before that, pushes are collected here. */
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Shown from the copy kept for offline (storage.ts), until the server's first page replaces it. */
  stale: boolean;
}

/** A message on its way: shown at once, replaced by the stored one when the response comes. */
export interface Outgoing {
  clientMsgId: string;
  chatId: string;
  content: string;
  /** The seq of the message it replies to. */
  replyTo?: number | undefined;
  timestamp: number;
  /** Not stored: shown with Retry and Discard. */
  failed: boolean;
  /** It failed for want of a connection, so it goes out again by itself once there is one. */
  resendOnReconnect: boolean;
}

/** A page of history as getMessages returns it. */
export interface Page {
  messages: Message[];
  has_more: boolean;
}

export const TYPING_SHOWN_MS = 6_000;
/** Chats a getChats page asks for: 50 stay under 1 MB however long their last messages are. */
export const CHATS_PAGE = 50;

export const lastSeq = (c: Chat) => c.last_message?.seq ?? 0;
/** A group's size: a large group lists no members, only their count. */
export const memberCount = (c: Chat) => c.member_count ?? c.members?.length ?? 0;
export const unreadOf = (c: Chat) => Math.max(0, lastSeq(c) - c.last_read_seq);
/** The newer of two versions of a message: a deletion is final, otherwise the later edit. */
const newer = (a: Message, b: Message) => (a.deleted ? a : b.deleted ? b : (b.edited_at ?? 0) >= (a.edited_at ?? 0) ? b : a);
function keep(thread: Thread, m: Message): void {
  const old = thread.bySeq.get(m.seq);
  thread.bySeq.set(m.seq, old ? newer(old, m) : m);
}

export class Store {
  readonly chats = new Map<string, Chat>();
  /** getChats has answered; until then pushes about the list are already in what it will return. */
  listLoaded = false;
  /** The cursor of the next page of the chat list, while there is one. */
  listCursor: string | null = null;
  listLoadingMore = false;
  readonly threads = new Map<string, Thread>();
  readonly outgoing = new Map<string, Outgoing>();
  private readonly typingSeen = new Map<string, Map<string, number>>();
  openId: string | null = null;
  /** The latest messages of recent chats as last seen online, shown while offline. */
  savedThreads: Record<string, Message[]> = {};
  /** Whom the user blocks (getBlocked, then this side's own changes), in name order. */
  blocked: string[] = [];

  constructor(
    /** The signed-in username. */
    readonly me: string,
    readonly receipts: Receipts,
  ) {}

  get openChat(): Chat | undefined {
    return this.openId ? this.chats.get(this.openId) : undefined;
  }

  get openThread(): Thread | undefined {
    return this.openId ? this.threads.get(this.openId) : undefined;
  }

  // ---- The chat list ----

  /** The first page of the chat list. */
  setChats(page: { chats: Chat[]; cursor?: string }): void {
    this.chats.clear();
    for (const c of page.chats) this.chats.set(c.chat_id, c);
    this.listLoaded = true;
    this.listCursor = page.cursor ?? null;
  }

  /**
   * The chat list as last seen online, shown until getChats answers (a reload offline). It is
   * not `listLoaded`: pushes before getChats are already in what it will return.
   */
  setSaved(chats: Chat[], threads: Record<string, Message[]>): void {
    for (const c of chats) this.chats.set(c.chat_id, c);
    this.savedThreads = threads;
  }

  /** A thread shown from the saved copy: its latest messages as last seen. */
  savedThread(chatId: string): Thread | undefined {
    const saved = this.savedThreads[chatId];
    if (!saved?.length) return undefined;
    const thread = this.startThread(chatId);
    this.firstPage(thread, { messages: saved, has_more: true });
    thread.stale = true;
    return thread;
  }

  /** A later page: older chats; what pushes brought in meanwhile is kept where newer. */
  addChats(page: { chats: Chat[]; cursor?: string }): void {
    for (const c of page.chats) this.upsertChat(c);
    this.listCursor = page.cursor ?? null;
  }

  /** A newer version of a chat; what this side already knows to be newer is kept. */
  upsertChat(incoming: Chat): void {
    const old = this.chats.get(incoming.chat_id);
    const last =
      old?.last_message && (!incoming.last_message || old.last_message.seq > incoming.last_message.seq)
        ? old.last_message
        : incoming.last_message;
    const peerRead = Math.max(incoming.peer_last_read_seq ?? 0, old?.peer_last_read_seq ?? 0);
    this.chats.set(incoming.chat_id, {
      ...incoming,
      last_message: last,
      last_read_seq: Math.max(incoming.last_read_seq, old?.last_read_seq ?? 0),
      updated_at: Math.max(incoming.updated_at, old?.updated_at ?? 0),
      ...(incoming.type === "direct" && { peer_last_read_seq: peerRead }),
    });
  }

  // ---- Blocked users ----

  isBlocked(username: string): boolean {
    return this.blocked.some((b) => b.toLowerCase() === username.toLowerCase());
  }

  setBlocked(usernames: string[]): void {
    this.blocked = [...usernames];
  }

  block(username: string): void {
    if (!this.isBlocked(username))
      this.blocked = [...this.blocked, username].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  }

  unblock(username: string): void {
    this.blocked = this.blocked.filter((b) => b.toLowerCase() !== username.toLowerCase());
  }

  /** Forgets a chat and its thread; returns what it was, for saying so. */
  removeChat(chatId: string): Chat | undefined {
    const chat = this.chats.get(chatId);
    this.chats.delete(chatId);
    this.threads.delete(chatId);
    return chat;
  }

  /** Makes a chat in the list the open one; returns it, or undefined if it is not in the list. */
  open(chatId: string): Chat | undefined {
    const chat = this.chats.get(chatId);
    if (chat) this.openId = chatId;
    return chat;
  }

  close(): void {
    this.openId = null;
  }

  /** Unread messages over all chats, for the page title. */
  unreadTotal(): number {
    let total = 0;
    for (const c of this.chats.values()) total += unreadOf(c);
    return total;
  }

  readUpTo(chat: Chat, seq: number): void {
    chat.last_read_seq = Math.max(chat.last_read_seq, seq);
    // Everything mentioning you is at or below the last message: reading that far reads them.
    if (chat.last_read_seq >= lastSeq(chat)) delete chat.unread_mentions;
  }

  // ---- Messages ----

  /**
   * A message from a push or a response, into its thread and the list's last message and
   * unread count. Returns whether the list changed.
   */
  receive(m: Message, changed: boolean): boolean {
    const thread = this.threads.get(m.chat_id);
    // A change to a message older than what is loaded shows when that page is loaded.
    if (thread && (!changed || !thread.loaded || thread.bySeq.has(m.seq))) keep(thread, m);
    if (m.client_msg_id) this.outgoing.delete(m.client_msg_id);
    const chat = this.chats.get(m.chat_id);
    if (!chat || !this.listLoaded) return false;
    const last = chat.last_message;
    if (!last || m.seq > last.seq) {
      if (m.sender !== this.me && m.mentions?.includes(this.me)) chat.unread_mentions = (chat.unread_mentions ?? 0) + 1;
      chat.last_message = m;
      chat.updated_at = Math.max(chat.updated_at, m.timestamp);
    } else if (m.seq === last.seq) {
      chat.last_message = newer(last, m);
    }
    // Your own messages never count as unread (and sending reads the chat up to them).
    if (m.sender === this.me) this.readUpTo(chat, m.seq);
    return true;
  }

  /** An empty thread, in place before its first page is asked for so pushes that arrive meanwhile land in it. */
  startThread(chatId: string): Thread {
    const thread: Thread = { bySeq: new Map(), loaded: false, hasOlder: false, loadingOlder: false, stale: false };
    this.threads.set(chatId, thread);
    return thread;
  }

  firstPage(thread: Thread, page: Page): void {
    const oldest = page.messages[0]?.seq ?? Infinity;
    // Changes pushed meanwhile to messages older than this page would leave a hole in the history.
    if (page.has_more) for (const seq of thread.bySeq.keys()) if (seq < oldest) thread.bySeq.delete(seq);
    this.addPage(thread, page);
    thread.loaded = true;
    thread.stale = false;
  }

  addPage(thread: Thread, page: Page): void {
    for (const m of page.messages) keep(thread, m);
    thread.hasOlder = page.has_more;
  }

  /** Updates were skipped (retention): a chat's thread (or every one) is read afresh, the open one at once, the others when opened. */
  markStale(chatId?: string): void {
    for (const [id, thread] of this.threads) if (chatId === undefined || id === chatId) thread.stale = true;
    if (chatId === undefined) this.savedThreads = {};
    else delete this.savedThreads[chatId];
  }

  /** Online again: threads shown from the saved copy are asked for afresh when next opened (the open one at once). */
  dropStale(): void {
    for (const [id, thread] of this.threads) if (thread.stale && id !== this.openId) this.threads.delete(id);
  }

  dropThread(chatId: string): void {
    this.threads.delete(chatId);
  }

  queue(chatId: string, content: string, clientMsgId: string, replyTo?: number): Outgoing {
    const out: Outgoing = {
      clientMsgId,
      chatId,
      content,
      replyTo,
      timestamp: Date.now(),
      failed: false,
      resendOnReconnect: false,
    };
    this.outgoing.set(clientMsgId, out);
    return out;
  }

  discard(clientMsgId: string): void {
    this.outgoing.delete(clientMsgId);
  }

  // ---- Receipts and typing ----

  /** Returns whether it is mine and moved a chat's badge (read on another device of mine). */
  receipt(chatId: string, username: string, seq: number): boolean {
    this.receipts[chatId] ??= {};
    const forChat = this.receipts[chatId];
    forChat[username] = Math.max(forChat[username] ?? 0, seq);
    const chat = this.chats.get(chatId);
    if (!chat || username !== this.me) return false;
    this.readUpTo(chat, seq);
    return true;
  }

  typing(chatId: string, username: string): void {
    let forChat = this.typingSeen.get(chatId);
    if (!forChat) {
      forChat = new Map();
      this.typingSeen.set(chatId, forChat);
    }
    forChat.set(username, Date.now() + TYPING_SHOWN_MS);
  }

  stoppedTyping(chatId: string, username: string): void {
    this.typingSeen.get(chatId)?.delete(username);
  }

  typers(chatId: string): string[] {
    const now = Date.now();
    return [...(this.typingSeen.get(chatId) ?? [])].filter(([, until]) => until > now).map(([name]) => name);
  }
}
