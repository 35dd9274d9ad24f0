// The open chat's thread: the messages (older pages loaded on scrolling up), where it opens
// (at the first unread, under a "New messages" divider, else where it was left, else at the
// bottom), staying at the bottom while it is there, the jump-to-latest button with how many
// are new below, and telling the server what was read: only what has been on the screen
// while the page was visible.
//
// The thread is a plain list updated item by item (syncChildren): a new message adds one
// item and a receipt changes one, so a screen reader is not handed the thread again and
// focus on a message's button stays put. Long threads are windowed: at most MAX_ITEMS
// messages are in the page at once, a contiguous run in reading order, grown a step at a
// time as the thread is scrolled towards either end (the keyboard's PageUp and End scroll
// it the same way). What is new is announced by the app's one live region (status.ts).
import type { Chat, ChatClient, Message } from "edge-chat/client";
import { dayLabel, h, icon, syncChildren, type Keyed } from "./dom";
import { describe } from "./forms";
import type { FocusTarget, MessageItems } from "./message-item";
import type { Store, Thread } from "./store";
import { loadUntil, lowerBound, sortedSeqs, upperBound } from "./thread-seqs";

export const PAGE = 50;
/** Messages kept in the page while following the latest. */
const WINDOW = 60;
/** Messages added at a time when the window grows towards an end. */
const STEP = 40;
/** The most messages in the page at once. */
const MAX_ITEMS = 120;
/** This close to the bottom (px) counts as at the bottom. */
const NEAR_BOTTOM = 80;
/** This close to an end of what is drawn (px), more is drawn (or loaded). */
const NEAR_EDGE = 240;
/** Messages drawn above the first unread when a chat opens there. */
const CONTEXT = 5;

export interface ThreadHost {
  /** The store changed what the chat list shows (a chat was read). */
  listChanged(): void;
}

/** Where a chat's thread was left: the run of messages drawn and the scroll position. */
interface Place {
  from: number;
  to: number | null;
  top: number;
  atBottom: boolean;
}

