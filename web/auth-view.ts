// Logged out: log in, register, and password recovery (ask for a code, set a new password).
import type { ChatClient } from "edge-chat/client";
import { h, icon } from "./dom";
import { field, form } from "./forms";
import { loadDeviceToken } from "./storage";

type Tab = "login" | "register" | "recover";

export function renderAuth(root: HTMLElement, client: ChatClient, notice?: string): void {
  const panel = h("div", { class: "auth-panel", id: "auth-panel" });
  const noticeEl = h("p", { class: "notice", role: "status" }, notice ?? "");
  noticeEl.hidden = !notice;
  const tabs: Record<Exclude<Tab, "recover">, HTMLButtonElement> = {
    login: h(
      "button",
      {
        type: "button",
        role: "tab",
        id: "tab-login",
        "aria-controls": "auth-panel",
        on: { click: () => show("login") },
      },
      "Log in",
    ),
    register: h(
      "button",
      {
        type: "button",
        role: "tab",
        id: "tab-register",
        "aria-controls": "auth-panel",
        on: { click: () => show("register") },
      },
      "Register",
    ),
  };
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": "Account" }, tabs.login, tabs.register);
  // Arrow keys move between the two tabs, as the tabs pattern expects.
  tablist.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const next = document.activeElement === tabs.login ? "register" : "login";
    show(next);
    tabs[next].focus();
  });

  const setNotice = (text: string | null) => {
    noticeEl.hidden = text === null;
    noticeEl.textContent = text ?? "";
  };

  function show(tab: Tab, keepNotice = false): void {
    if (!keepNotice) setNotice(null);
    for (const [name, el] of Object.entries(tabs)) {
      el.setAttribute("aria-selected", String(name === tab));
      el.tabIndex = name === tab ? 0 : -1;
    }
    tablist.hidden = tab === "recover";
    // Recovery has no tab of its own, so its panel is not a tab panel.
    if (tab === "recover") {
      panel.removeAttribute("role");
      panel.removeAttribute("aria-labelledby");
    } else {
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", `tab-${tab}`);
    }
    panel.replaceChildren(tab === "login" ? loginForm() : tab === "register" ? registerForm() : recoverForms());
    panel.querySelector("input")?.focus();
  }

  function loginForm(): HTMLElement {
    const username = field("Username", "username", {
      autocomplete: "username",
      autocapitalize: "none",
      spellcheck: false,
    });
    const password = field("Password", "password", { type: "password", autocomplete: "current-password" });
    return form({
      fields: [username, password],
      submitLabel: "Log in",
      submit: async () => {
        const name = username.input.value.trim();
        // This browser's token for that name (storage.ts), so a flooded name still lets it in.
        const device = loadDeviceToken(name);
        await client.auth({ username: name, password: password.input.value, ...(device && { device_token: device }) });
      },
      extra: [h("button", { type: "button", class: "btn-link", on: { click: () => show("recover") } }, "Forgot password?")],
    }).el;
  }

  function registerForm(): HTMLElement {
    const username = field(
      "Username",
      "username",
      { autocomplete: "username", autocapitalize: "none", spellcheck: false, maxlength: "32" },
      "3–32 letters, digits, _ . or -",
    );
    const email = field("Email", "email", { type: "email", autocomplete: "email" }, "Only used to recover your password.");
    const password = field("Password", "password", { type: "password", autocomplete: "new-password" }, "At least 8 characters.");
    return form({
      fields: [username, email, password],
      submitLabel: "Register",
      submit: async () => {
        await client.register({
          username: username.input.value.trim(),
          email: email.input.value.trim(),
          password: password.input.value,
        });
      },
    }).el;
  }

  function recoverForms(): HTMLElement {
    const wrap = h("div", { class: "stack" });
    const back = () => h("button", { type: "button", class: "btn-link", on: { click: () => show("login") } }, "Back");
    const email = field("Email", "known_data", { type: "email", autocomplete: "email" }, "The address you registered with.");
    const ask = form({
      fields: [email],
      submitLabel: "Send code",
      submit: async () => {
        const res = await client.recovery({ known_data: email.input.value.trim(), known_data_type: "email" });
        setNotice(res.message);
        wrap.replaceChildren(title, resetForm());
        wrap.querySelector("input")?.focus();
      },
      extra: [back()],
    });
    const title = h("h2", { id: "recover-title", class: "auth-subtitle" }, "Reset your password");
    function resetForm(): HTMLElement {
      const code = field(
        "Code",
        "code",
        { autocomplete: "one-time-code", autocapitalize: "characters", spellcheck: false },
        "From the email we sent you.",
      );
      const password = field("New password", "new_password", { type: "password", autocomplete: "new-password" }, "At least 8 characters.");
      return form({
        fields: [code, password],
        submitLabel: "Set new password",
        submit: async () => {
          await client.resetPassword({ code: code.input.value.trim(), new_password: password.input.value });
          show("login");
          setNotice("Your password is changed. Log in with the new one.");
        },
        extra: [back()],
      }).el;
    }
    wrap.append(title, ask.el);
    return wrap;
  }

  root.replaceChildren(
    h(
      "main",
      { class: "auth" },
      h(
        "div",
        { class: "auth-card" },
        h("h1", { class: "brand brand-lg" }, h("span", { class: "brand-mark" }, icon("chat")), "edge-chat"),
        h("p", { class: "auth-lead" }, "Real-time chat at the edge."),
        noticeEl,
        tablist,
        panel,
      ),
    ),
  );
  show("login", true);
  // Quiet until used: no request before someone logs in. Served by the service worker while
  // the browser knows it is offline, the form says so at once; otherwise a failed submit does.
  if (!notice && !navigator.onLine) setNotice(OFFLINE);
}

const OFFLINE = "You are offline: the server can't be reached. Log in once the connection is back.";
