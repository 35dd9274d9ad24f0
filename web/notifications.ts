// Settings → Notifications: Web Push on this device. The browser's permission is asked only
// when the person turns it on; the state shown is on, off, or blocked by the browser (then
// only the browser's site settings can allow it again).
import { applicationServerKey, type ChatClient, pushSubscriptionParams } from "edge-chat/client";
import { h } from "./dom";

type State = "on" | "off" | "blocked" | "unsupported";

const STATE_TEXT: Record<State, string> = {
  on: "On: this device is notified of new messages while the app is closed.",
  off: "Off.",
  blocked: "Blocked by the browser. Allow notifications for this site in the browser's settings, then turn them on here.",
  unsupported: "This browser cannot show notifications from a closed app.",
};

const supported = () => "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

async function subscription(): Promise<PushSubscription | null> {
  const reg = await navigator.serviceWorker.ready;
  return reg.pushManager.getSubscription();
}

async function currentState(): Promise<State> {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  return Notification.permission === "granted" && (await subscription()) ? "on" : "off";
}

/** The switch and its state; `announce` says each change through the app's live region. */
export function notificationsToggle(client: ChatClient, announce: (text: string) => void): HTMLElement {
  const input = h("input", { type: "checkbox", id: "notifications-toggle", role: "switch", disabled: true });
  const status = h("p", { class: "settings-text", id: "notifications-state" });
  input.setAttribute("aria-describedby", "notifications-state");
  const show = (state: State, say = false) => {
    input.checked = state === "on";
    input.disabled = state === "unsupported" || state === "blocked";
    input.setAttribute("aria-checked", String(state === "on"));
    status.textContent = STATE_TEXT[state];
    status.dataset.state = state;
    if (say) announce(`Notifications: ${STATE_TEXT[state]}`);
  };
  void currentState().then((s) => show(s));
  input.addEventListener("change", () => {
    input.disabled = true;
    void (input.checked ? turnOn(client) : turnOff(client))
      .then((s) => show(s, true))
      .catch(async (err: unknown) => {
        show(await currentState());
        status.textContent = `${STATUS_FAILED} ${err instanceof Error ? err.message : ""}`.trim();
      });
  });
  return h(
    "div",
    { class: "notifications-choice" },
    h("label", { class: "theme-option", for: "notifications-toggle" }, input, "Notify me of new messages"),
    status,
  );
}

const STATUS_FAILED = "Notifications could not be changed.";

async function turnOn(client: ChatClient): Promise<State> {
  // The one place the permission is asked: the person just turned notifications on.
  if ((await Notification.requestPermission()) !== "granted") return currentState();
  const { vapid_public_key: key } = await client.getPushConfig();
  if (!key) throw new Error("This server does not send notifications.");
  const reg = await navigator.serviceWorker.ready;
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: applicationServerKey(key) }));
  await client.registerPush(pushSubscriptionParams(sub));
  return "on";
}

async function turnOff(client: ChatClient): Promise<State> {
  await client.unregisterPush();
  await (await subscription())?.unsubscribe();
  return currentState();
}
