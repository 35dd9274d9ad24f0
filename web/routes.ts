// The page's URL says what is open, so Back and Forward (a phone's Back too) move between
// the chat list, chats and the settings, and a reload opens the same chat again:
// `#/chat/<id>`, `#/settings`, or nothing for the chat list. `#/join/<code>` is an invite
// link: the app joins the group (after logging in) and opens it in its place.

export type Route = { chat: string } | { settings: true } | null;

/** The invite code in the URL, if it is an invite link. */
export function inviteInUrl(): string | null {
  const code = location.hash.match(/^#\/join\/([A-Za-z0-9_-]+)$/)?.[1];
  return code ?? null;
}

export const inviteLink = (code: string) => `${location.origin}${location.pathname}#/join/${code}`;

export function routeInUrl(): Route {
  const hash = location.hash;
  if (hash === "#/settings") return { settings: true };
  const chat = hash.match(/^#\/chat\/([^/]+)$/)?.[1];
  if (!chat) return null;
  try {
    return { chat: decodeURIComponent(chat) };
  } catch {
    return null;
  }
}

const urlOf = (route: Route) =>
  route === null
    ? `${location.pathname}${location.search}`
    : "settings" in route
      ? "#/settings"
      : `#/chat/${encodeURIComponent(route.chat)}`;
const same = (a: Route, b: Route) => JSON.stringify(a) === JSON.stringify(b);

/** What the app did (opened a chat, say) becomes a history entry; Back from a chat opened from the list goes back to it. */
export function pushRoute(route: Route): void {
  const now = routeInUrl();
  if (same(now, route)) return;
  history.pushState({ fromList: now === null }, "", urlOf(route));
}

/** Where a view was closed from inside the app (its Back button, a chat that is gone): no new entry. */
export function replaceRoute(route: Route): void {
  if (!same(routeInUrl(), route)) history.replaceState(null, "", urlOf(route));
}

/** The app's own Back button: the browser's Back where that returns to the list, else the list replaces this entry. Returns whether the browser goes back (then `popstate` follows). */
export function backToList(): boolean {
  if ((history.state as { fromList?: boolean } | null)?.fromList) {
    history.back();
    return true;
  }
  replaceRoute(null);
  return false;
}
