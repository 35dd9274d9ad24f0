// Shared by the browser tests (test/e2e/browser-*.test.ts): one `wrangler dev` and one
// Chromium per file, pages at phone and desktop size, users made in the UI or with the
// client library, and the checks the files share (focus, announcements, axe-core).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { crc32, deflateSync } from "node:zlib";
import { ChatClient } from "edge-chat/client";
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page, WebSocketRoute } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { CHROMIUM, launchChromium } from "../../scripts/chromium";
import { startLocalServer, type LocalServer } from "../../scripts/local-server";

export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the browser tests: ${CHROMIUM} does not exist (apt-get install chromium; .ci/run does).`);

export const PASSWORD = "correct horse battery";
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
/** 1280 px at 400% zoom: what WCAG's reflow criterion (1.4.10) asks to work without sideways scrolling. */
export const NARROW: BrowserContextOptions = { viewport: { width: 320, height: 568 } };
const ARTIFACTS = "test-results";

let counter = 0;
/** A fresh username; `length` pads it (usernames are 3–32 characters). */
export function uniqueName(prefix: string, length = 0): string {
  const suffix = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  return `${prefix}_${"x".repeat(Math.max(0, length - prefix.length - 1 - suffix.length))}${suffix}`;
}

export interface ApiUser {
  client: ChatClient;
  username: string;
}

export interface BrowserEnv {
  readonly server: LocalServer;
  /** A page in a context of its own (its own storage: its own session). */
  newPage(options: BrowserContextOptions): Promise<Page>;
  /** A user who is not in a browser: the client library in Node, on Node's own WebSocket. */
  apiUser(prefix: string, length?: number): Promise<ApiUser>;
  /** Several such users, one after the other. */
  apiUsers<const P extends string[]>(...prefixes: P): Promise<{ [K in keyof P]: ApiUser }>;
  /** The client library in Node, logged in as an existing user. */
  apiLogin(username: string): Promise<ChatClient>;
  /** Registers a new user in the page's UI; returns the username. */
  signUp(page: Page, prefix: string, length?: number): Promise<string>;
  /** Two people registered in their own browsers; the first opens a direct chat with the second from the "New chat" dialog. */
  twoInAChat(
    first: [string, BrowserContextOptions],
    second: [string, BrowserContextOptions],
  ): Promise<{ alicePage: Page; bobPage: Page; alice: string; bob: string }>;
  /** Someone (a new API user) starts a direct chat with `me` and says `first`; the page opens it. */
  chatFrom(page: Page, me: string, prefix: string, first: string): Promise<ApiUser & { chatId: string }>;
}

/** Starts `wrangler dev` and Chromium before the file's tests and stops them after. */
export function useBrowser(extraVars: Record<string, string> = {}): BrowserEnv {
  let server: LocalServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const clients: ChatClient[] = [];
  /** What the pages' consoles reported as blocked by the Content-Security-Policy. */
  const cspViolations: string[] = [];
  beforeAll(async () => {
    // The tests send long histories and make many groups as one user, past a person's send
    // burst and hourly group changes (test/worker/send-limits.test.ts tests those limits).
    server = await startLocalServer({
      vars: { SENDS_PER_USER_BURST: "1000", GROUP_CHANGES_PER_USER_PER_HOUR: "1000", ...extraVars },
    });
    browser = await launchChromium();
  });
  // The app runs under the headers it is served with: anything they block fails the test.
  afterEach(() => {
    expect(cspViolations.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });
  const env: BrowserEnv = {
    get server() {
      if (!server) throw new Error("the server is not started yet");
      return server;
    },
    async newPage(options) {
      // Reduced motion: nothing is half-way through a transition when a test looks at it.
      const context = await browser!.newContext({ ...options, reducedMotion: "reduce" });
      contexts.push(context);
      // A violation a script caught (zod's probe for `new Function`, say) is still reported
      // to the page; said on the console, it fails the test like any other.
      await context.addInitScript(() =>
        document.addEventListener("securitypolicyviolation", (e) =>
          console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
        ),
      );
      const page = await context.newPage();
      page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
      page.on("console", (m) => {
        if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
      });
      return page;
    },
    async apiUser(prefix, length) {
      const username = uniqueName(prefix, length);
      const client = new ChatClient({ url: env.server.wsUrl });
      clients.push(client);
      await client.register({ username, password: PASSWORD, email: `${username}@example.com` });
      await waitUntil(() => client.state === "ready", "the Node client to be ready");
      return { client, username };
    },
    async apiUsers<const P extends string[]>(...prefixes: P) {
      const users: ApiUser[] = [];
      for (const prefix of prefixes) users.push(await env.apiUser(prefix));
      return users as { [K in keyof P]: ApiUser };
    },
    async signUp(page, prefix, length) {
      const username = uniqueName(prefix, length);
      await registerInUi(page, env.server.url, username);
      return username;
    },
    async twoInAChat(first, second) {
      const [alicePage, bobPage] = [await env.newPage(first[1]), await env.newPage(second[1])];
      const [alice, bob] = [await env.signUp(alicePage, first[0]), await env.signUp(bobPage, second[0])];
      await alicePage.getByRole("button", { name: "New chat", exact: true }).click();
      await alicePage.getByRole("dialog").getByLabel("Username", { exact: true }).fill(bob);
      await alicePage.getByRole("dialog").getByLabel("Username", { exact: true }).press("Enter");
      await alicePage.locator(".chat-title", { hasText: bob }).waitFor();
      return { alicePage, bobPage, alice, bob };
    },
    async chatFrom(page, me, prefix, first) {
      const { client, username } = await env.apiUser(prefix);
      const { chat } = await client.createChat({ username: me });
      await client.sendMessage({ chat_id: chat.chat_id, content: first });
      await chatItem(page, username).click();
      await message(page, first).waitFor();
      return { client, username, chatId: chat.chat_id };
    },
    async apiLogin(username) {
      const client = new ChatClient({ url: env.server.wsUrl });
      clients.push(client);
      await client.auth({ username, password: PASSWORD });
      return client;
    },
  };
  return env;
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function registerInUi(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByRole("tab", { name: "Register" }).click();
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Email", { exact: true }).fill(`${username}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Register", exact: true }).click();
  await page.getByRole("button", { name: "New chat", exact: true }).waitFor();
}

