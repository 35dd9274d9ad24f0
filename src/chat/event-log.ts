// The chat's event log: every change of the chat is an event with the next `ev`, written in
// the same synchronous block (so the same transaction) as the change itself. The only owner
// of the `events` table: fan-out reads it (fanout/), nobody else writes it. The latest few
// events stay in memory, so fan-out does not read back what it has just written.
//
// Edited and deleted text: when a message changes, the events that carry its text are
// rewritten, so no replay or delivery still to come shows a text that is gone. The cost of
// that must not grow with the number of edits: an edit or delete supersedes the message's
// earlier `messageEdited` event, which shrinks to a stand-in without text (`ev` stays
// gapless) that is read back as the message as it is now. So the rows that carry a
// message's text are always its `newMessage`, its latest edit, and the `chat` events whose
// last message it was, whatever the count of edits.
//
// Retention (large groups): the latest `keep` events are kept (EVENTS_KEEP). Once twice
// that is held the older half goes in one step every `keep` events, so the table never
// holds more than twice the bound; the event that made the group large stays (its
// members' logs were written up to it). A replay from before what is kept is too_long.
import type { ChatEvent, EventBody, Origin } from "./events";
import type { Messages } from "./messages";

/** How many events one read returns at most. */
export const BATCH = 100;
/** How many recent events stay in memory. */
const RECENT = 512;

export interface Stored {
  event: ChatEvent;
  /** Who sees it: null for the members at that moment. */
  audience: string[] | null;
}

export class EventLog {
  private lastEv: number;
  /** Events after this ev are kept; those up to it may be pruned. */
  private floor: number;
  private recent = new Map<number, Stored>();

  /** For tests: the rows and bytes of events the latest rewrite wrote. */
  lastRewrite = { rows: 0, bytes: 0 };

  constructor(
    private readonly sql: SqlStorage,
    private readonly chatId: () => string,
    private readonly messages: Messages,
    private readonly keep: number,
    /** The event that made the group large: never pruned. */
    private readonly spare: () => number | null,
  ) {
    this.lastEv = sql.exec<{ e: number | null }>("SELECT MAX(ev) AS e FROM events").one().e ?? 0;
    // What is kept is the spare and every event after the floor.
    const lo = sql.exec<{ e: number | null }>("SELECT MIN(ev) AS e FROM events WHERE ev != ?", spare() ?? 0).one().e;
    this.floor = lo === null ? 0 : lo - 1;
  }

  /** Events up to this one may be gone: a replay must start at or after it. */
  get oldest(): number {
    return this.floor;
  }

  /** The latest event's number. */
  get ev(): number {
    return this.lastEv;
  }

  /** The ev the next event will get. */
  get nextEv(): number {
    return this.lastEv + 1;
  }

  /**
   * Stores an event with the next `ev`. `audience` null: the members at that moment. `large`:
   * one of a large group's events (pushed, never logged; pruned past the bound). The answer carries `origin`, the stored row does not.
   */
  append(body: EventBody, audience: string[] | null, large: boolean, at: number, origin?: Origin): ChatEvent {
    const ev = this.lastEv + 1;
    const event = { ...body, chat_id: this.chatId(), ev, timestamp: at, ...(large && { large: true }) } as ChatEvent;
    this.sql.exec(
      "INSERT INTO events (ev, data, audience, msg_seq) VALUES (?, ?, ?, ?)",
      ev,
      JSON.stringify(event),
      audience && JSON.stringify(audience),
      textOf(event),
    );
    this.lastEv = ev;
    const live = origin ? { ...event, origin } : event;
    this.recent.set(ev, { event: live, audience });
    if (this.recent.size > RECENT) this.recent.delete(ev - RECENT);
    if (large) this.prune();
    return live;
  }

  /** Past twice the bound: down to the bound. */
  private prune(): void {
    if (this.lastEv - this.floor <= 2 * this.keep) return;
    this.floor = this.lastEv - this.keep;
    this.sql.exec("DELETE FROM events WHERE ev <= ? AND ev != ?", this.floor, this.spare() ?? 0);
  }

  /** Stored events after `ev`, oldest first, at most `max` (≤ BATCH), from memory while recent. */
  after(ev: number, max = BATCH): Stored[] {
    const n = Math.min(max, BATCH);
    if (this.recent.has(ev + 1)) {
      const out: Stored[] = [];
      for (let e = ev + 1; e <= this.lastEv && out.length < n; e++) out.push(this.recent.get(e)!);
      return out;
    }
    return this.sql
      .exec<{ data: string; audience: string | null }>("SELECT data, audience FROM events WHERE ev > ? ORDER BY ev LIMIT ?", ev, n)
      .toArray()
      .map((r) => ({
        event: this.parse(r.data),
        audience: r.audience === null ? null : (JSON.parse(r.audience) as string[]),
      }));
  }

