// What survives a reload: the session, and per user the last applied pts with the read
// receipts seen so far, the unsent drafts, and a copy of the chat list and the latest
// messages of recent chats to show while offline. Receipts are only ever pushed (no request returns other members'
// read positions), so they are kept here and resumed from that pts.
import type { Chat, Message, User } from "edge-chat/client";

const SESSION = "edge-chat:session";
const stateKey = (user: User) => `edge-chat:state:${user.id}`;
const draftsKey = (user: User) => `edge-chat:drafts:${user.id}`;
const cacheKey = (user: User) => `edge-chat:cache:${user.id}`;
const deviceKey = (username: string) => `edge-chat:device:${username.toLowerCase()}`;

export interface Session {
  token: string;
  user: User;
}

/** Chat id → username → the highest seq that member has read. */
export type Receipts = Record<string, Record<string, number>>;

export interface Saved {
  pts?: number;
  /** The last ev applied of each large group. */
  evs?: Record<string, number>;
  receipts: Receipts;
}

function read(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the app still works, it just forgets on reload.
  }
}

export function loadSession(): Session | null {
  const s = read(SESSION);
  if (typeof s !== "object" || s === null) return null;
  const { token, user } = s as Partial<Session>;
  return typeof token === "string" && typeof user?.id === "string" && typeof user.username === "string" ? { token, user } : null;
}

export const saveSession = (session: Session | null) => write(SESSION, session);

export function loadSaved(user: User): Saved {
  const s = read(stateKey(user));
  if (typeof s !== "object" || s === null) return { receipts: {} };
  const { pts, evs, receipts } = s as Partial<Saved>;
  return {
    ...(typeof pts === "number" && { pts }),
    ...(typeof evs === "object" && evs !== null && { evs }),
    receipts: typeof receipts === "object" && receipts !== null ? receipts : {},
  };
}

/** null forgets it: on logging out nothing of the user stays behind. */
export const saveSaved = (user: User, saved: Saved | null) => write(stateKey(user), saved);

/** Chat id → what was typed in its composer and not sent. */
export type Drafts = Record<string, string>;

export function loadDrafts(user: User): Drafts {
  const d = read(draftsKey(user));
  if (typeof d !== "object" || d === null) return {};
  return Object.fromEntries(Object.entries(d).filter((e): e is [string, string] => typeof e[1] === "string"));
}

export const saveDrafts = (user: User, drafts: Drafts | null) =>
  write(draftsKey(user), drafts && Object.keys(drafts).length ? drafts : null);

/** The chat list and the latest messages of recently opened chats, as last seen online. */
export interface Cached {
  chats: Chat[];
  threads: Record<string, Message[]>;
}

export function loadCached(user: User): Cached | null {
  const c = read(cacheKey(user));
  if (typeof c !== "object" || c === null) return null;
  const { chats, threads } = c as Partial<Cached>;
  return Array.isArray(chats) && typeof threads === "object" && threads !== null ? { chats, threads } : null;
}

export const saveCached = (user: User, cached: Cached | null) => write(cacheKey(user), cached);

/**
 * The remembered-device token the server gave this browser for a username (docs/protocol.md,
 * device_token). Kept past logging out: a username flooded with wrong passwords by others
 * still lets this browser in.
 */
export function loadDeviceToken(username: string): string | undefined {
  const t = read(deviceKey(username));
  return typeof t === "string" ? t : undefined;
}

export const saveDeviceToken = (username: string, token: string) => write(deviceKey(username), token);

/** The app's colours on this device: the system's choice unless one is picked in Settings. */
export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];
const THEME = "edge-chat:theme";

export function loadTheme(): Theme {
  const t = read(THEME);
  return THEMES.find((x) => x === t) ?? "system";
}

export const saveTheme = (theme: Theme) => write(THEME, theme === "system" ? null : theme);

/** styles.css picks its colours by [data-theme] on <html>, else by prefers-color-scheme. */
export function applyTheme(theme: Theme): void {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
