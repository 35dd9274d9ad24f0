// A few DOM helpers, so views read as the markup they build.
import { initials, nameHue } from "./names";

export { nameHue } from "./names";

type Child = Node | string | number | null | undefined | false;
type Handlers = { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
type Attrs = { on?: Handlers } & { [name: string]: string | number | boolean | null | undefined | Handlers };

/** Creates an element: attributes (false/null/undefined leave one out, true sets it empty), listeners under `on`, children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "on") {
      for (const [type, listener] of Object.entries(value as Handlers)) el.addEventListener(type, listener as EventListener);
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === "number" ? String(c) : c);
}

/**
 * The width at which styles.css shows one pane at a time (the chat list or the open chat),
 * so the open chat is the page and its title the page's h1.
 */
export const onePane = matchMedia("(max-width: 720px)");

/** Whether the element takes up space on the screen (not inside something hidden). */
export const shown = (el: Element | null): el is HTMLElement => el instanceof HTMLElement && el.checkVisibility();

/** One child of a keyed list: `version` changes whenever what `render` would build changes. */
export interface Keyed {
  key: string;
  version: string;
  render(): HTMLElement;
}

/**
 * Makes `list`'s children `items`, in order, building only the new and changed ones and
 * leaving the rest in place, so a screen reader is not handed the whole list again and a
 * keyboard user keeps their place. Focus inside a rebuilt child moves to the control with
 * the same `data-control` in its new version, else to the child itself (give it
 * tabindex="-1"); if its child is gone, to `fallback`.
 */
export function syncChildren(list: HTMLElement, items: Keyed[], fallback?: () => HTMLElement | null | undefined): void {
  const focused = document.activeElement;
  const active = focused instanceof HTMLElement && list.contains(focused) ? focused : null;
  const focusedChild = active && [...list.children].find((c) => c.contains(active));
  const focusedKey = focusedChild instanceof HTMLElement ? focusedChild.dataset.key : undefined;
  const control = active?.closest<HTMLElement>("[data-control]")?.dataset.control;

  const old = new Map<string, HTMLElement>();
  for (const child of [...list.children] as HTMLElement[]) {
    if (child.dataset.key !== undefined) old.set(child.dataset.key, child);
    else child.remove();
  }
  const wanted = new Set(items.map((i) => i.key));
  for (const [key, child] of old) if (!wanted.has(key)) child.remove();
  let at = list.firstElementChild;
  for (const item of items) {
    let el = old.get(item.key);
    if (!el || el.dataset.version !== item.version) {
      const fresh = item.render();
      fresh.dataset.key = item.key;
      fresh.dataset.version = item.version;
      if (el) {
        if (at === el) at = fresh;
        el.replaceWith(fresh);
      }
      el = fresh;
    }
    if (el === at) at = el.nextElementSibling;
    else list.insertBefore(el, at);
  }

  if (!active || document.activeElement === active) return;
  // Moved (which blurs it) rather than rebuilt: focus it again where it is now.
  if (active.isConnected) {
    active.focus();
    return;
  }
  const now =
    focusedKey === undefined
      ? undefined
      : ([...list.children].find((c) => (c as HTMLElement).dataset.key === focusedKey) as HTMLElement | undefined);
  const target = now ? (control && now.querySelector<HTMLElement>(`[data-control="${CSS.escape(control)}"]`)) || now : fallback?.();
  target?.focus();
}

/**
 * A WAI-ARIA toolbar: its buttons are one Tab stop (a thread of messages is not four Tabs a
 * message), the arrow keys, Home and End move between them, and Tab comes back to the one
 * used last.
 */
export function toolbar(attrs: Attrs, ...children: Child[]): HTMLElement {
  const bar = h("div", { ...attrs, role: "toolbar" }, ...children);
  const buttons = () => [...bar.querySelectorAll("button")];
  const rove = (to: Element) => {
    for (const b of buttons()) b.tabIndex = b === to ? 0 : -1;
  };
  if (buttons()[0]) rove(buttons()[0]!);
  bar.addEventListener("focusin", (e) => e.target instanceof HTMLButtonElement && rove(e.target));
  bar.addEventListener("keydown", (e) => {
    const all = buttons();
    const at = all.indexOf(e.target as HTMLButtonElement);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1 + all.length, Home: 0, End: all.length - 1 }[e.key];
    if (at < 0 || to === undefined) return;
    e.preventDefault();
    all[to % all.length]!.focus();
  });
  return bar;
}

const ICONS = {
  send: "M3.4 20.4 20.85 12.9a1 1 0 0 0 0-1.8L3.4 3.6a1 1 0 0 0-1.4 1.1L4 11l9 1-9 1-2 6.3a1 1 0 0 0 1.4 1.1z",
  plus: "M12 5v14M5 12h14",
  group:
    "M16 19v-1.5a3.5 3.5 0 0 0-3.5-3.5h-5A3.5 3.5 0 0 0 4 17.5V19M10 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM20 19v-1.5a3.5 3.5 0 0 0-2.6-3.4M15.5 5.1a3 3 0 0 1 0 5.8",
  logout: "M15 17l5-5-5-5M20 12H9M12 19H6a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h6",
  back: "M15 18l-6-6 6-6",
  down: "M12 5v14M5 12l7 7 7-7",
  members: "M17 20v-2a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v2M10 10a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM21 20v-2a4 4 0 0 0-3-3.9",
  chat: "M21 12a8 8 0 0 1-11.7 7.1L4 20l1-4.6A8 8 0 1 1 21 12z",
  settings: "M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6",
  block: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM5.6 5.6l12.8 12.8",
  attach: "M21.4 11.6 12.2 20.8a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5",
  info: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 16v-5M12 8h.01",
  file: "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5",
} as const;

/** A decorative icon; the control it sits in carries the accessible name. */
export function icon(name: keyof typeof ICONS): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `icon icon-${name}`);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

/** Initials on a colour picked from the name. */
export function avatar(name: string, size: "sm" | "md" = "md"): HTMLElement {
  const el = h("span", { class: `avatar avatar-${size}`, "aria-hidden": "true" }, initials(name));
  // Through the CSSOM, not a style attribute: a strict Content-Security-Policy blocks those.
  el.style.setProperty("--hue", String(nameHue(name)));
  return el;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function shortTime(ms: number): string {
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dayFmt.format(d);
}

export const clockTime = (ms: number) => timeFmt.format(new Date(ms));
export const fullTime = (ms: number) => fullFmt.format(new Date(ms));

export function dayLabel(ms: number): string {
  const d = new Date(ms);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return "Today";
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" }).format(d);
}
