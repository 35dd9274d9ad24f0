// The composer's Send button under a group's slow mode: after a member's send (or a 429
// slow_mode with retry_after_ms) it says "Wait N s" and stays disabled until the chat lets
// them send again, counting down once a second. Per chat, so switching away and back keeps it.
export class SlowSend {
  /** The open chat's Send button, set when the composer is drawn. */
  button: HTMLButtonElement | null = null;
  private readonly until = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly openId: () => string | null,
    private readonly focusComposer: () => void,
  ) {}

  /** `chatId` takes no message for `ms`. */
  slowDown(chatId: string, ms: number): void {
    this.until.set(chatId, Date.now() + ms);
    this.render();
  }

  /** The Send button: "Wait N s" and disabled while the open chat's slow mode holds the next message. */
  render(): void {
    clearTimeout(this.timer);
    const button = this.button;
    const chatId = this.openId();
    if (!button || !chatId) return;
    const left = Math.ceil(((this.until.get(chatId) ?? 0) - Date.now()) / 1000);
    const label = button.querySelector("span")!;
    if (left > 0) {
      const wasFocused = document.activeElement === button;
      button.disabled = true;
      label.textContent = `Wait ${left} s`;
      button.setAttribute("aria-label", `Slow mode: you can send again in ${left} seconds`);
      if (wasFocused) this.focusComposer();
      this.timer = setTimeout(() => this.render(), 1000);
    } else if (button.disabled) {
      this.until.delete(chatId);
      button.disabled = false;
      label.textContent = "Send";
      button.removeAttribute("aria-label");
    }
  }
}