export const chatItem = (page: Page, title: string) =>
  page.locator(".chat-item", { has: page.locator(".chat-item-title", { hasText: title }) });
export const messageTexts = (page: Page) => page.locator(".messages .msg .text").allTextContents();
export const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });
export const message = (page: Page, text: string) => page.locator(".messages .msg", { has: page.locator(".text", { hasText: text }) });
export const visibleText = async (l: Locator) => ((await l.count()) ? ((await l.first().textContent()) ?? "") : "");
/** What the app's live region has said lately, oldest first. */
export const announcements = (page: Page) => page.locator("[role=status] p").allTextContents();

export async function send(page: Page, text: string, how: "enter" | "button" = "enter"): Promise<void> {
  await composer(page).fill(text);
  if (how === "enter") await composer(page).press("Enter");
  else await page.getByRole("button", { name: "Send", exact: true }).click();
  await message(page, text).locator(".meta time").waitFor();
}

/** Opens a chat from the list, going back to the list first where a phone shows only the chat. */
export async function openChat(page: Page, title: string): Promise<void> {
  const back = page.getByRole("button", { name: "Back to chats" });
  if (await back.isVisible()) await back.click();
  await chatItem(page, title).click();
  await page.locator(".chat-title", { hasText: title }).waitFor();
}

/** Waits until `locator` has the keyboard focus; says where the focus is instead if it does not get there. */
export async function expectFocused(page: Page, locator: Locator, what: string): Promise<void> {
  await locator.waitFor({ state: "attached" });
  await expect
    .poll(async () => ((await locator.evaluate((el) => el === document.activeElement)) ? "focused" : await describeFocus(page)), {
      message: `focus on ${what}`,
    })
    .toBe("focused");
}

export function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "focus is on the page body";
    return `focus is on <${el.tagName.toLowerCase()}> "${(el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 60)}"`;
  });
}

/** What cuts off the focused element's focus ring (an ancestor that clips its overflow), or null. */
export function ringClipped(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!(el instanceof HTMLElement)) return "nothing is focused";
    const style = getComputedStyle(el);
    if (style.outlineStyle === "none") return "the focused element has no outline";
    const grow = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
    const r = el.getBoundingClientRect();
    for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === "visible" && s.overflowY === "visible") continue;
      const c = a.getBoundingClientRect();
      if (r.left - grow < c.left || r.right + grow > c.right || r.top - grow < c.top || r.bottom + grow > c.bottom)
        return `the ring of <${el.tagName.toLowerCase()}> is cut off by <${a.tagName.toLowerCase()} class="${a.className}">`;
    }
    return null;
  });
}

