// Fan-out on read (large groups). Once a group has more than LARGE_GROUP_MEMBERS members it
// is large from the next event on (`meta.largeSince`) and stays large. Its events after
// that are stored once, in the chat's event log, pushed only to the members online, and read
// back with getChatUpdates; a member offline costs nothing per message. What each member
// must still have in their own log (their join, leave and reads) goes through the
// member-logs fan-out's log queue.
//
// The online set: members whose user object has told this chat it has a socket open, kept
// in SQLite (it survives eviction and restart). Each event is pushed to their user objects
// in `ev` order, one batch in flight per member (the courier). A user object that answers it
// has no socket any more is dropped; it tells the chat again when it gets one. `since`
// orders what a user object says: it grows with each time the user comes online, so a late
// "no socket" answer or "offline" cannot undo a newer "online".
//
// From RELAY_FROM_ONLINE members online the group stops pushing to each member itself and
// hands its events to its relays (relays.ts), one per shard with members online; under
// half of it, it takes the members back. A member changes hands only between two pushes:
// one pushed here is handed over once its push in flight has answered, with the ev it was
// pushed up to; one handed back comes with the ev its relay pushed it up to. So each event
// reaches a member's sockets once, in ev order, whichever side pushes it.
import type { PushItem, RelayEvent } from "../../contract/objects";
import { BATCH } from "../event-log";
import type { ChatEvent, ChatInfo, EventBody, Origin } from "../events";
import type { MemberState } from "../members";
import type { Fanout, FanoutParts } from "./fanout";
import { LargeView } from "./large-view";
import type { MemberLogs } from "./member-logs";
import { Relays } from "./relays";
import { TextRewrites } from "./text-rewrites";
import { Wakes } from "./wakes";

/**
 * Typing in a large group: at most one member's typing is passed on per chat this often
 * (later ones within it are answered but go nowhere), to at most TYPING_TO members online.
 * A typing indicator in a crowd says "someone is typing"; it must not cost an RPC per member
 * online per keystroke pause of every member.
 */
export const TYPING_EVERY_MS = 1_000;
export const TYPING_TO = 100;

interface Entry {
  since: number;
  /** Pushed up to this ev (by this object; a relay's member: when handed over). */
  sent: number;
  /** Who pushes to them: this object, their relay, or their relay until it has handed them back. */
  via: "direct" | "relay" | "returning";
}

export class LivePush implements Fanout {
  private readonly view: LargeView;
  private readonly rewrites: TextRewrites;
  private readonly wakes: Wakes;
  private connected = new Map<string, Entry>();
  /** The members this object pushes to itself (all of them, unless relays push). */
  private direct = new Set<string>();
  private readonly relays: Relays;
  private relayMode = false;
  /** The latest events as relays push them: built once for every shard. */
  private relayFrames = new Map<number, RelayEvent>();
  private from: number;
  /** Members who are not the requester and get the same events share one list of pushes, built once. */
  private shared: { key: string; items: PushItem[] } | null = null;
  private typedAt = -Infinity;

  constructor(
    private readonly p: FanoutParts,
    private readonly logs: MemberLogs,
  ) {
    this.view = new LargeView(p.meta, p.events, p.messages);
    this.rewrites = new TextRewrites(p);
    this.wakes = new Wakes(p);
    // What was pushed before a restart is not known: pushes go on from the latest event, and
    // a client that missed one fills the gap with getChatUpdates.
    for (const r of p.sql.exec<{ user_id: string; since: number }>("SELECT user_id, since FROM online"))
      this.add(r.user_id, { since: r.since, sent: p.events.ev, via: "direct" });
    p.alarms.register("push", () => {
      for (const id of p.courier.retry("push")) {
        const e = this.connected.get(id);
        if (e) this.pump(id, e);
      }
    });
    this.relays = new Relays(
      p,
      (e) => this.relayEvent(e),
      (ids, sent) => this.back(ids, sent),
    );
    this.from = p.config.relayFromOnline;
    // Loaded between half the threshold and the threshold, either way is right: relays, so
    // that members a relay had before a restart are handed to it again, not left with it.
    this.balance(Math.max(1, Math.floor(this.from / 2)));
  }

  promote(): Fanout {
    return this;
  }

  roster(): { large: true; ev: number } {
    return { large: true, ev: this.p.events.nextEv };
  }

