// The user's large groups (fan-out on read). Their messages are not written here: the
// chat object pushes them to this object only while the user has a socket open and has
// shown interest in the group, and this object passes them on to its sockets without
// storing them.
//
// Presence: a socket opening asks nothing of any group before it answers. After it has
// answered, the user's large groups are told in the background, REGISTER_AT_ONCE calls at a
// time, each after a timer turn (platform/turns.ts: so the socket's next request is read
// while they go on), so every group pushes to a socket open when its event is stored even
// if the client never lists it (until that lands, a group learns of the socket sooner when
// the client lists it on a getChats page, opens it, or joins it). From then on, until the
// last socket closes, it pushes every event here in ev order. So the socket's answer costs
// nothing per group, and the registration's cost is spread over calls in flight a few at a
// time.
import type { ChatEvent, LargeSummary, Member, PushItem } from "../chat";
import type { Role } from "../contract/moderation";
import { LargePush, type User } from "../contract/protocol";
import { errorSummary, log } from "../platform/log";
import { inTurns } from "../platform/turns";
import type { ChatCalls, ListedChatRef } from "./chat-calls";
import type { ChatList } from "./chat-list";
import { roleOf } from "./chat-view";

/** Large groups told at once that a user came online or went: bounded, so 500 groups do not mean 500 calls at once. */
export const REGISTER_AT_ONCE = 16;

export class LargeGroups {
  /** When the current run of having a socket began (null: none known); orders what the chats are told. */
  private since: number | null = null;
  private lastSince = 0;
  /** Groups told that the user is online in this run: they push here until told otherwise. */
  private present = new Set<string>();
  /**
   * Large groups whose state was fetched while present and that have pushed nothing since:
   * the chat list shows them as they are without asking.
   */
  private current = new Set<string>();
  /** Groups being told now: a getChats listing one waits for that answer instead of asking again. */
  private telling = new Map<string, Promise<boolean>>();
  /** Test-only: presence calls made (a test holds connecting to none). */
  presenceCalls = 0;
  /** Test-only: summary calls made (a group being told is not asked again). */
  summaryCalls = 0;
  /** Test-only: chat list rows a group's answer changed (one that has not moved changes none). */
  rowsRefreshed = 0;

  constructor(
    private readonly chats: ChatList,
    private readonly calls: ChatCalls,
    private readonly online: () => boolean,
    private readonly defer: (work: Promise<unknown>) => void,
  ) {}

  /**
   * The user's first socket: a new run begins. Nothing is asked before the socket answers;
   * then every large group not told yet is told, a few at a time, while the run lasts.
   */
  connected(me: Member): void {
    const run = this.start();
    // Most users are in no large group: nothing to tell, and no timer to wait for.
    const ids = this.chats.largeIds();
    if (ids.length) this.defer(this.register(me, run, ids));
  }

  private register(me: Member, run: number, ids: string[]): Promise<void> {
    // Each waits a timer turn: the socket's answer goes out first. Meanwhile the socket may
    // have closed (a new run may have begun) or the account been deleted (its tables wiped).
    return inTurns(
      ids,
      REGISTER_AT_ONCE,
      async (id) => {
        if (!this.present.has(id)) await this.tell(me, id);
      },
      () => this.since === run && this.online(),
    );
  }

  /** The user's last socket closed: the groups told in this run stop pushing. */
  disconnected(me: Member): void {
    // Woken from hibernation, this object no longer knows which groups it told: those push
    // once more, are answered that there is no socket, and stop (chat/online.ts).
    const since = this.since ?? Date.now();
    const told = [...this.present];
    this.since = null;
    this.present.clear();
    this.current.clear();
    // A tell still in flight belongs to the run that ended: the next run tells again.
    this.telling.clear();
    this.defer(
      inTurns(told, REGISTER_AT_ONCE, (id) => {
        this.presenceCalls++;
        return this.calls
          .any(id)
          .call((c) => c.presence(me.id, since, false))
          .catch((err: unknown) => presenceFailed(id, me.id, err));
      }),
    );
  }

  /**
   * Our log just listed a large group (we joined one, or a group we are in became large)
   * at event `ev`: with a socket open, it pushes from there on.
   */
  joined(me: Member, chatId: string, ev: number): void {
    if (!this.online()) return;
    this.defer(this.tell(me, chatId, ev));
  }

  left(chatId: string): void {
    this.present.delete(chatId);
    this.current.delete(chatId);
  }

  /**
   * A relay's chatUpdated is built for no member (its read position is the group's last
   * message, it has no role): this user's read position goes in from the chat list, their
   * role from the roles the event carries (the chat list's may be older than the event: a
   * role just given). `me`: the user, as their sockets know them.
   */
  asReader(chatId: string, item: PushItem, me: User | null): PushItem {
    const row = this.chats.row(chatId);
    const parsed = LargePush.safeParse(jsonOf(item.frame));
    if (!row || !parsed.success || parsed.data.mode !== "chatUpdated") {
      log({ level: "error", event: "push_refused", chat_id: chatId, where: "LargeGroups.asReader" });
      return item;
    }
    const push = parsed.data;
    const last = push.chat.last_read_seq;
    const read = Math.min(row.last_read_seq, last);
    const chat = {
      ...push.chat,
      role: me && item.reader ? roleOf(me, { type: "group", ...item.reader })! : ((row.role ?? "member") as Role),
      last_read_seq: read,
      unread: last - read,
    };
    const frame = JSON.stringify({ ...push, chat });
    return item.except ? { frame, except: item.except } : { frame };
  }

