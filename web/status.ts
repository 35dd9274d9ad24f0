// What the logged-in app says about itself, whatever view is showing: the connection
// banner (above both panes, so a phone sees it inside a chat too), the one live region
// that announces what is new, and the unread count in the page title.
import type { ConnectionState } from "edge-chat/client";
import { h } from "./dom";

const TITLE = "edge-chat";
/** Announcements kept in the live region; removing older ones is not announced. */
const KEPT = 5;

export class AppStatus {
  readonly banner = h("p", { class: "conn", hidden: true });
  /**
   * Each announcement is a new paragraph, so the same words twice are read twice, and
   * aria-atomic="false" (a status region is atomic by default) reads only the new one.
   */
  readonly live = h("div", { class: "sr-only", role: "status", "aria-atomic": "false", "aria-relevant": "additions" });
  private offline = false;
  private state: ConnectionState = "closed";
  /** The browser's word on the network: it knows at once, the socket only after its heartbeat misses. */
  private network = navigator.onLine;

  renderConn(state: ConnectionState): void {
    this.state = state;
    this.render();
  }

  setNetwork(online: boolean): void {
    this.network = online;
    this.render();
  }

  private render(): void {
    const { state } = this;
    const offline = !this.network || state === "waiting";
    const text = !this.network
      ? "Offline. Waiting for the network…"
      : state === "ready"
        ? ""
        : state === "syncing"
          ? "Catching up…"
          : state === "waiting"
            ? "Offline. Reconnecting…"
            : "Connecting…";
    this.banner.textContent = text;
    this.banner.hidden = text === "";
    this.banner.classList.toggle("conn-bad", offline);
    if (offline && !this.offline) {
      this.offline = true;
      this.announce("Offline. What you send goes out when the connection is back.");
    } else if (state === "ready" && !offline && this.offline) {
      this.offline = false;
      this.announce("Back online.");
    }
  }

  announce(text: string): void {
    this.live.append(h("p", {}, text));
    while (this.live.childElementCount > KEPT) this.live.firstElementChild!.remove();
  }

  setUnread(count: number): void {
    const title = count > 0 ? `(${count}) ${TITLE}` : TITLE;
    // Setting the title costs the browser a few ms even when it is the same: it is set on every message.
    if (document.title !== title) document.title = title;
  }
}
