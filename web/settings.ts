// Settings, in the pane where a chat would be: the app's appearance (light, dark, or as the
// system says), the devices logged in to the account (each can be logged out), changing the password, the people you block, and deleting the account.
// Its lists change item by item (syncChildren); what changed is said through the app's live
// region as well as shown.
import type { ChatClient, DeviceSession } from "edge-chat/client";
import type { Dialogs } from "./dialogs";
import { fullTime, h, icon, onePane, syncChildren, type Keyed } from "./dom";
import { describe, field, form, showError } from "./forms";
import { notificationsToggle } from "./notifications";
import { applyTheme, loadTheme, saveTheme, THEMES, type Theme } from "./storage";
import type { Store } from "./store";

/** What the settings ask of the rest of the app. */
export interface SettingsHost {
  /** Back to the chat list (the only view on a phone). */
  back(): void;
  /** Says something in the app's live region. */
  announce(text: string): void;
  /** The store's block list changed. */
  blockedChanged(): void;
}

const SECTIONS = {
  appearance: "Appearance",
  notifications: "Notifications",
  devices: "Devices",
  password: "Change password",
  blocked: "Blocked users",
  delete: "Delete account",
} as const;
type Section = keyof typeof SECTIONS;

export class Settings {
  readonly el = h("div", { class: "pane", hidden: true });
  private headEl = h("header", { class: "chat-head" });
  private headings = new Map<Section, HTMLElement>();
  private devices = h("ul", { class: "settings-list", "aria-labelledby": "settings-devices" });
  private blockedList = h("ul", { class: "settings-list", "aria-labelledby": "settings-blocked" });
  private notice = h("p", { class: "notice", hidden: true });
  private error = h("p", { class: "form-error", role: "alert", hidden: true });

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly dialogs: Dialogs,
    private readonly host: SettingsHost,
  ) {}

  /** Shows the settings, with the device list fresh from the server. */
  show(): void {
    this.headings.clear();
    this.setNotice(null);
    this.el.replaceChildren(
      h(
        "section",
        { class: "chat settings", "aria-labelledby": "settings-title" },
        this.headEl,
        h(
          "div",
          { class: "settings-body" },
          this.notice,
          this.error,
          this.section("appearance", "How the app looks on this device.", this.themeChoice()),
          this.section(
            "notifications",
            "New messages on this device while the app is closed. Each chat's menu chooses which.",
            notificationsToggle(this.client, (text) => this.host.announce(text)),
          ),
          this.section("devices", "Where you are logged in. Log out any device you do not recognise.", this.devices),
          this.section("password", "Your other devices will be logged out.", this.passwordForm()),
          this.section("blocked", "They cannot message you or add you to groups. They are not told.", this.blockedList),
          this.section(
            "delete",
            "Your account, your email address and your password are erased. Your messages stay in their chats, and your username stays reserved.",
            this.deleteButton(),
          ),
        ),
      ),
    );
    this.el.hidden = false;
    this.renderHead();
    this.renderBlocked();
    void this.loadDevices();
  }

  /** Light, dark, or the system's: radio buttons, so the arrow keys move between them. */
  private themeChoice(): HTMLElement {
    const current = loadTheme();
    const labels: Record<Theme, string> = { system: "As the system", light: "Light", dark: "Dark" };
    const group = h("fieldset", { class: "theme-choice" }, h("legend", { class: "sr-only" }, "Theme"));
    for (const theme of THEMES) {
      const input = h("input", {
        type: "radio",
        name: "theme",
        value: theme,
        id: `theme-${theme}`,
        checked: theme === current,
      });
      input.addEventListener("change", () => {
        saveTheme(theme);
        applyTheme(theme);
      });
      group.append(h("label", { class: "theme-option", for: `theme-${theme}` }, input, labels[theme]));
    }
    return group;
  }

  hide(): void {
    this.el.hidden = true;
    this.el.replaceChildren();
  }

  focusTitle(): void {
    this.headEl.querySelector<HTMLElement>("#settings-title")?.focus();
  }

  /** The title is the page's h1 when the settings are the only pane showing; the sections' headings one level below. */
  renderHead(): void {
    if (this.el.hidden) return;
    const level = onePane.matches ? 1 : 2;
    syncChildren(this.headEl, [
      {
        key: "back",
        version: "",
        render: () =>
          h(
            "button",
            {
              type: "button",
              class: "btn-icon back",
              "aria-label": "Back to chats",
              "data-control": "back",
              on: { click: () => this.host.back() },
            },
            icon("back"),
          ),
      },
      {
        key: "title",
        version: String(level),
        render: () =>
          h(
            "div",
            { class: "chat-head-text" },
            h(
              `h${level}` as "h1" | "h2",
              { id: "settings-title", class: "chat-title", tabindex: "-1", "data-control": "title" },
              "Settings",
            ),
          ),
      },
    ]);
    for (const [section, old] of this.headings) {
      if (old.tagName === `H${level + 1}`) continue;
      const fresh = heading(section, level + 1);
      old.replaceWith(fresh);
      this.headings.set(section, fresh);
    }
  }

  renderBlocked(): void {
    if (this.el.hidden) return;
    const names = this.store.blocked;
    const items: Keyed[] = names.length
      ? names.map((name) => ({
          key: `u:${name}`,
          version: "",
          render: () =>
            h(
              "li",
              {},
              h("span", { class: "settings-item-main" }, name),
              h(
                "button",
                {
                  type: "button",
                  class: "btn btn-ghost btn-sm",
                  "aria-label": `Unblock ${name}`,
                  on: { click: () => void this.unblock(name) },
                },
                "Unblock",
              ),
            ),
        }))
      : [
          {
            key: "empty",
            version: "",
            render: () => h("li", { class: "settings-empty" }, "You have not blocked anyone."),
          },
        ];
    syncChildren(this.blockedList, items, () => this.headings.get("blocked"));
  }

  // ---- Devices ----

  private async loadDevices(): Promise<void> {
    syncChildren(this.devices, [{ key: "loading", version: "", render: () => h("li", { class: "settings-empty" }, "Loading devices…") }]);
    try {
      const { sessions } = await this.client.getSessions();
      syncChildren(
        this.devices,
        sessions.map((s) => this.device(s)),
        () => this.headings.get("devices"),
      );
    } catch (err) {
      syncChildren(this.devices, [
        { key: "failed", version: describe(err), render: () => h("li", { class: "settings-empty" }, describe(err)) },
      ]);
    }
  }

  private device(s: DeviceSession): Keyed {
    const name = deviceName(s.user_agent);
    const where = [s.location, `last active ${fullTime(s.last_seen_at)}`].filter(Boolean).join(" · ");
    const render = () =>
      h(
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
          {
            type: "button",
            class: "btn btn-danger-outline btn-sm",
            "aria-label": `Log out ${s.current ? "this device" : name}`,
            on: { click: () => this.revoke(s, name) },
          },
          "Log out",
        ),
      );
    return { key: s.session_id, version: JSON.stringify([name, where, s.current]), render };
  }

  private revoke(s: DeviceSession, name: string): void {
    this.dialogs.confirm({
      title: s.current ? "Log out this device?" : `Log out ${name}?`,
      text: s.current ? "You will need to log in again here." : `${name} will need to log in again.`,
      action: "Log out",
      run: async () => {
        await this.client.revokeSession({ session_id: s.session_id });
        // This device's own: sessionEnded takes the app to the login screen.
        if (s.current) return;
        this.setNotice(`${name} is logged out.`);
        await this.loadDevices();
      },
      // Its row is gone: the keyboard goes to the list's heading.
      done: () => this.headings.get("devices")?.focus(),
    });
  }

  // ---- Password ----

  private passwordForm(): HTMLElement {
    const current = field("Current password", "password", { type: "password", autocomplete: "current-password" });
    const next = field("New password", "new_password", { type: "password", autocomplete: "new-password" }, "At least 8 characters.");
    return form({
      fields: [current, next],
      submitLabel: "Change password",
      className: "stack settings-form",
      submit: async () => {
        await this.client.changePassword({ password: current.input.value, new_password: next.input.value });
        current.input.value = next.input.value = "";
        this.setNotice("Your password is changed. Your other devices are logged out.");
        await this.loadDevices();
      },
    }).el;
  }

  // ---- Blocked users ----

  private async unblock(name: string): Promise<void> {
    try {
      await this.client.unblockUser({ username: name });
      this.store.unblock(name);
      this.setNotice(`${name} is unblocked.`);
      this.host.blockedChanged();
    } catch (err) {
      this.setNotice(null);
      showError(this.error, err);
    }
  }

  // ---- Deleting the account ----

  private deleteButton(): HTMLElement {
    const ask = () =>
      this.dialogs.confirmWithPassword({
        title: "Delete your account?",
        text: "This cannot be undone. Enter your password to delete your account for good.",
        action: "Delete account",
        // On success the session ends and the app goes back to the login screen.
        run: async (password) => void (await this.client.deleteAccount({ password })),
      });
    return h("button", { type: "button", class: "btn btn-danger", on: { click: ask } }, "Delete account…");
  }

  // ---- Parts ----

  private section(section: Section, text: string, body: HTMLElement): HTMLElement {
    const title = heading(section, onePane.matches ? 2 : 3);
    this.headings.set(section, title);
    return h(
      "section",
      { class: "settings-section", "aria-labelledby": `settings-${section}` },
      title,
      h("p", { class: "settings-text" }, text),
      body,
    );
  }

  /** Shown where the settings are, and said by the live region. */
  private setNotice(text: string | null): void {
    this.error.hidden = true;
    this.notice.hidden = text === null;
    this.notice.textContent = text ?? "";
    if (text !== null) this.host.announce(text);
  }
}

function heading(section: Section, level: number): HTMLElement {
  return h(`h${level}` as "h2" | "h3", { id: `settings-${section}`, tabindex: "-1" }, SECTIONS[section]);
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
