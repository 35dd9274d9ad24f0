// The web client's entry: one ChatClient per session, the auth screens while logged out,
// the chat app while logged in.
import "./zod-config";
import { ChatClient, type ClientEvents } from "edge-chat/client";
import { renderAuth } from "./auth-view";
import { ChatApp } from "./chat-app";
import { replaceRoute } from "./routes";
import {
  applyTheme,
  loadDeviceToken,
  loadSaved,
  loadSession,
  loadTheme,
  saveCached,
  saveDeviceToken,
  saveDrafts,
  saveSaved,
  saveSession,
  type Session,
} from "./storage";

applyTheme(loadTheme());
const root = document.getElementById("app")!;
const wsUrl = new URL("/ws", location.href);
wsUrl.protocol = location.protocol === "https:" ? "wss:" : "ws:";

let app: ChatApp | null = null;

/** What the login screen says after a session ended, by why it ended. */
const ENDED: Record<ClientEvents["sessionEnded"]["reason"], string | undefined> = {
  logout: undefined,
  revoked: "Your session has ended. Please log in again.",
  expired: "Your session has expired. Please log in again.",
  deleted: "Your account has been deleted.",
};

function start(session: Session | null, notice?: string): void {
  const device = session && loadDeviceToken(session.user.username);
  const client = new ChatClient({
    url: wsUrl.toString(),
    ...(session && { token: session.token, ...savedPosition(session) }),
    ...(device && { deviceToken: device }),
  });
  let current = session;
  const loggedIn = (s: Session) => {
    current = s;
    app = new ChatApp(root, client, s, () => {
      client.close();
      signOut();
    });
  };
  const signOut = (message?: string) => {
    app?.destroy();
    app = null;
    if (current) {
      saveSaved(current.user, null);
      saveDrafts(current.user, null);
      saveCached(current.user, null);
    }
    // The next to log in starts at the chat list, not at the chat this session had open.
    replaceRoute(null);
    saveSession(null);
    start(null, message);
  };
  client.on("session", (s) => {
    saveSession(s);
    if (client.deviceToken) saveDeviceToken(s.user.username, client.deviceToken);
    loggedIn(s);
    app?.focusStart();
  });
  client.on("sessionEnded", ({ reason }) => signOut(ENDED[reason]));
  if (session) loggedIn(session);
  else renderAuth(root, client, notice);
}

/** Where the client left off: the log's pts and each large group's ev. */
function savedPosition(session: Session): { pts?: number; evs?: Record<string, number> } {
  const { pts, evs } = loadSaved(session.user);
  return { ...(pts !== undefined && { pts }), ...(evs && { evs }) };
}

start(loadSession());

// The service worker keeps the app's own files for when the server cannot be reached (sw.ts).
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
