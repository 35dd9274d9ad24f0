// The user object's Web Push, in one place: subscriptions per session (subscriptions.ts),
// what notifies (rules.ts), the queue that folds and retries (notifier.ts), and one push
// (sender.ts). The inbox tells it of every message that lands; the requests register,
// unregister and set a chat's level; ended sessions end their subscription.
import type { ChatEvent } from "../../chat";
import type { NotifyLevel, PushSubscriptionJson } from "../../contract/notifications";
import { Message, type User } from "../../contract/protocol";
import type { Clock } from "../../platform/clock";
import type { PushConfig } from "../../platform/config";
import type { JobAlarm } from "../../platform/alarms";
import type { Blocks } from "../blocks";
import type { ChatList } from "../chat-list";
import { renderChat } from "../chat-view";
import type { Sockets } from "../sockets";
import { Notifier } from "./notifier";
import { levelOf, notifies, pushBody } from "./rules";
import { checkSubscription, Subscriptions } from "./subscriptions";
import { vapidSigner } from "./vapid";

export class Pushes {
  private subs: Subscriptions;
  private notifier: Notifier;

  constructor(
    sql: SqlStorage,
    private readonly cfg: PushConfig,
    private readonly chats: ChatList,
    private readonly blocks: Blocks,
    sockets: Sockets,
    private readonly clock: Clock,
    alarm: JobAlarm,
    defer: (p: Promise<unknown>) => void,
  ) {
    this.subs = new Subscriptions(sql);
    const connected = () => new Set(sockets.open().map((ws) => sockets.info(ws).sessionId));
    this.notifier = new Notifier(sql, this.subs, cfg.vapid && vapidSigner(cfg.vapid), clock, alarm, connected, defer);
  }

  publicKey(): string | null {
    return this.cfg.vapid?.publicKey ?? null;
  }

  async register(sessionId: string, expiresAt: number, s: PushSubscriptionJson): Promise<void> {
    await checkSubscription(s, this.cfg.allowHttp);
    this.subs.put(sessionId, expiresAt, s);
  }

  /** Sessions that ended (logout, revoke, password change or reset), or one that unregisters. */
  end(sessionIds: string[]): void {
    this.subs.end(sessionIds);
  }

  setLevel(chatId: string, level: NotifyLevel): void {
    this.chats.setNotify(chatId, level);
  }

  /** Events applied to the user's log (direct chats and small groups): those that notify are queued. */
  landed(me: User, events: ChatEvent[]): void {
    // Without a subscription nothing is queued, so nothing can notify or be changed: no
    // message is parsed (this runs on every delivery to every member).
    if (!this.cfg.vapid || !this.subs.any()) return;
    for (const e of events) {
      if (e.kind !== "newMessage" && e.kind !== "messageEdited" && e.kind !== "messageDeleted") continue;
      // Loose: fields this code does not know (mentions, reply_to) are kept for rules.ts.
      const parsed = Message.loose().safeParse(JSON.parse(e.message));
      if (!parsed.success) continue;
      const m = parsed.data;
      if (e.kind === "newMessage") this.message(me, m);
      else this.notifier.changed(m.chat_id, m.seq, m.deleted ? "Message deleted" : pushBody(m, this.cfg.previews));
    }
  }

  /** A large group woke this user for a new message (chat/fanout/wakes.ts). */
  largeMessage(me: User, json: string): void {
    const parsed = Message.loose().safeParse(JSON.parse(json));
    if (parsed.success) this.message(me, parsed.data);
  }

  /** A new message in a chat of the user: a push where the level lets it through. */
  message(me: User, m: Message): void {
    const row = this.chats.row(m.chat_id);
    if (!row || !notifies(m, me.username, levelOf(row.notify, row.large === 1)) || this.blocks.blocks(m.sender)) return;
    this.notifier.notice({ chat_id: m.chat_id, seq: m.seq, title: renderChat(me, row).title, body: pushBody(m, this.cfg.previews) });
  }

  /** Sessions with a live subscription (for tests). */
  sessions(): string[] {
    return this.subs.live(this.clock.now()).map((s) => s.session_id);
  }

  onAlarm(): void {
    this.notifier.onAlarm();
  }
}