  /** Up to `limit` events after `ev`, oldest first, and whether more follow (getChatUpdates). */
  page(ev: number, limit: number): { events: ChatEvent[]; more: boolean } {
    const rows = this.sql.exec<{ data: string }>("SELECT data FROM events WHERE ev > ? ORDER BY ev LIMIT ?", ev, limit + 1).toArray();
    return { events: rows.slice(0, limit).map((r) => this.parse(r.data)), more: rows.length > limit };
  }

  at(ev: number): ChatEvent {
    const cached = this.recent.get(ev);
    if (cached) return cached.event;
    return this.parse(this.sql.exec<{ data: string }>("SELECT data FROM events WHERE ev = ?", ev).one().data);
  }

  /**
   * The event of message `seq`'s latest change (an idempotent resend or repeated delete
   * answers with it); a pruned one is rebuilt from the message as it is now.
   */
  ofMessage(seq: number, ev: number): ChatEvent {
    if (ev > this.floor || this.recent.has(ev)) return this.at(ev);
    const row = this.messages.get(seq)!;
    const kind = row.deleted ? "messageDeleted" : row.edited_at !== null ? "messageEdited" : "newMessage";
    const message = this.messages.json(this.chatId(), seq)!;
    return {
      kind,
      chat_id: this.chatId(),
      ev,
      timestamp: row.edited_at ?? row.ts,
      seq,
      sender: row.sender,
      message,
      large: true,
    } as ChatEvent;
  }

  /** For tests: every event's row as stored, in ev order. */
  stored(): string[] {
    return this.sql
      .exec<{ data: string }>("SELECT data FROM events ORDER BY ev")
      .toArray()
      .map((r) => r.data);
  }

  /** For tests: the bytes the events table holds. */
  bytes(): number {
    return this.sql.exec<{ n: number | null }>("SELECT SUM(length(data)) AS n FROM events").one().n ?? 0;
  }

  /** A stored event; a stand-in gets the message as it is now. */
  private parse(data: string): ChatEvent {
    const e = JSON.parse(data) as ChatEvent;
    if ((e.kind === "messageEdited" || e.kind === "messageDeleted") && e.message === undefined)
      e.message = this.messages.json(e.chat_id, e.seq) ?? "null";
    return e;
  }

  /**
   * Message `seq` is about to be edited or deleted (its new event comes next): every event
   * that carries its text now carries `message`, and its earlier edit event becomes a
   * stand-in. Touches a bounded number of rows however often the message was edited.
   */
  rewriteText(seq: number, message: string): void {
    let rows = 0;
    let bytes = 0;
    for (const row of this.sql.exec<{ ev: number; data: string }>("SELECT ev, data FROM events WHERE msg_seq = ?", seq).toArray()) {
      const event = JSON.parse(row.data) as ChatEvent;
      let data: string;
      if (event.kind === "messageEdited" || event.kind === "messageDeleted") {
        const { message: _text, ...standIn } = event;
        data = JSON.stringify(standIn);
        this.sql.exec("UPDATE events SET data = ?, msg_seq = NULL WHERE ev = ?", data, row.ev);
      } else {
        withText(event, seq, message);
        data = JSON.stringify(event);
        this.sql.exec("UPDATE events SET data = ? WHERE ev = ?", data, row.ev);
      }
      rows++;
      bytes += data.length;
    }
    // In memory every copy gets the current text (stand-ins included: their text is the current one).
    for (const { event } of this.recent.values()) if (carries(event, seq)) withText(event, seq, message);
    this.lastRewrite = { rows, bytes };
  }
}

/** The seq of the message whose text an event carries, if any. */
export function textOf(e: ChatEvent): number | null {
  if (e.kind === "newMessage" || e.kind === "messageEdited" || e.kind === "messageDeleted") return e.seq;
  if (e.kind === "chat" && e.chat.last_message != null) return e.chat.last_seq;
  return null;
}

export function carries(e: ChatEvent, seq: number): boolean {
  if (e.kind === "newMessage" || e.kind === "messageEdited" || e.kind === "messageDeleted") return e.seq === seq;
  return e.kind === "chat" && e.chat.last_seq === seq;
}

/** Puts the current `message` (JSON) where an event carries message `seq`. */
export function withText(e: ChatEvent, seq: number, message: string): void {
  if (e.kind === "newMessage" || e.kind === "messageEdited" || e.kind === "messageDeleted") e.message = message;
  else if (e.kind === "chat" && e.chat.last_seq === seq && e.chat.last_message != null) e.chat.last_message = message;
}