  publish(body: EventBody, origin: Origin, joined: MemberState[] = []): ChatEvent {
    // The switch itself is the last event in every member's log.
    if (this.p.meta.largeSince === this.p.events.nextEv) return this.logs.publish(body, origin);
    if (body.kind === "messageEdited" || body.kind === "messageDeleted") {
      // Frames built with the message's old text are not pushed again.
      this.view.forget();
      this.shared = null;
      this.relayFrames.clear();
    }
    const event = this.p.events.append(body, null, true, this.p.clock.now(), origin);
    if (joined.length && event.kind === "chat") {
      // Each new member gets chatCreated in their own log, with the event their view starts
      // after. Who else was added is no part of it (a large group lists no members): 1,000
      // names in each of 1,000 joiners' copies would be megabytes for nothing.
      const {
        large: _large,
        origin: _origin,
        chat: { added: _added, removed: _removed, ...chat },
        ...inLog
      } = event;
      this.logs.toLog(joined, { ...inLog, chat }, origin);
      if (chat.last_message) this.rewrites.joined(joined, chat.last_seq);
    }
    for (const userId of this.direct) this.pump(userId, this.connected.get(userId)!);
    this.relays.publish();
    if (body.kind === "newMessage") this.wakes.message(body.sender, body.message);
    return event;
  }

  read(m: MemberState, seq: number, origin: Origin): ChatEvent {
    // A read is the reader's own business: it goes to their log only (their other devices
    // clear the count), and it is not one of the group's events.
    const chatId = this.p.meta.chatId;
    const own: ChatEvent = {
      kind: "readReceipt",
      chat_id: chatId,
      ev: 0,
      key: `${chatId}:r${seq}`,
      timestamp: this.p.clock.now(),
      username: m.username,
      seq,
    };
    this.logs.toLog([m], own, origin);
    return { ...own, origin };
  }

  depart(m: MemberState, others: () => ChatInfo, origin: Origin): { mine: ChatEvent; others: ChatEvent } {
    // One event of the group for the others; the one who left has it in their log as
    // removedFromChat, and gets no more pushes.
    this.p.members.leave(m.userId, this.p.events.nextEv);
    this.drop(m.userId);
    const event = this.publish({ kind: "chat", chat: others() }, origin);
    const mine: ChatEvent = {
      kind: "removedFromChat",
      chat_id: this.p.meta.chatId,
      ev: event.ev,
      timestamp: event.timestamp,
    };
    this.logs.toLog([{ ...m, leftEv: event.ev }], mine, origin);
    return { mine: { ...mine, origin }, others: event };
  }

  typing(actorId: string, username: string): void {
    const now = this.p.clock.now();
    if (now - this.typedAt < TYPING_EVERY_MS) return;
    this.typedAt = now;
    let sent = 0;
    for (const userId of this.connected.keys()) {
      if (sent >= TYPING_TO) break;
      if (userId === actorId) continue;
      this.p.courier.fire(userId, "typing_failed", (u) => u.typing(this.p.meta.chatId, username));
      sent++;
    }
  }

  isOnline(userId: string): boolean {
    return this.connected.has(userId);
  }

  updates(m: MemberState, sinceEv: number, limit: number) {
    return this.view.replay(m, sinceEv, limit);
  }

  /**
   * A member's user object has a socket (from `since` on). Pushes start after `fromEv`
   * when given (a member who just learnt of the group at that event), else after the latest.
   */
  online(userId: string, since: number, fromEv?: number): boolean {
    const prior = this.connected.get(userId);
    if (prior && prior.since > since) return true;
    const last = this.p.events.ev;
    const sent = fromEv === undefined ? last : Math.max(Math.min(fromEv, last), last - BATCH);
    let entry = prior;
    if (entry) {
      entry.since = since;
      entry.sent = Math.min(entry.sent, sent);
      if (entry.via === "relay") this.relays.join(userId, since, entry.sent);
    } else {
      entry = { since, sent, via: "direct" };
      this.add(userId, entry);
    }
    this.p.sql.exec("INSERT OR REPLACE INTO online (user_id, since) VALUES (?, ?)", userId, since);
    this.balance();
    this.pump(userId, entry);
    return true;
  }

  relayFrom(online: number): void {
    this.from = online;
    this.balance();
  }

  /** The member's last socket closed (as of `since`). */
  offline(userId: string, since: number): void {
    const e = this.connected.get(userId);
    if (e && e.since <= since) this.drop(userId);
  }

  /** A member it mentions finds the message in their own log (sync), so a member offline learns of it; once a message. */
  mention(e: ChatEvent, userIds: string[], origin: Origin): void {
    if (e.kind !== "newMessage" && e.kind !== "messageEdited") return;
    const { chat_id, seq, sender, message, timestamp } = e;
    for (const userId of userIds) {
      const m = this.p.members.current(userId);
      if (!m || m.username === sender) continue;
      this.p.sql.exec("INSERT OR IGNORE INTO mention_logs (seq, user_id) VALUES (?, ?)", seq, userId);
      const key = `${chat_id}:m${seq}`;
      this.logs.toLog([m], { kind: "mentioned", chat_id, ev: e.ev, key, timestamp, seq, sender, message }, origin);
    }
  }

