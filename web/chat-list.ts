// The sidebar: who is signed in, the actions that start a chat, the connection banner and
// the chat list, newest first, with unread badges and who is typing; older chats a page at
// a time.
import type { ChatClient } from "edge-chat/client";
import { avatar, h, icon, shortTime } from "./dom";
import { unreadOf, type Store } from "./store";

export interface ChatListActions {
  open(chatId: string): void;
  newChat(): void;
  newGroup(): void;
  settings(): void;
  /** Load the next page of older chats. */
  more(): void;
  logout(): void;
}

export class ChatList {
  readonly el: HTMLElement;
  private list = h("ul", { class: "chat-list", role: "list" });
  private listEmpty = h("p", { class: "list-empty" }, "No chats yet. Start one with New chat.");
  private conn = h("p", { class: "conn", role: "status" });
  private more: HTMLButtonElement;

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly actions: ChatListActions,
  ) {
    const me = store.me;
    this.more = h("button", { type: "button", class: "btn btn-ghost btn-sm list-more", hidden: true, on: { click: () => actions.more() } }, "Show older chats");
    this.el = h(
      "aside",
      { class: "sidebar", "aria-label": "Chats" },
      h(
        "header",
        { class: "side-head" },
        h("div", { class: "brand" }, h("span", { class: "brand-mark" }, icon("chat")), "edge-chat"),
        h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => actions.logout() } }, icon("logout"), h("span", {}, "Log out")),
      ),
      h(
        "div",
        { class: "me" },
        avatar(me, "sm"),
        h("span", { class: "me-name" }, "Signed in as ", h("strong", {}, me)),
        h("button", { type: "button", class: "btn btn-ghost btn-sm", on: { click: () => actions.settings() } }, icon("settings"), h("span", {}, "Settings")),
      ),
      h(
        "div",
        { class: "side-actions" },
        h("button", { type: "button", class: "btn btn-primary", on: { click: () => actions.newChat() } }, icon("plus"), "New chat"),
        h("button", { type: "button", class: "btn btn-secondary", on: { click: () => actions.newGroup() } }, icon("group"), "New group"),
      ),
      this.conn,
      h("nav", { class: "chat-nav", "aria-label": "Chat list" }, this.list, this.listEmpty, this.more),
    );
  }

  renderConn(): void {
    const s = this.client.state;
    const text = s === "ready" ? "" : s === "syncing" ? "Catching up…" : s === "waiting" ? "Offline. Reconnecting…" : "Connecting…";
    this.conn.textContent = text;
    this.conn.hidden = text === "";
    this.conn.classList.toggle("conn-bad", s === "waiting");
  }

  render(): void {
    const { store } = this;
    // Rebuilding the list would drop the focus of someone moving through it with the keyboard.
    const focused = (document.activeElement as HTMLElement | null)?.dataset.chatId;
    const chats = [...store.chats.values()].sort((a, b) => b.updated_at - a.updated_at || a.chat_id.localeCompare(b.chat_id));
    this.listEmpty.hidden = !store.listLoaded || chats.length > 0;
    this.more.hidden = store.listCursor === null;
    this.more.disabled = store.listLoadingMore;
    this.more.textContent = store.listLoadingMore ? "Loading older chats…" : "Show older chats";
    this.list.replaceChildren(
      ...chats.map((c) => {
        const unread = unreadOf(c);
        const typing = store.typers(c.chat_id);
        const preview = typing.length
          ? c.type === "direct"
            ? "typing…"
            : `${typing.join(", ")} typing…`
          : !c.last_message
            ? c.type === "group"
              ? `${c.members.length} members`
              : "No messages yet"
            : `${c.last_message.sender === store.me ? "You: " : c.type === "group" ? `${c.last_message.sender}: ` : ""}${c.last_message.deleted ? "Message deleted" : c.last_message.content || (c.last_message.content_type === "image" ? "Photo" : (c.last_message.attachment?.name ?? ""))}`;
        return h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: `chat-item${unread ? " has-unread" : ""}`,
              "data-chat-id": c.chat_id,
              "aria-current": c.chat_id === store.openId ? "true" : false,
              on: { click: () => this.actions.open(c.chat_id) },
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

  /** Back from a chat, the keyboard lands on it in the list (or on the first chat). */
  focusCurrent(): void {
    this.list.querySelector<HTMLElement>("[aria-current=true], .chat-item")?.focus();
  }
}
