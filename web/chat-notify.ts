// A chat's notification level, in its header: All, Mentions or Off (setNotify). The
// choice is the server's (Chat.notify); this device only asks for a change.
import type { Chat, ChatClient, NotifyLevel } from "edge-chat/client";
import { h } from "./dom";

const LABELS: Record<NotifyLevel, string> = { all: "All", mentions: "Mentions", none: "Off" };

export function notifyMenu(chat: Chat, client: ChatClient, changed: (chat: Chat) => void): HTMLElement {
  const id = `notify-${chat.chat_id}`;
  const select = h("select", { id, class: "notify-select", "data-control": "notify" });
  const current = chat.notify ?? (chat.large ? "mentions" : "all");
  for (const level of ["all", "mentions", "none"] as const) {
    const option = h("option", { value: level }, LABELS[level]);
    option.selected = level === current;
    select.append(option);
  }
  select.addEventListener("change", () => {
    const level = select.value as NotifyLevel;
    select.disabled = true;
    void client
      .setNotify({ chat_id: chat.chat_id, level })
      .then(({ notify }) => changed({ ...chat, notify }))
      .catch(() => {
        select.value = current;
      })
      .finally(() => {
        select.disabled = false;
      });
  });
  return h("label", { class: "notify-choice", for: id }, h("span", { class: "sr-only" }, "Notifications"), select);
}
