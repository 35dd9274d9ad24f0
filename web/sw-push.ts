// The service worker's Web Push: a push (decrypted by the browser: { chat_id, seq, title,
// body, count }) becomes a notification, one per chat (its tag), the next replacing it;
// none while that chat is open and visible in a tab. A click focuses a tab at that chat,
// or opens one.
interface WaitEvent extends Event {
  waitUntil(done: Promise<unknown>): void;
}
interface PushEvent extends WaitEvent {
  readonly data: { json(): unknown } | null;
}
interface NotificationClickEvent extends WaitEvent {
  readonly notification: Notification & { data: unknown };
}
interface WindowClient {
  readonly url: string;
  readonly visibilityState: DocumentVisibilityState;
  focus(): Promise<WindowClient>;
  navigate(url: string): Promise<WindowClient | null>;
}
interface PushScope {
  readonly location: Location;
  readonly registration: { showNotification(title: string, options: NotificationOptions & { renotify?: boolean }): Promise<void> };
  readonly clients: {
    matchAll(o: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  addEventListener(type: "push", listener: (event: PushEvent) => void): void;
  addEventListener(type: "notificationclick", listener: (event: NotificationClickEvent) => void): void;
}

interface Payload {
  chat_id: string;
  title: string;
  body: string;
  count: number;
}

const chatPath = (chatId: string) => `/#/chat/${encodeURIComponent(chatId)}`;

function parse(data: unknown): Payload | null {
  const p = data as Partial<Payload> | null;
  return p && typeof p.chat_id === "string" && typeof p.title === "string" && typeof p.body === "string"
    ? { chat_id: p.chat_id, title: p.title, body: p.body, count: typeof p.count === "number" ? p.count : 1 }
    : null;
}

export function handlePushes(scope: PushScope): void {
  scope.addEventListener("push", (event) => {
    let payload: Payload | null = null;
    try {
      payload = parse(event.data?.json());
    } catch {
      payload = null;
    }
    if (!payload) return;
    const p = payload;
    event.waitUntil(
      (async () => {
        const tabs = await scope.clients.matchAll({ type: "window", includeUncontrolled: true });
        const open = tabs.some((t) => t.visibilityState === "visible" && new URL(t.url).hash === `#/chat/${encodeURIComponent(p.chat_id)}`);
        if (open) return;
        await scope.registration.showNotification(p.title, {
          body: p.count > 1 ? `${p.body} (+${p.count - 1} more)` : p.body,
          tag: p.chat_id,
          renotify: true,
          icon: "/icon-192.png",
          badge: "/icon-192.png",
          data: { chat_id: p.chat_id },
        });
      })(),
    );
  });

  scope.addEventListener("notificationclick", (event) => {
    event.notification.close();
    const chatId = (event.notification.data as { chat_id?: unknown } | null)?.chat_id;
    const url = new URL(typeof chatId === "string" ? chatPath(chatId) : "/", scope.location.origin).href;
    event.waitUntil(
      (async () => {
        const tabs = await scope.clients.matchAll({ type: "window", includeUncontrolled: true });
        const tab = tabs.find((t) => t.url === url) ?? tabs[0];
        if (!tab) return void (await scope.clients.openWindow(url));
        const focused = await tab.focus();
        if (focused.url !== url) await focused.navigate(url);
      })(),
    );
  });
}
