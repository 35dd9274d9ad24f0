// The sidebar: who is signed in, the actions that start a chat, and the chat list, newest
// first, with unread badges and who is typing; older chats a page at a time. Rows are
// updated one by one (syncChildren), so the keyboard keeps its place in the list while it
// changes.
import type { Chat } from "edge-chat/client";
import { avatar, h, icon, shortTime, syncChildren, type Keyed } from "./dom";
import { memberCount, unreadOf, type Store } from "./store";

export interface ChatListActions {
  open(chatId: string): void;
  newChat(): void;
  newGroup(): void;
  /** Load the next page of older chats. */
  more(): void;
  settings(): void;
  logout(): void;
}

export class ChatList {
  readonly el: HTMLElement;
  private heading = h("h1", { class: "brand", tabindex: "-1" }, h("span", { class: "brand-mark" }, icon("chat")), "edge-chat");
  private list = h("ul", { class: "chat-list" });
  private listEmpty = h("p", { class: "list-empty" }, "No chats yet. Start one with New chat.");
  /** aria-disabled while a page loads, not disabled, which would drop the keyboard's focus. */
  private more = h("button", { type: "button", class: "btn btn-ghost btn-sm list-more", hidden: true }, "Show older chats");

  constructor(
    private readonly store: Store,
    private readonly actions: ChatListActions,
    /** Message search, between the actions and the list. */
    search: HTMLElement,
  ) {
    const me = store.me;
    this.more.addEventListener("click", () => store.listLoadingMore || actions.more());
    this.el = h(
      "section",
      { class: "sidebar", "aria-label": "Chats" },
      // One compact row: who is signed in, Settings and Log out as icons (named for screen readers and on hover).
      h(
        "header",
        { class: "side-head" },
        h("div", { class: "side-title" }, this.heading, h("p", { class: "me-name" }, "Signed in as ", h("strong", {}, me))),
        avatar(me, "sm"),
        h(
          "button",
          {
            type: "button",
            class: "btn-icon",
            "aria-label": "Settings",
            title: "Settings",
            "data-control": "settings",
            on: { click: () => actions.settings() },
          },
          icon("settings"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "btn-icon",
            "aria-label": "Log out",
            title: "Log out",
            on: { click: () => actions.logout() },
          },
          icon("logout"),
        ),
      ),
      h(
        "div",
        { class: "side-actions" },
        h("button", { type: "button", class: "btn btn-primary", on: { click: () => actions.newChat() } }, icon("plus"), "New chat"),
        h("button", { type: "button", class: "btn btn-secondary", on: { click: () => actions.newGroup() } }, icon("group"), "New group"),
      ),
      search,
      h("nav", { class: "chat-nav", "aria-label": "Chat list" }, this.list, this.listEmpty, this.more),
    );
  }

  render(): void {
    const { store } = this;
    const chats = [...store.chats.values()].sort((a, b) => b.updated_at - a.updated_at || a.chat_id.localeCompare(b.chat_id));
    // Until getChats answers, "Loading", not "No chats yet" (the saved list shows meanwhile, if there is one).
    this.listEmpty.hidden = chats.length > 0;
    this.listEmpty.textContent = store.listLoaded ? "No chats yet. Start one with New chat." : "Loading chats…";
    const rowsBefore = this.list.childElementCount;
    syncChildren(
      this.list,
      chats.map((c) => this.row(c)),
      () => this.heading,
    );
    const moreHadFocus = document.activeElement === this.more;
    this.more.hidden = store.listCursor === null;
    if (store.listLoadingMore) this.more.setAttribute("aria-disabled", "true");
    else this.more.removeAttribute("aria-disabled");
    this.more.textContent = store.listLoadingMore ? "Loading older chats…" : "Show older chats";
    // The last page is in and the button gone: the keyboard goes on to the first chat it brought.
    if (moreHadFocus && this.more.hidden) this.list.querySelectorAll<HTMLElement>(".chat-item")[rowsBefore]?.focus();
  }

  /** After logging in: the view's heading, so a screen reader says where the keyboard is. */
  focusHeading(): void {
    this.heading.focus();
  }

  /** Back from the settings, the keyboard lands on the button that opened them. */
  focusSettings(): void {
    this.el.querySelector<HTMLElement>('[data-control="settings"]')?.focus();
  }

  /** Back from a chat, the keyboard lands on it in the list (or on the first chat). */
  focusChat(chatId: string | null): void {
    const rows = [...this.list.querySelectorAll<HTMLElement>(".chat-item")];
    (rows.find((r) => r.dataset.chatId === chatId) ?? rows[0] ?? this.heading).focus();
  }

  private row(c: Chat): Keyed {
    const { store } = this;
    const unread = unreadOf(c);
    const typing = store.typers(c.chat_id);
    const preview = typing.length
      ? c.type === "direct"
        ? "typing…"
        : `${typing.join(", ")} typing…`
      : !c.last_message
        ? c.type === "group"
          ? `${memberCount(c)} members`
          : "No messages yet"
        : `${c.last_message.sender === store.me ? "You: " : c.type === "group" ? `${c.last_message.sender}: ` : ""}${c.last_message.deleted ? "Message deleted" : c.last_message.content || (c.last_message.content_type === "image" ? "Photo" : (c.last_message.attachment?.name ?? ""))}`;
    const time = c.last_message ? shortTime(c.last_message.timestamp) : "";
    const current = c.chat_id === store.openId;
    const render = () =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: `chat-item${unread ? " has-unread" : ""}`,
            "data-chat-id": c.chat_id,
            "data-control": "open",
            "aria-current": current ? "true" : false,
            on: { click: () => this.actions.open(c.chat_id) },
          },
          avatar(c.title),
          h(
            "span",
            { class: "chat-item-body" },
            h(
              "span",
              { class: "chat-item-top" },
              h("span", { class: "chat-item-title" }, c.title),
              c.type === "group" ? h("span", { class: "tag" }, "group") : null,
              c.last_message
                ? h("time", { class: "chat-item-time", datetime: new Date(c.last_message.timestamp).toISOString() }, time)
                : null,
            ),
            h(
              "span",
              { class: "chat-item-bottom" },
              h("span", { class: `chat-item-preview${typing.length ? " is-typing" : ""}` }, preview),
              c.unread_mentions ? h("span", { class: "badge badge-mention" }, "@", h("span", { class: "sr-only" }, " mentions you")) : null,
              unread ? h("span", { class: "badge" }, unread > 99 ? "99+" : unread, h("span", { class: "sr-only" }, " unread")) : null,
            ),
          ),
        ),
      );
    return {
      key: c.chat_id,
      version: JSON.stringify([c.title, c.type, preview, time, unread, c.unread_mentions, current, typing.length > 0]),
      render,
    };
  }
}