  /** Message `seq` changed: what members' logs may still carry of it is rewritten too. */
  rewritten(seq: number, message: string): void {
    this.logs.queue.rewriteText(seq, message);
    this.rewrites.changed(seq);
  }

  /** Out of the set: offline, or no longer a member. */
  private drop(userId: string): void {
    const e = this.connected.get(userId);
    if (!e) return;
    this.connected.delete(userId);
    this.direct.delete(userId);
    if (e.via !== "direct") this.relays.leave(userId, e.since);
    this.p.courier.drop("push", userId);
    this.p.sql.exec("DELETE FROM online WHERE user_id = ?", userId);
    this.balance();
  }

  private add(userId: string, e: Entry): void {
    this.connected.set(userId, e);
    this.direct.add(userId);
  }

  /** Relays from RELAY_FROM_ONLINE members online; this object again under half of it (so a crowd at the line does not flap). */
  private balance(up = this.from): void {
    const n = this.connected.size;
    if (!this.relayMode && n >= up) {
      this.relayMode = true;
      for (const id of [...this.direct]) this.pump(id, this.connected.get(id)!);
    } else if (this.relayMode && n < Math.max(1, Math.floor(this.from / 2))) {
      this.relayMode = false;
      for (const e of this.connected.values()) if (e.via === "relay") e.via = "returning";
      this.relays.releaseAll();
    }
  }

  /** Members a relay handed back, each pushed up to `sent`: pushed from here on (or handed over again). */
  private back(ids: string[], sent: (userId: string) => number): void {
    for (const id of ids) {
      const e = this.connected.get(id);
      if (!e || e.via === "direct") continue;
      e.via = "direct";
      e.sent = sent(id);
      this.direct.add(id);
      this.pump(id, e);
    }
  }

  /** An event as every member's relay pushes it: the member's own part of a chatUpdated is put in by their user object. */
  private relayEvent(e: ChatEvent): RelayEvent {
    let out = this.relayFrames.get(e.ev);
    if (out) return out;
    out = { ev: e.ev, frame: this.view.frame(e, undefined) };
    if (e.origin?.socketId) out.origin = { userId: e.origin.userId, socketId: e.origin.socketId };
    // The roles as of this event: a member's own (a role just given, say) is worked out from them.
    if (e.kind === "chat") out.reader = { ...(e.chat.owner !== undefined && { owner: e.chat.owner }), admins: e.chat.admins ?? [] };
    this.relayFrames.set(e.ev, out);
    if (this.relayFrames.size > BATCH) this.relayFrames.delete(this.relayFrames.keys().next().value!);
    return out;
  }

  /** The pushes for one member: shared by all who are not the requester when no `chat` event is among them. */
  private items(events: ChatEvent[], userId: string): PushItem[] {
    const personal = events.some((ev) => ev.kind === "chat" || ev.origin?.userId === userId);
    const key = `${events[0]!.ev}-${events.length}`;
    if (!personal && this.shared?.key === key) return this.shared.items;
    const m = events.some((ev) => ev.kind === "chat") ? this.p.members.current(userId) : undefined;
    // Every event, reactions too: a socket shown a gap in `ev` would fetch it with getChatUpdates.
    const items = events.map((ev): PushItem => {
      const frame = this.view.frame(ev, m);
      return ev.origin?.userId === userId && ev.origin.socketId ? { frame, except: ev.origin.socketId } : { frame };
    });
    if (!personal) this.shared = { key, items };
    return items;
  }

  private pump(userId: string, e: Entry): void {
    if (e.via !== "direct") return;
    if (this.relayMode) {
      // Handed over between two pushes: once the one in flight (or waiting for a retry) is done.
      if (!this.p.courier.free("push", userId)) return;
      this.p.courier.drop("push", userId);
      e.via = "relay";
      this.direct.delete(userId);
      this.relays.join(userId, e.since, e.sent);
      return;
    }
    if (e.sent >= this.p.events.ev || !this.p.courier.free("push", userId)) return;
    const events = this.p.events.after(e.sent).map((s) => s.event);
    if (!events.length) return;
    const upTo = events.at(-1)!.ev;
    const items = this.items(events, userId);
    const since = e.since;
    this.p.courier.send(
      "push",
      userId,
      (u) => u.pushLarge(this.p.meta.chatId, items),
      (hasSocket) => {
        if (this.connected.get(userId) !== e) return;
        if (!hasSocket && e.since === since) return this.drop(userId);
        e.sent = Math.max(e.sent, upTo);
        this.pump(userId, e);
      },
    );
  }
}