  /** The group pushed something: what was fetched of it is out of date. */
  moved(chatId: string): void {
    this.current.delete(chatId);
  }

  /**
   * The client lists these large groups (a getChats page): online, each not told yet is
   * told now and pushes from now on; one being told (the background step got there first)
   * is waited for, as its answer is its state; the others are asked for their state unless
   * it is current. So each group costs one call. Returns whether any row changed (if none
   * did, the page read before stands).
   */
  async listed(me: Member, ids: string[]): Promise<boolean> {
    const online = this.online();
    const stale = ids.filter((id) => !this.current.has(id));
    const got = await Promise.all(
      stale.map((id) => this.telling.get(id) ?? (online && !this.present.has(id) ? this.tell(me, id) : this.summary(me, id))),
    );
    return got.some(Boolean);
  }

  /** The client opens a large group (reads it, or sends to it): online, it pushes from now on. */
  async opened(me: Member, chat: ListedChatRef): Promise<void> {
    if (chat.large && this.online() && !this.present.has(chat.chatId)) await this.tell(me, chat.chatId);
  }

  /**
   * The requester's own change in a large group: not logged (the group keeps it), but their
   * chat list shows it at once. Returns the ev for the response.
   */
  own(me: Member, e: ChatEvent): { ev: number } {
    switch (e.kind) {
      case "newMessage":
        this.chats.addMessages(e.chat_id, { seq: e.seq, message: e.message, at: e.timestamp, own: e.seq, others: 0 });
        break;
      case "messageEdited":
      case "messageDeleted":
        this.chats.changeMessage(e.chat_id, e.seq, e.message);
        break;
      case "chat":
        this.chats.upsert(me, e.chat_id, e.chat, e.timestamp);
        // Its last message as the group has it now: ours may be behind (theirs are not logged here).
        if (e.chat.last_message)
          this.chats.addMessages(e.chat_id, {
            seq: e.chat.last_seq,
            message: e.chat.last_message,
            at: 0,
            own: 0,
            others: 0,
          });
        break;
      case "reaction":
        // Counts are the message's, not the chat list's: nothing to keep here.
        break;
      default:
        throw new Error(`a large group has no ${e.kind} of its own`);
    }
    this.chats.seenEv(e.chat_id, e.ev);
    return { ev: e.ev };
  }

  /** Tells a group the user is online (pushes after `fromEv`, or after its latest); keeps its state. Returns whether its row changed. */
  private tell(me: Member, chatId: string, fromEv?: number): Promise<boolean> {
    const told = this.ask(me, chatId, fromEv).finally(() => {
      if (this.telling.get(chatId) === told) this.telling.delete(chatId);
    });
    this.telling.set(chatId, told);
    return told;
  }

  private async ask(me: Member, chatId: string, fromEv?: number): Promise<boolean> {
    const since = this.since ?? this.start();
    this.present.add(chatId);
    this.presenceCalls++;
    try {
      const s = await this.calls.any(chatId).call((c) => c.presence(me.id, since, true, fromEv));
      // Null: not a member any more (its removal is on its way to the log). An answer that
      // comes after its run ended (the last socket closed meanwhile) is no longer pushed to:
      // the row is refreshed, but the next run must ask again.
      return s ? this.fetched(chatId, s, this.since === since) : false;
    } catch (err) {
      // Told again the next time the client lists or opens it.
      this.present.delete(chatId);
      presenceFailed(chatId, me.id, err);
      return false;
    }
  }

  private async summary(me: Member, chatId: string): Promise<boolean> {
    this.summaryCalls++;
    try {
      const r = await this.calls.any(chatId).call((c) => c.summary(me.id));
      return r.ok && this.fetched(chatId, r.value, this.present.has(chatId));
    } catch {
      // The list shows what it has; the next getChats asks again.
      return false;
    }
  }

  /** Keeps a group's state; returns whether its row changed. */
  private fetched(chatId: string, s: LargeSummary, pushing: boolean): boolean {
    const changed = this.chats.refresh(chatId, s);
    if (changed) this.rowsRefreshed++;
    // Only a group that pushes here tells us when it moves.
    if (pushing) this.current.add(chatId);
    return changed;
  }

  private start(): number {
    this.lastSince = Math.max(Date.now(), this.lastSince + 1);
    this.since = this.lastSince;
    return this.since;
  }
}

/** A large group could not be told that a user came online or left: it pushes to them late, or needlessly, until the next change. */
function presenceFailed(chatId: string, userId: string, err: unknown): void {
  log({ level: "warn", event: "presence_failed", chat_id: chatId, user_id: userId, exception: errorSummary(err) });
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
