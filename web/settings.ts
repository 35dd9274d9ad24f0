// Settings, in the pane where a chat would be: the devices logged in to the account (each
// can be logged out), changing the password, the people you block, and deleting the account.
import type { ChatClient, DeviceSession } from "edge-chat/client";
import type { Dialogs } from "./dialogs";
import { fullTime, h, icon } from "./dom";
import { describe, field, form, showError } from "./forms";
import type { Store } from "./store";

/** What the settings ask of the rest of the app. */
export interface SettingsHost {
  /** Back to the chat list (the only view on a phone). */
  back(): void;
  /** The store's block list changed. */
  blockedChanged(): void;
}

export class Settings {
  readonly el = h("main", { class: "pane", "aria-labelledby": "settings-title", hidden: true });
  private devices = h("ul", { class: "settings-list", "aria-labelledby": "settings-devices" });
  private blockedList = h("ul", { class: "settings-list", "aria-labelledby": "settings-blocked" });
  private status = h("p", { class: "notice", role: "status", hidden: true });
  private error = h("p", { class: "form-error", role: "alert", hidden: true });

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly dialogs: Dialogs,
    private readonly host: SettingsHost,
  ) {}

  /** Shows the settings, with the device list fresh from the server. */
  show(): void {
    this.el.replaceChildren(
      h(
        "section",
        { class: "chat settings" },
        h(
          "header",
          { class: "chat-head" },
          h("button", { type: "button", class: "btn-icon back", "aria-label": "Back to chats", on: { click: () => this.host.back() } }, icon("back")),
          h("div", { class: "chat-head-text" }, h("h2", { id: "settings-title", class: "chat-title", tabindex: "-1" }, "Settings")),
        ),
        h(
          "div",
          { class: "settings-body" },
          this.status,
          this.error,
          this.section("settings-devices", "Devices", "Where you are logged in. Log out any device you do not recognise.", this.devices),
          this.section("settings-password", "Change password", "Your other devices will be logged out.", this.passwordForm()),
          this.section("settings-blocked", "Blocked users", "They cannot message you or add you to groups. They are not told.", this.blockedList),
          this.section("settings-delete", "Delete account", "Your account, your email address and your password are erased. Your messages stay in their chats, and your username stays reserved.", this.deleteButton()),
        ),
      ),
    );
    this.el.hidden = false;
    this.setStatus(null);
    this.renderBlocked();
    void this.loadDevices();
    this.el.querySelector<HTMLElement>("#settings-title")?.focus();
  }

  hide(): void {
    this.el.hidden = true;
    this.el.replaceChildren();
  }

  get shown(): boolean {
    return !this.el.hidden;
  }

  renderBlocked(): void {
    const names = this.store.blocked;
    this.blockedList.replaceChildren(
      ...(names.length
        ? names.map((name) =>
            h(
              "li",
              {},
              h("span", { class: "settings-item-main" }, name),
              h("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": `Unblock ${name}`, on: { click: () => void this.unblock(name) } }, "Unblock"),
            ),
          )
        : [h("li", { class: "settings-empty" }, "You have not blocked anyone.")]),
    );
  }

  // ---- Devices ----

  private async loadDevices(): Promise<void> {
    this.devices.replaceChildren(h("li", { class: "settings-empty" }, "Loading devices…"));
    try {
      const { sessions } = await this.client.getSessions();
      this.renderDevices(sessions);
    } catch (err) {
      this.devices.replaceChildren(h("li", { class: "settings-empty" }, describe(err)));
    }
  }

  private renderDevices(sessions: DeviceSession[]): void {
    this.devices.replaceChildren(
      ...sessions.map((s) => {
        const name = deviceName(s.user_agent);
        const where = [s.location, `last active ${fullTime(s.last_seen_at)}`].filter(Boolean).join(" · ");
        return h(
          "li",
          {},
          h(
            "span",
            { class: "settings-item-main" },
            h("span", {}, name, s.current ? h("span", { class: "tag" }, "this device") : null),
            h("span", { class: "settings-item-sub" }, `Logged in ${fullTime(s.created_at)} · ${where}`),
          ),
          h(
            "button",
            { type: "button", class: "btn btn-danger-outline btn-sm", "aria-label": `Log out ${s.current ? "this device" : name}`, on: { click: () => this.revoke(s, name) } },
            "Log out",
          ),
        );
      }),
    );
  }

  private revoke(s: DeviceSession, name: string): void {
    const text = s.current ? "You will need to log in again here." : `${name} will need to log in again.`;
    this.dialogs.confirm(s.current ? "Log out this device?" : `Log out ${name}?`, text, "Log out", async () => {
      await this.client.revokeSession({ session_id: s.session_id });
      if (s.current) return; // sessionEnded takes it from here
      this.setStatus(`${name} is logged out.`);
      await this.loadDevices();
    });
  }

  // ---- Password ----

  private passwordForm(): HTMLElement {
    const current = field("Current password", "password", { type: "password", autocomplete: "current-password" });
    const next = field("New password", "new_password", { type: "password", autocomplete: "new-password" }, "At least 8 characters.");
    const f = form({
      fields: [current, next],
      submitLabel: "Change password",
      className: "stack settings-form",
      submit: async () => {
        await this.client.changePassword({ password: current.input.value, new_password: next.input.value });
        current.input.value = next.input.value = "";
        this.setStatus("Your password is changed. Your other devices are logged out.");
        await this.loadDevices();
      },
    });
    return f.el;
  }

  // ---- Blocked users ----

  private async unblock(name: string): Promise<void> {
    try {
      await this.client.unblockUser({ username: name });
      this.store.unblock(name);
      this.host.blockedChanged();
      this.setStatus(`${name} is unblocked.`);
    } catch (err) {
      this.setStatus(null);
      showError(this.error, err);
    }
  }

  // ---- Deleting the account ----

  private deleteButton(): HTMLElement {
    return h(
      "button",
      {
        type: "button",
        class: "btn btn-danger",
        on: {
          click: () =>
            this.dialogs.confirmWithPassword(
              "Delete your account?",
              "This cannot be undone. Enter your password to delete your account for good.",
              "Delete account",
              async (password) => {
                await this.client.deleteAccount({ password });
              },
            ),
        },
      },
      "Delete account…",
    );
  }

  // ---- Parts ----

  private section(id: string, title: string, text: string, body: HTMLElement): HTMLElement {
    return h("section", { class: "settings-section", "aria-labelledby": id }, h("h3", { id }, title), h("p", { class: "settings-text" }, text), body);
  }

  private setStatus(text: string | null): void {
    this.error.hidden = true;
    this.status.hidden = text === null;
    this.status.textContent = text ?? "";
  }
}

/** "Firefox on Linux" from a User-Agent; the raw text where it says nothing we know. */
export function deviceName(userAgent: string): string {
  if (!userAgent) return "Unknown device";
  const browser = [
    ["Edg/", "Edge"],
    ["OPR/", "Opera"],
    ["Firefox/", "Firefox"],
    ["Chrome/", "Chrome"],
    ["Safari/", "Safari"],
  ].find(([needle]) => userAgent.includes(needle!))?.[1];
  const system = [
    ["iPhone", "iPhone"],
    ["iPad", "iPad"],
    ["Android", "Android"],
    ["Windows", "Windows"],
    ["Mac OS X", "macOS"],
    ["CrOS", "ChromeOS"],
    ["Linux", "Linux"],
  ].find(([needle]) => userAgent.includes(needle!))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}
