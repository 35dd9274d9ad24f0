// Labelled fields and forms that show the server's (or the library's) errors where they belong.
import { ClientError } from "edge-chat/client";
import { h } from "./dom";

let nextId = 0;

export interface Field {
  wrap: HTMLElement;
  input: HTMLInputElement;
  /** The request field this one fills, to place `fields` errors on it. */
  name: string;
  label: string;
  setError(message: string | null): void;
}

export function field(label: string, name: string, attrs: Record<string, string | boolean> = {}, hint?: string): Field {
  const id = `f${++nextId}`;
  const input = h("input", { id, name, required: true, ...attrs });
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const hintEl = hint ? h("p", { class: "field-hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), input, hintEl, error);
  return {
    wrap,
    input,
    name,
    label,
    setError(message) {
      error.hidden = message === null;
      error.textContent = message ?? "";
      if (message === null) input.removeAttribute("aria-invalid");
      else input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", [hintEl?.id, message !== null ? error.id : null].filter(Boolean).join(" "));
    },
  };
}

/** The request failed because the server could not be reached, not because of what it asked. */
export const isConnectionError = (err: unknown) =>
  err instanceof ClientError && (err.error === "timeout" || err.error === "disconnected" || err.error === "closed");

/** What to tell a person about a failed request. */
export function describe(err: unknown): string {
  if (!(err instanceof ClientError)) return "Something went wrong. Please try again.";
  if (isConnectionError(err)) return "Can't reach the server right now. Check your connection and try again.";
  switch (err.error) {
    case "invalid_credentials":
      return err.fields?.password ? "That password is wrong." : "Wrong username or password.";
    case "rate_limited":
      return `Too many attempts. Try again in ${Math.ceil((err.retryAfterMs ?? 60_000) / 1000)} seconds.`;
    case "code_expired":
      return "That code is wrong, used or expired. Ask for a new one.";
    case "user_not_found":
      return "There is no user with that name.";
    case "internal":
      return "Something went wrong on our side. Please try again.";
    default:
      return err.message.charAt(0).toUpperCase() + err.message.slice(1);
  }
}

/** Shows what went wrong in an alert line of a view's own. */
export function showError(el: HTMLElement, err: unknown): void {
  el.hidden = false;
  el.textContent = describe(err);
}

/**
 * A form that runs `submit` on Enter or its button, shows a busy state, and spreads a
 * failure over its fields (by request field name) or into its alert line.
 */
export function form(options: {
  fields: Field[];
  submitLabel: string;
  submit: () => Promise<void>;
  extra?: (Node | null)[];
  className?: string;
  /** The submit button's classes, for a form whose action is dangerous. */
  submitClass?: string;
}): { el: HTMLFormElement; setError(message: string | null): void } {
  const alert = h("p", { class: "form-error", role: "alert", hidden: true });
  const button = h("button", { type: "submit", class: options.submitClass ?? "btn btn-primary btn-block" }, options.submitLabel);
  const setError = (message: string | null) => {
    alert.hidden = message === null;
    alert.textContent = message ?? "";
  };
  const el = h(
    "form",
    { class: options.className ?? "stack", novalidate: true },
    ...options.fields.map((f) => f.wrap),
    alert,
    button,
    ...(options.extra ?? []),
  );
  el.addEventListener("submit", (e) => {
    e.preventDefault();
    if (button.disabled) return;
    setError(null);
    for (const f of options.fields) f.setError(null);
    button.disabled = true;
    el.setAttribute("aria-busy", "true");
    options
      .submit()
      .catch((err: unknown) => {
        const fields = err instanceof ClientError ? (err.fields ?? {}) : {};
        let placed = false;
        for (const f of options.fields) {
          const message = fields[f.name];
          if (message) {
            f.setError(`${f.label} ${message}${/[\p{L}\p{N}]$/u.test(message) ? "." : ""}`);
            placed = true;
          }
        }
        if (!placed || (err instanceof ClientError && err.error !== "invalid_request")) setError(describe(err));
        options.fields.find((f) => fields[f.name])?.input.focus();
      })
      .finally(() => {
        button.disabled = false;
        el.removeAttribute("aria-busy");
      });
  });
  return { el, setError };
}

/** Enter sends, Shift+Enter starts a new line, and Enter that ends an IME composition only ends it. */
export function submitOnEnter(area: HTMLTextAreaElement, form: HTMLFormElement): void {
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}
