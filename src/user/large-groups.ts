// The user's large groups (fan-out on read). Their messages are not written here: the
// chat object pushes them to this object only while the user has a socket open, and
// this object passes them on to its sockets without storing them. So it tells each of
// its large groups when it gets its first socket and when its last one closes, and it
// asks them for their latest state when the chat list is read.
import type { ChatEvent, LargeSummary, Member } from "../chat";
import { errorSummary, log } from "../platform/log";
import type { ChatCalls } from "./chat-calls";
import type { ChatList } from "./chat-list";

export class LargeGroups {
  /** When the current run of having a socket began (null: no socket); orders what the chats are told. */
  private since: number | null = null;
  private lastSince = 0;
  /**
   * Large groups whose state was fetched while a socket was open and that have pushed
   * nothing since: the chat list shows them as they are without asking. Without a socket
   * nothing is pushed here, so nothing fetched stays current.
   */
  private current = new Set<string>();

  constructor(
    private readonly chats: ChatList,
    private readonly calls: ChatCalls,
    private readonly defer: (work: Promise<unknown>) => void,
  ) {}

  /** The user's first socket: every large group pushes to this object from now on. Done before the socket is usable. */
  async connected(me: Member): Promise<void> {
    const since = this.start();
    const ids = this.chats.largeIds();
    const got = await Promise.allSettled(ids.map((id) => this.calls.any(id).call((c) => c.presence(me.id, since, true))));
    // One write for all of them, so the chat list is current the moment the socket is.
    got.forEach((r, i) => {
      if (r.status === "fulfilled" && r.value) this.fetched(ids[i]!, r.value);
      else if (r.status === "rejected") presenceFailed(ids[i]!, me.id, r.reason);
    });
  }

  /** The user's last socket closed: no more pushes. */
  disconnected(me: Member): void {
    // Woken from hibernation, this object no longer knows when its sockets came: any
    // "online" the groups have from before now is over.
    const since = this.since ?? Date.now();
    this.since = null;
    this.current.clear();
    for (const id of this.chats.largeIds())
      this.defer(this.calls.any(id).call((c) => c.presence(me.id, since, false)).catch((err: unknown) => presenceFailed(id, me.id, err)));
  }

  /**
   * Our log just listed a large group (we joined one, or a group we are in became large)
   * at event `ev`: with a socket open, it pushes from there on.
   */
  joined(me: Member, chatId: string, ev: number, hasSocket: boolean): void {
    if (!hasSocket) return;
    const since = this.since ?? this.start();
    this.defer(
      this.calls
        .any(chatId)
        .call((c) => c.presence(me.id, since, true, ev))
        .then((s) => s && this.fetched(chatId, s))
        .catch((err: unknown) => presenceFailed(chatId, me.id, err)),
    );
  }

  left(chatId: string): void {
    this.current.delete(chatId);
  }

  /** The group pushed something: what was fetched of it is out of date. */
  moved(chatId: string): void {
    this.current.delete(chatId);
  }

  /** Before the chat list is read: large groups that may have moved are asked for their state. */
  async refresh(me: Member): Promise<void> {
    const stale = this.chats.largeIds().filter((id) => !this.current.has(id));
    const got = await Promise.allSettled(stale.map((id) => this.calls.any(id).call((c) => c.summary(me.id))));
    got.forEach((r, i) => {
      if (r.status === "fulfilled" && r.value.ok) this.fetched(stale[i]!, r.value.value);
    });
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
        if (e.chat.last_message) this.chats.addMessages(e.chat_id, { seq: e.chat.last_seq, message: e.chat.last_message, at: 0, own: 0, others: 0 });
        break;
      default:
        throw new Error(`a large group has no ${e.kind} of its own`);
    }
    this.chats.seenEv(e.chat_id, e.ev);
    return { ev: e.ev };
  }

  private fetched(chatId: string, s: LargeSummary): void {
    this.chats.refresh(chatId, s);
    if (this.since !== null) this.current.add(chatId);
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