/** Presses Tab (or Shift+Tab) until `locator` has the focus, as a keyboard user would. */
export async function tabTo(page: Page, locator: Locator, what: string, backwards = false, most = 40): Promise<void> {
  for (let i = 0; i < most; i++) {
    if (await locator.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
  }
  throw new Error(`${what} not reached in ${most} presses of ${backwards ? "Shift+Tab" : "Tab"}; ${await describeFocus(page)}`);
}

/** The page's sockets, routed through the test so it can cut them like a network would. */
export interface Network {
  /** Sockets opened so far (each reconnect opens one). */
  readonly sockets: WebSocketRoute[];
  /** Server frames of these modes (responses) never reach the page, as if lost on the way. */
  readonly lostResponses: Set<string>;
  /** Closes the open sockets and refuses new ones until online(). */
  offline(): Promise<void>;
  online(): void;
}

export async function routeSockets(page: Page): Promise<Network> {
  let down = false;
  const sockets: WebSocketRoute[] = [];
  const lostResponses = new Set<string>();
  await page.routeWebSocket(/\/ws$/, (ws) => {
    if (down) return void ws.close({ code: 4000, reason: "offline" });
    const server = ws.connectToServer();
    server.onMessage((frame) => {
      if (lostResponses.size && typeof frame === "string" && lostResponses.has((JSON.parse(frame) as { mode?: string }).mode ?? "")) return;
      ws.send(frame);
    });
    sockets.push(ws);
  });
  return {
    sockets,
    lostResponses,
    async offline() {
      down = true;
      for (const ws of sockets) await ws.close({ code: 4000, reason: "cut" }).catch(() => undefined);
    },
    online() {
      down = false;
    },
  };
}

/** A real PNG of w x h pixels (a diagonal gradient), made here so the test needs no fixture file. */
export function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rows.set([(x * 255) / w, (y * 255) / h, 160], y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
}

// ---- axe-core ----

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * Runs axe-core's WCAG 2.2 A/AA rules on the page in the light and the dark colour scheme
 * and fails on any violation, naming the rule and the elements.
 */
export async function audit(page: Page, state: string): Promise<void> {
  const found: string[] = [];
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForFunction(() => document.getAnimations().length === 0);
    // Evaluated over the DevTools protocol, so a Content-Security-Policy does not stop it.
    if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(`${AXE_SOURCE}\n;undefined`);
    const violations = await page.evaluate(async (tags) => {
      const { axe } = window as unknown as { axe: typeof import("axe-core") };
      const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
      return result.violations.map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.replace(/\s+/g, " ")}`).join("\n")}`,
      );
    }, WCAG_TAGS);
    for (const v of violations) found.push(`[${state}, ${colorScheme}] ${v}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
  expect(found, found.join("\n")).toEqual([]);
}

// ---- Contrast ----

type Rgba = [number, number, number, number];

/** WCAG's contrast ratio of two opaque colours. */
export function contrast(a: Rgba, b: Rgba): number {
  const lum = (c: Rgba) => {
    const [r, g, bl] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Computed colours in the page: `color` of `selector` (a CSS property that holds a colour:
 * border-top-color, outline-color, or box-shadow's first colour) against the opaque
 * background under it (its own background, else its nearest ancestor's).
 */
export async function colourPair(
  page: Page,
  selector: string,
  property: string,
  against: "own" | "behind" = "behind",
): Promise<[Rgba, Rgba]> {
  return page
    .locator(selector)
    .first()
    .evaluate(
      (el, { property, against }) => {
        const parse = (text: string): [number, number, number, number] => {
          const m = text.match(/rgba?\(([^)]+)\)/);
          if (!m) throw new Error(`not an rgb() colour: ${text}`);
          const [r = 0, g = 0, b = 0, a = 1] = m[1]!
            .split(/[\s,/]+/)
            .filter(Boolean)
            .map(Number);
          return [r, g, b, a];
        };
        const style = getComputedStyle(el);
        const fg = parse(style.getPropertyValue(property));
        let node: Element | null = against === "own" ? el : el.parentElement;
        while (node) {
          const bg = parse(getComputedStyle(node).backgroundColor);
          if (bg[3] === 1) return [fg, bg];
          node = node.parentElement;
        }
        return [fg, [255, 255, 255, 1]];
      },
      { property, against },
    ) as Promise<[Rgba, Rgba]>;
}
