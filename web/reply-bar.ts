// The quote of the message being answered, above the composer: Reply puts it there (the
// composer then holds the keyboard), Cancel or Escape takes it away, a send carries its seq
// as `reply_to` and clears it.
import type { Message } from "edge-chat/client";
import { h } from "./dom";

export class ReplyBar {
  /** The bar's element in the open chat's composer, set when the composer is drawn. */
  el: HTMLElement | null = null;
  /** The message being answered, if any. */
  replying: Message | null = null;

  constructor(
    private readonly focusComposer: () => void,
    private readonly announce: (text: string) => void,
  ) {}

  /** A new composer for `chatId`: a quote from another chat does not follow. */
  mount(chatId: string): HTMLElement {
    this.el = h("div", { class: "reply-bar", hidden: true });
    if (this.replying?.chat_id !== chatId) this.replying = null;
    this.render();
    return this.el;
  }

  /** The message's quote above the composer, which then holds the keyboard. */
  reply(m: Message): void {
    this.replying = m;
    this.render();
    this.focusComposer();
  }

  cancel(announce: boolean): void {
    if (!this.replying) return;
    this.replying = null;
    this.render();
    if (announce) this.announce("Reply cancelled.");
  }

  private render(): void {
    const el = this.el;
    const m = this.replying;
    if (!el) return;
    el.hidden = !m;
    if (!m) {
      el.replaceChildren();
      return;
    }
    const cancel = () => {
      this.cancel(true);
      this.focusComposer();
    };
    el.replaceChildren(
      h(
        "p",
        { class: "reply-bar-text" },
        h("span", { class: "quote-sender" }, `Replying to ${m.sender}`),
        " ",
        m.content || (m.attachment?.name ?? ""),
      ),
      h(
        "button",
        { type: "button", class: "btn-link btn-xs", "aria-label": `Cancel reply to ${m.sender}`, on: { click: cancel } },
        "Cancel",
      ),
    );
  }
}