export class ThreadView {
  readonly el: HTMLElement;
  private readonly region: HTMLElement;
  private readonly olderEl = h("div", { class: "older" });
  private readonly messagesEl = h("ol", { class: "messages" });
  private readonly jump: HTMLButtonElement;
  private readonly io: IntersectionObserver;
  private readonly ro: ResizeObserver;
  private chatId: string | null = null;
  /** The seq of the first message drawn, and of the last (null: follow the latest). */
  private from = 0;
  private to: number | null = null;
  /** The view is at the bottom and stays there as the thread grows. */
  private atBottom = true;
  /** A scroll position this view set, whose scroll event is not the reader's. */
  private setTop: number | null = null;
  /** Where the chat was unread from when it was opened: the "New messages" divider goes above it. */
  private unreadFrom: number | null = null;
  /** Unread messages on the screen now, and the highest seq that has been on it while the page was visible. */
  private readonly onScreen = new Set<number>();
  private seen = 0;
  private readonly marking = new Set<string>();
  private readonly places = new Map<string, Place>();
  private focusNext: FocusTarget | null = null;

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly items: MessageItems,
    private readonly host: ThreadHost,
  ) {
    // Focusable, so PageUp, Home and the arrows scroll it from the keyboard.
    this.region = h("div", { class: "thread", tabindex: "0", role: "region", "aria-label": "Messages" }, this.olderEl, this.messagesEl);
    this.jump = h("button", { type: "button", class: "jump", hidden: true, on: { click: () => this.toLatest() } });
    // Drawn over the thread's corner, but first in the tab order: one Shift+Tab from the thread, not past every message.
    this.el = h("div", { class: "thread-wrap" }, this.jump, this.region);
    this.region.addEventListener("scroll", () => this.scrolled(), { passive: true });
    this.io = new IntersectionObserver((entries) => this.watched(entries), {
      root: this.region,
      threshold: [0, 0.5, 1],
    });
    // Photos taking their size, the composer growing, a phone's keyboard: the bottom stays in view.
    this.ro = new ResizeObserver(() => {
      if (this.atBottom) this.scrollTo(this.region.scrollHeight);
    });
    this.ro.observe(this.messagesEl);
    this.ro.observe(this.region);
  }

  /** A chat is being opened: its thread shows "Loading" until `opened`. */
  mount(chat: Chat): void {
    this.leave();
    this.chatId = chat.chat_id;
    this.unreadFrom = null;
    this.seen = 0;
    this.atBottom = true;
    this.focusNext = null;
    syncChildren(this.olderEl, []);
    syncChildren(this.messagesEl, [note("Loading messages…")]);
    this.renderJump(0);
  }

  /** Keeps where the open chat was left (the chat is switched away from or closed). */
  leave(): void {
    if (this.chatId && this.store.threads.get(this.chatId)?.loaded)
      this.places.set(this.chatId, {
        from: this.from,
        to: this.to,
        top: this.region.scrollTop,
        atBottom: this.atBottom,
      });
    this.chatId = null;
    this.io.disconnect();
    this.onScreen.clear();
  }

  failed(err: unknown): void {
    syncChildren(this.messagesEl, [note(describe(err))]);
  }

  /** The first page is in (and the first unread with it): draws the thread where it should open. */
  async opened(chat: Chat): Promise<void> {
    const thread = this.store.threads.get(chat.chat_id);
    if (!thread) return;
    const firstUnread = this.firstUnread(chat, thread);
    if (firstUnread === null) {
      const place = this.places.get(chat.chat_id);
      this.atBottom = !place || place.atBottom;
      this.from = place?.from ?? 0;
      this.to = place?.to ?? null;
      this.render();
      if (place && !place.atBottom) this.scrollTo(place.top);
    } else {
      this.unreadFrom = firstUnread;
      const seqs = sortedSeqs(thread);
      const at = seqs.indexOf(firstUnread);
      this.from = seqs[Math.max(0, at - CONTEXT)] ?? 0;
      const last = at - CONTEXT + MAX_ITEMS - 1;
      this.to = last < seqs.length - 1 ? seqs[last]! : null;
      this.atBottom = false;
      this.render();
      const divider = this.messagesEl.querySelector<HTMLElement>(".new-divider");
      this.scrollTo(divider ? divider.offsetTop - 8 : this.region.scrollHeight);
      this.atBottom = this.distanceToBottom() < NEAR_BOTTOM;
      this.renderJump(this.newBelow(chat, thread));
    }
    await this.fill();
  }

  /** The first unread message from someone else, with older pages loaded until it is in. */
  private firstUnread(chat: Chat, thread: Thread): number | null {
    const unread = [...thread.bySeq.values()].filter((m) => m.seq > chat.last_read_seq && m.sender !== this.store.me);
    if (!unread.length) return null;
    return Math.min(...unread.map((m) => m.seq));
  }

  /** Loads older pages until `seq` is in the thread (the first unread, say), at most `pages` of them. */
  reach(chatId: string, seq: number, pages = 4): Promise<void> {
    return loadUntil(this.store, this.client, chatId, seq, pages, CONTEXT);
  }

  /** Draws the thread around message `seq` (loading pages until it is in), in view, with the keyboard on it. */
  async reveal(chatId: string, seq: number): Promise<void> {
    await this.reach(chatId, seq, Infinity);
    const thread = this.store.threads.get(chatId);
    if (chatId !== this.chatId || !thread?.bySeq.has(seq)) return;
    const seqs = sortedSeqs(thread);
    const at = seqs.indexOf(seq);
    this.from = seqs[Math.max(0, at - CONTEXT)]!;
    this.to = at - CONTEXT + MAX_ITEMS - 1 < seqs.length - 1 ? seqs[at - CONTEXT + MAX_ITEMS - 1]! : null;
    this.atBottom = false;
    this.render();
    const li = this.messagesEl.querySelector<HTMLElement>(`li[data-seq="${seq}"]`);
    li?.scrollIntoView({ block: "center" });
    li?.focus();
  }

  // ---- Read state ----

  /** Which unread messages are on the screen: what is on it while the page is visible has been read. */
  private watched(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      const seq = Number((e.target as HTMLElement).dataset.seq);
      const half = (e.rootBounds?.height ?? Infinity) / 2;
      if (e.isIntersecting && e.target.isConnected && (e.intersectionRatio >= 0.5 || e.intersectionRect.height >= half))
        this.onScreen.add(seq);
      else this.onScreen.delete(seq);
    }
    this.markReadSoon();
  }

  /** Tells the server how far the open chat is read: up to the latest message that has been on the screen. */
  markReadSoon(): void {
    const chat = this.store.openChat;
    if (!chat || chat.chat_id !== this.chatId || document.visibilityState !== "visible") return;
    for (const seq of this.onScreen) this.seen = Math.max(this.seen, seq);
    if (this.client.state !== "ready" || this.seen <= chat.last_read_seq || this.marking.has(chat.chat_id)) return;
    const seq = this.seen;
    this.marking.add(chat.chat_id);
    this.store.readUpTo(chat, seq);
    this.host.listChanged();
    this.renderJump(this.newBelow(chat, this.store.openThread));
    this.client
      .markRead({ chat_id: chat.chat_id, seq })
      .catch(() => undefined)
      .finally(() => {
        this.marking.delete(chat.chat_id);
        this.markReadSoon();
      });
  }

  /** Messages from others below what has been read. */
  private newBelow(chat: Chat, thread: Thread | undefined): number {
    let n = 0;
    for (const m of thread?.bySeq.values() ?? []) if (m.seq > chat.last_read_seq && m.sender !== this.store.me) n++;
    return n;
  }

  // ---- Scrolling ----

  private distanceToBottom(): number {
    return this.region.scrollHeight - this.region.scrollTop - this.region.clientHeight;
  }

  private scrollTo(top: number): void {
    this.region.scrollTop = top;
    this.setTop = this.region.scrollTop;
  }

  private scrolled(): void {
    // Not the reader's scroll: one this view made (to the bottom, say), or the thread shrinking under it.
    if (this.region.scrollTop === this.setTop) return;
    this.setTop = null;
    this.atBottom = this.to === null && this.distanceToBottom() < NEAR_BOTTOM;
    const chat = this.store.openChat;
    if (chat) this.renderJump(this.newBelow(chat, this.store.openThread));
    if (this.region.scrollTop < NEAR_EDGE) void this.growUp();
    else if (this.to !== null && this.distanceToBottom() < NEAR_EDGE) this.growDown();
  }

  /** Draws older messages above (from the store, else the server's next page), keeping the view where it is. */
  private async growUp(): Promise<void> {
    const thread = this.store.openThread;
    const chatId = this.chatId;
    if (!thread || !chatId) return;
    const seqs = sortedSeqs(thread);
    const at = lowerBound(seqs, this.from);
    if (at === 0) return this.loadOlder(chatId);
    this.from = seqs[Math.max(0, at - STEP)]!;
    const last = upperBound(seqs, this.to ?? Infinity) - 1;
    if (last - lowerBound(seqs, this.from) + 1 > MAX_ITEMS) this.to = seqs[lowerBound(seqs, this.from) + MAX_ITEMS - 1]!;
    this.render();
  }

  /** Draws newer messages below; once the latest is drawn, the thread follows it again. */
  private growDown(): void {
    const thread = this.store.openThread;
    if (!thread || this.to === null) return;
    const seqs = sortedSeqs(thread);
    const next = upperBound(seqs, this.to) - 1 + STEP;
    this.to = next >= seqs.length - 1 ? null : seqs[next]!;
    const end = this.to === null ? seqs.length : next + 1;
    if (end - lowerBound(seqs, this.from) > MAX_ITEMS) this.from = seqs[end - MAX_ITEMS]!;
    this.render();
  }

  /** The jump-to-latest button: draws the latest and goes there; the keyboard goes to the thread. */
  private toLatest(): void {
    this.to = null;
    this.render(true);
    this.region.focus();
  }

  private async loadOlder(chatId: string): Promise<void> {
    const thread = this.store.threads.get(chatId);
    if (!thread?.hasOlder || thread.loadingOlder) return;
    const oldest = Math.min(...thread.bySeq.keys());
    thread.loadingOlder = true;
    this.renderOlder();
    try {
      this.store.addPage(thread, await this.client.getMessages({ chat_id: chatId, before_seq: oldest, limit: PAGE }));
    } catch {
      // Offline, say: the button stays, and scrolling up or pressing it tries again.
      return;
    } finally {
      thread.loadingOlder = false;
      if (chatId === this.chatId) this.renderOlder();
    }
    if (chatId !== this.chatId) return;
    // The window grows over the new page a step at a time, like over what was already loaded.
    const seqs = sortedSeqs(thread);
    this.from = seqs[Math.max(0, lowerBound(seqs, oldest) - STEP)]!;
    const first = lowerBound(seqs, this.from);
    if (upperBound(seqs, this.to ?? Infinity) - first > MAX_ITEMS) this.to = seqs[first + MAX_ITEMS - 1]!;
    this.render();
    await this.fill();
  }

  /** A short first page leaves nothing to scroll: load older ones until there is. */
  private async fill(): Promise<void> {
    const thread = this.store.openThread;
    if (this.chatId && thread?.hasOlder && this.region.scrollHeight <= this.region.clientHeight + 40) await this.loadOlder(this.chatId);
  }

  // ---- Drawing ----

  private renderJump(count: number): void {
    const show = !this.atBottom || this.to !== null;
    this.jump.hidden = !show;
    if (!show) return;
    const label = count ? `Jump to latest message, ${count} new` : "Jump to latest message";
    if (this.jump.getAttribute("aria-label") === label) return;
    this.jump.setAttribute("aria-label", label);
    this.jump.replaceChildren(
      icon("down"),
      count ? h("span", { class: "jump-count", "aria-hidden": "true" }, count > 99 ? "99+" : count) : "",
    );
  }

  private renderOlder(): void {
    const thread = this.store.openThread;
    if (!thread || !this.chatId) return;
    const chatId = this.chatId;
    const drawnFromStart = sortedSeqs(thread)[0] === undefined || this.from <= sortedSeqs(thread)[0]!;
    // The button stays (aria-disabled, not disabled, which would drop its focus) while a page loads.
    const item: Keyed | null = !drawnFromStart
      ? null
      : thread.hasOlder || thread.loadingOlder
        ? {
            key: "older",
            version: String(thread.loadingOlder),
            render: () =>
              h(
                "button",
                {
                  type: "button",
                  class: "btn btn-ghost btn-sm",
                  "aria-disabled": thread.loadingOlder ? "true" : false,
                  on: { click: () => !thread.loadingOlder && void this.loadOlder(chatId) },
                },
                thread.loadingOlder ? "Loading older messages…" : "Load older messages",
              ),
          }
        : {
            key: "start",
            version: "",
            render: () => h("p", { class: "thread-note" }, "This is the beginning of the conversation."),
          };
    syncChildren(this.olderEl, item ? [item] : [], () => this.region);
  }

  /** Draws the open thread's window; stays at the bottom if it was there (or `toBottom`), else keeps the view where it is. */
  render(toBottom = false): void {
    const { store } = this;
    const chat = store.openChat;
    const thread = store.openThread;
    if (!chat || chat.chat_id !== this.chatId || !thread?.loaded) return;
    if (toBottom) this.atBottom = true;
    if (this.atBottom) this.to = null;
    const all = [...thread.bySeq.values()].sort((a, b) => a.seq - b.seq);
    let first = lowerBound(
      all.map((m) => m.seq),
      this.from,
    );
    const end =
      this.to === null
        ? all.length
        : upperBound(
            all.map((m) => m.seq),
            this.to,
          );
    // Following the latest at the bottom, the window moves with it; reading higher up, it only grows.
    if (this.atBottom) first = Math.max(0, Math.min(first, end - WINDOW), end - MAX_ITEMS);
    this.from = all[first]?.seq ?? 0;
    const anchor = this.atBottom ? null : this.anchor();

    const lastMine = all.findLast((m) => m.sender === store.me && !m.deleted);
    const items: Keyed[] = [];
    let prev: Message | undefined = all[first - 1];
    for (const m of all.slice(first, end)) {
      const day = new Date(m.timestamp).toDateString();
      if (!prev || new Date(prev.timestamp).toDateString() !== day) {
        const label = dayLabel(m.timestamp);
        items.push({
          key: `day:${day}`,
          version: label,
          render: () => h("li", { class: "day" }, h("span", {}, label)),
        });
      }
      if (m.seq === this.unreadFrom)
        items.push({
          key: "new",
          version: "",
          render: () => h("li", { class: "new-divider" }, h("span", {}, "New messages")),
        });
      const unread = m.seq > chat.last_read_seq && m.sender !== store.me;
      items.push(this.items.message(chat, m, prev, m === lastMine ? this.items.readState(chat, m.seq) : null, unread));
      prev = m;
    }
    if (this.to === null) for (const out of store.outgoing.values()) if (out.chatId === chat.chat_id) items.push(this.items.outgoing(out));
    if (!items.length) items.push(note("No messages yet. Say hello!"));
    syncChildren(this.messagesEl, items, () => this.region);
    for (const li of this.messagesEl.querySelectorAll("li[data-unread]")) this.io.observe(li);
    this.renderOlder();
    if (this.atBottom) this.scrollTo(this.region.scrollHeight);
    else if (anchor) this.restore(anchor);
    this.renderJump(this.newBelow(chat, thread));
    if (this.focusNext) this.focusItem(this.focusNext);
  }

  /** The first item in view and how far below the top of the view it is. */
  private anchor(): { key: string; offset: number } | null {
    const top = this.region.scrollTop;
    // A message, not a day or the divider: those move to wherever the window starts.
    for (const li of this.messagesEl.children as HTMLCollectionOf<HTMLElement>)
      if (li.offsetTop + li.offsetHeight > top && li.dataset.key && li.dataset.seq)
        return { key: li.dataset.key, offset: li.offsetTop - top };
    return null;
  }

  private restore(anchor: { key: string; offset: number }): void {
    const li = this.itemEl(anchor.key);
    if (li) this.scrollTo(li.offsetTop - anchor.offset);
  }

  private itemEl(key: string): HTMLElement | undefined {
    return [...this.messagesEl.children].find((c) => (c as HTMLElement).dataset.key === key) as HTMLElement | undefined;
  }

  /** Focuses a message's control, or the message, now or (`later`, or not drawn yet) as soon as the thread shows it. */
  focusItem(target: FocusTarget, later = false): void {
    this.focusNext = target;
    const item = later ? undefined : this.itemEl(target.key);
    if (!item) return;
    this.focusNext = null;
    ((target.control && item.querySelector<HTMLElement>(`[data-control="${target.control}"]`)) || item).focus();
  }
}

const note = (text: string): Keyed => ({
  key: "note",
  version: text,
  render: () => h("li", { class: "thread-note" }, text),
});
