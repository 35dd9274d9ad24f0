// "@" in the composer suggests the chat's members whose names start with what follows it:
// a listbox under the composer's text (aria-activedescendant points at the option chosen,
// so the keyboard never leaves the text). ArrowDown and ArrowUp choose, Enter or Tab picks,
// Escape closes the list, a click picks too; opening it is said in the live region. A small
// group's members (and a direct chat's) are in its Chat; a large group's are asked for with
// getMembers from where the prefix sorts (mention-text.ts), answers to older keystrokes dropped.
import type { Chat, ChatClient } from "edge-chat/client";
import { avatar, h } from "./dom";
import { mentionAt, pageAfter } from "./mention-text";

/** Names the list shows at most. */
const SHOWN = 8;

export class MentionSuggest {
  readonly el = h("ul", { class: "mention-list", id: "mention-list", role: "listbox", "aria-label": "Members to mention", hidden: true });
  private names: string[] = [];
  private active = 0;
  /** The latest keystroke's question: an answer to an older one is dropped. */
  private asked = 0;

  /** Listens on `area` first, so its keys are taken before the composer's own (Enter sends, Escape cancels a reply). */
  constructor(
    private readonly area: HTMLTextAreaElement,
    private readonly client: ChatClient,
    private readonly chat: () => Chat | undefined,
    private readonly me: string,
    private readonly announce: (text: string) => void,
  ) {
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", this.el.id);
    area.addEventListener("input", () => void this.update());
    area.addEventListener("keydown", (e) => this.key(e));
    area.addEventListener("blur", () => this.show([]));
  }

  private async update(): Promise<void> {
    const chat = this.chat();
    const prefix = mentionAt(this.area.value, this.area.selectionStart);
    const ask = ++this.asked;
    if (!chat || prefix === null) return this.show([]);
    const lower = prefix.toLowerCase();
    const fits = (name: string) => name !== this.me && name.toLowerCase().startsWith(lower);
    let names = (chat.members ?? []).filter(fits).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    if (!chat.members) {
      const after = pageAfter(prefix);
      const page = await this.client
        .getMembers({ chat_id: chat.chat_id, limit: SHOWN + 1, ...(after && { after }) })
        .catch(() => ({ members: [] }));
      if (ask !== this.asked) return;
      names = page.members.map((m) => m.username).filter(fits);
    }
    this.show(names.slice(0, SHOWN));
  }

  private show(names: string[]): void {
    const opening = !this.names.length && names.length > 0;
    this.names = names;
    this.active = 0;
    this.el.hidden = !names.length;
    this.el.replaceChildren(
      ...names.map((name, i) =>
        h(
          "li",
          {
            id: `mention-${i}`,
            class: "mention-option",
            role: "option",
            // The text keeps the keyboard (and its caret) through a click.
            on: { mousedown: (e) => e.preventDefault(), click: () => this.pick(name) },
          },
          avatar(name, "sm"),
          h("span", { class: "mention-name" }, name),
        ),
      ),
    );
    this.mark();
    if (opening)
      this.announce(`${names.length} member${names.length === 1 ? "" : "s"} to mention. Up and down arrows choose, Enter picks.`);
  }

  private mark(): void {
    for (const [i, li] of [...this.el.children].entries()) li.setAttribute("aria-selected", String(i === this.active));
    if (this.names.length) this.area.setAttribute("aria-activedescendant", `mention-${this.active}`);
    else this.area.removeAttribute("aria-activedescendant");
  }

  private key(e: KeyboardEvent): void {
    const n = this.names.length;
    if (!n || e.isComposing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.mark();
    } else if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") this.pick(this.names[this.active]!);
    else if (e.key === "Escape") this.show([]);
    else return;
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  /** Puts "@name " in place of what was typed after the "@"; the draft and the box's height follow (an input event). */
  private pick(name: string): void {
    const caret = this.area.selectionStart;
    const start = this.area.value.lastIndexOf("@", caret - 1);
    this.area.setRangeText(`@${name} `, start, caret, "end");
    this.show([]);
    this.area.dispatchEvent(new Event("input"));
  }
}
