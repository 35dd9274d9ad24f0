// Message search, above the chat list: a search field (Ctrl+K or / anywhere focuses it),
// results as they are typed (each with its chat, sender, time and the matching words), and
// Enter or a click on a result opens the chat at that message. Results are buttons in a
// list, so the keyboard and screen readers reach them as they reach the chats.
import type { ChatClient, SearchResult } from "edge-chat/client";
import { h, shortTime } from "./dom";
import type { Store } from "./store";

/** How long typing pauses before the query is sent. */
const TYPING_PAUSE_MS = 250;

export interface SearchActions {
  openAt(chatId: string, seq: number): void;
  announce(text: string): void;
}

export class MessageSearch {
  readonly el: HTMLElement;
  private readonly input = h("input", {
    id: "message-search",
    type: "search",
    class: "search-input",
    placeholder: "Search messages (Ctrl+K)",
    autocomplete: "off",
    maxlength: "200",
    "aria-keyshortcuts": "Control+K /",
  });
  private readonly list = h("ul", { class: "search-results", "aria-label": "Search results", hidden: true });
  private readonly empty = h("p", { class: "list-empty", hidden: true }, "No messages found.");
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Answers to older queries are dropped. */
  private asked = 0;

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly actions: SearchActions,
  ) {
    this.el = h(
      "form",
      { class: "side-search", role: "search", on: { submit: (e: Event) => this.submit(e) } },
      h("label", { for: "message-search", class: "sr-only" }, "Search messages"),
      this.input,
      this.list,
      this.empty,
    );
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.run(), TYPING_PAUSE_MS);
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.input.value) {
        e.preventDefault();
        this.clear();
      } else if (e.key === "ArrowDown") {
        const first = this.list.querySelector<HTMLElement>("button");
        if (!first) return;
        e.preventDefault();
        first.focus();
      }
    });
  }

  /** Ctrl+K, or / outside a text field: the search field takes the keyboard. */
  shortcut(e: KeyboardEvent): void {
    const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName));
    if (((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") || (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey)) {
      e.preventDefault();
      this.input.focus();
      this.input.select();
    }
  }

  private submit(e: Event): void {
    e.preventDefault();
    void this.run();
  }

  private clear(): void {
    this.input.value = "";
    this.asked++;
    this.list.hidden = true;
    this.empty.hidden = true;
    this.list.replaceChildren();
  }

  private async run(): Promise<void> {
    clearTimeout(this.timer);
    const query = this.input.value.trim();
    if (!query) return this.clear();
    const mine = ++this.asked;
    let results: SearchResult[];
    try {
      results = (await this.client.searchMessages({ query, limit: 20 })).results;
    } catch {
      if (mine === this.asked) this.actions.announce("Search failed. Try again.");
      return;
    }
    if (mine !== this.asked) return;
    this.list.replaceChildren(...results.map((r) => this.item(r)));
    this.list.hidden = results.length === 0;
    this.empty.hidden = results.length > 0;
    this.actions.announce(results.length ? `${results.length} message${results.length === 1 ? "" : "s"} found.` : "No messages found.");
  }

  private item(r: SearchResult): HTMLElement {
    const title = this.store.chats.get(r.chat_id)?.title ?? "Chat";
    return h(
      "li",
      {},
      h(
        "button",
        { type: "button", class: "search-result", on: { click: () => this.actions.openAt(r.chat_id, r.message.seq) } },
        h(
          "span",
          { class: "search-head" },
          h("strong", { class: "search-chat" }, title),
          h("span", { class: "search-sender" }, r.message.sender),
          h("time", { datetime: new Date(r.message.timestamp).toISOString() }, shortTime(r.message.timestamp)),
        ),
        h("span", { class: "search-snippet" }, ...marked(r.snippet)),
      ),
    );
  }
}

/** The snippet with its « » matches as <mark>, as text (a message is never HTML). */
function marked(snippet: string): (string | HTMLElement)[] {
  return snippet.split(/(«[^»]*»)/).map((part) => (part.startsWith("«") && part.endsWith("»") ? h("mark", {}, part.slice(1, -1)) : part));
}
