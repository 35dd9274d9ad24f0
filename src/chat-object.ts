// ChatObject: one chat. It owns the members and their roles, the gapless message sequence
// (`seq`), the messages in its own SQLite, idempotent sends, and the outbox that fans each
// event out to the members' user objects. Only UserObject calls it, over RPC.
//
// Every change is an event with the chat's next `ev`, written in the same synchronous
// block (so the same transaction) as the change itself. The events table is the outbox:
// each member has a delivery cursor, one batch in flight at a time, so a member gets the
// chat's events in order. A failed delivery is retried from an alarm with backoff; the
// user object applies each (chat_id, ev) once, so retries never show anything twice.
// Cursors are persisted lazily from the alarm: after a restart a member may be sent a few
// events again, which its user object ignores.
import { DurableObject } from "cloudflare:workers";
import type { ChatEvent, ChatInfo, EventBody, Member, Origin } from "./chat-events";
import { migrate } from "./do-sql";
import { ApiError, catching, chatNotFound, type Result } from "./errors";
import { MAX_GROUP_MEMBERS, type Message, type PayloadOf, type RequestOf } from "./protocol";
import type { UserObject } from "./user-object";

const SCHEMA = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE members (user_id TEXT PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL,
     joined_ev INTEGER NOT NULL, left_ev INTEGER, delivered_ev INTEGER NOT NULL, last_read_seq INTEGER NOT NULL);
   CREATE TABLE messages (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, sender_id TEXT NOT NULL,
     sender TEXT NOT NULL, content TEXT NOT NULL, ts INTEGER NOT NULL, client_msg_id TEXT,
     edited_at INTEGER, deleted INTEGER NOT NULL DEFAULT 0, ev INTEGER NOT NULL);
   CREATE UNIQUE INDEX messages_idem ON messages (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL;
   CREATE TABLE events (ev INTEGER PRIMARY KEY, data TEXT NOT NULL, audience TEXT);`,
];

/** How many events one delivery carries at most. */
const BATCH = 100;
/** How many recent events stay in memory, so fan-out does not read them back. */
const RECENT = 512;
/** A member's typing goes out at most this often; a client repeating it sooner is answered but not fanned out. */
const TYPING_EVERY_MS = 2_000;
/** How soon after a change the alarm persists cursors and re-checks deliveries. */
const FLUSH_MS = 2_000;
const MAX_BACKOFF_MS = 60_000;

interface MemberState {
  userId: string;
  username: string;
  role: "owner" | "member";
  joinedEv: number;
  leftEv: number | null;
  lastReadSeq: number;
  /** Delivered and acknowledged up to here. */
  acked: number;
  inflight: boolean;
  failures: number;
}

interface Stored {
  event: ChatEvent;
  audience: string[] | null;
}

interface MessageRow extends Record<string, SqlStorageValue> {
  seq: number;
  message_id: string;
  sender_id: string;
  sender: string;
  content: string;
  ts: number;
  client_msg_id: string | null;
  edited_at: number | null;
  deleted: number;
  ev: number;
}

export interface MessageResult {
  message: Message;
  event: ChatEvent;
}

export class ChatObject extends DurableObject<Env> {
  private sql: SqlStorage;
  private chatId = "";
  private type: "direct" | "group" | null = null;
  private title = "";
  private members = new Map<string, MemberState>();
  private lastSeq = 0;
  private lastEv = 0;
  private recent = new Map<number, Stored>();
  private dirty = new Set<string>();
  private alarmAt: number | null = null;
  private stubs = new Map<string, DurableObjectStub<UserObject>>();
  private typedAt = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql, SCHEMA);
      const meta = new Map(this.sql.exec<{ k: string; v: string }>("SELECT k, v FROM meta").toArray().map((r) => [r.k, r.v]));
      this.chatId = meta.get("chat_id") ?? "";
      this.type = (meta.get("type") as "direct" | "group" | undefined) ?? null;
      this.title = meta.get("title") ?? "";
      for (const r of this.sql.exec<{
        user_id: string; username: string; role: string; joined_ev: number; left_ev: number | null; delivered_ev: number; last_read_seq: number;
      }>("SELECT * FROM members")) {
        this.members.set(r.user_id, {
          userId: r.user_id, username: r.username, role: r.role as "owner" | "member", joinedEv: r.joined_ev,
          leftEv: r.left_ev, lastReadSeq: r.last_read_seq, acked: r.delivered_ev, inflight: false, failures: 0,
        });
      }
      this.lastSeq = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM messages").one().s ?? 0;
      this.lastEv = this.sql.exec<{ e: number | null }>("SELECT MAX(ev) AS e FROM events").one().e ?? 0;
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- Creating chats ----

  /** The direct chat of a pair: created on first call; later calls return its first event. */
  async openDirect(chatId: string, pair: [Member, Member], origin: Origin): Promise<Result<{ created: boolean; event: ChatEvent }>> {
    return catching("openDirect", () => {
      if (this.type) return { created: false, event: { ...this.eventAt(1), origin } };
      this.init(chatId, "direct", "");
      for (const m of pair) this.addMember(m, "member");
      return { created: true, event: this.emit({ kind: "chat", chat: this.info() }, null, origin) };
    });
  }

  async createGroup(chatId: string, title: string, owner: Member, others: Member[], origin: Origin): Promise<Result<ChatEvent>> {
    return catching("createGroup", () => {
      if (this.type) throw new Error(`group id ${chatId} is taken`);
      this.init(chatId, "group", title);
      this.addMember(owner, "owner");
      for (const m of others) if (m.id !== owner.id) this.addMember(m, "member");
      return this.emit({ kind: "chat", chat: this.info() }, null, origin);
    });
  }

  // ---- Members ----

  async addMembers(actorId: string, users: Member[], origin: Origin): Promise<Result<ChatEvent | null>> {
    return catching("addMembers", () => {
      this.requireOwner(actorId);
      const added = users.filter((u) => !this.isMember(u.id));
      if (!added.length) return null;
      if (this.current().length + added.length > MAX_GROUP_MEMBERS)
        throw new ApiError(400, "invalid_request", `a group has at most ${MAX_GROUP_MEMBERS} members`, {
          members: `would make ${this.current().length + added.length} members, over ${MAX_GROUP_MEMBERS}`,
        });
      for (const u of added) this.addMember(u, "member");
      return this.emit({ kind: "chat", chat: this.info() }, null, origin);
    });
  }

  /** Removes a member (owner only). Returns the event the owner sees. */
  async removeMember(actorId: string, target: Member, origin: Origin): Promise<Result<ChatEvent>> {
    return catching("removeMember", () => {
      this.requireOwner(actorId);
      if (target.id === actorId)
        throw new ApiError(400, "invalid_request", "to leave a group use leaveChat", { username: "is you; use leaveChat" });
      if (!this.isMember(target.id))
        throw new ApiError(404, "user_not_found", `${target.username} is not a member of this chat`, { username: "is not a member" });
      return this.depart(target.id, origin).others!;
    });
  }

  async leave(actorId: string, origin: Origin): Promise<Result<ChatEvent>> {
    return catching("leave", () => {
      this.requireMember(actorId);
      if (this.type === "direct") throw new ApiError(400, "wrong_chat_type", "a direct chat cannot be left");
      return this.depart(actorId, origin).mine;
    });
  }

  // ---- Messages ----

  async send(actor: Member, type: "direct" | "group", content: string, clientMsgId: string | undefined, origin: Origin): Promise<Result<MessageResult>> {
    return catching("send", () => {
      const m = this.requireMember(actor.id);
      if (this.type !== type)
        throw new ApiError(400, "wrong_chat_type", type === "direct" ? "this is a group: use sendGroupMessage" : "this is a direct chat: use sendMessage");
      if (clientMsgId !== undefined) {
        const row = this.sql
          .exec<MessageRow>("SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?", actor.id, clientMsgId)
          .toArray()[0];
        if (row) return { message: toMessage(this.chatId, row), event: this.eventAt(row.ev) };
      }
      const seq = this.lastSeq + 1;
      const ts = Date.now();
      const message: Message = {
        message_id: crypto.randomUUID(), chat_id: this.chatId, seq, sender: m.username, content,
        content_type: "text", timestamp: ts, ...(clientMsgId !== undefined && { client_msg_id: clientMsgId }),
      };
      const event = this.emit({ kind: "newMessage", seq, sender: m.username, message: JSON.stringify(message) }, null, origin);
      this.sql.exec(
        "INSERT INTO messages (seq, message_id, sender_id, sender, content, ts, client_msg_id, ev) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        seq, message.message_id, actor.id, m.username, content, ts, clientMsgId ?? null, event.ev,
      );
      this.lastSeq = seq;
      // Sending reads the chat up to your own message.
      m.lastReadSeq = seq;
      this.sql.exec("UPDATE members SET last_read_seq = ? WHERE user_id = ?", seq, actor.id);
      return { message, event };
    });
  }

  async edit(actorId: string, seq: number, content: string, origin: Origin): Promise<Result<MessageResult>> {
    return catching("edit", () => {
      const row = this.ownMessage(actorId, seq);
      if (row.deleted) throw new ApiError(404, "message_not_found", `message ${seq} was deleted`);
      row.content = content;
      row.edited_at = Date.now();
      return this.rewrite(row, "messageEdited", origin);
    });
  }

  /** Deleting twice returns the first deletion. */
  async remove(actorId: string, seq: number, origin: Origin): Promise<Result<MessageResult>> {
    return catching("remove", () => {
      const row = this.ownMessage(actorId, seq);
      if (row.deleted) return { message: toMessage(this.chatId, row), event: this.eventAt(row.ev) };
      row.content = "";
      row.deleted = 1;
      return this.rewrite(row, "messageDeleted", origin);
    });
  }

  async getMessages(actorId: string, q: RequestOf<"getMessages">): Promise<Result<PayloadOf<"getMessages">>> {
    return catching("getMessages", () => {
      this.requireMember(actorId);
      const limit = q.limit ?? 50;
      const { before_seq: before, after_seq: after } = q;
      const where: string[] = [];
      const args: number[] = [];
      if (before !== undefined) {
        where.push("seq < ?");
        args.push(before);
      }
      if (after !== undefined) {
        where.push("seq > ?");
        args.push(after);
      }
      // With only an upper bound (or none) the page is the newest below it; else the oldest above.
      const newest = after === undefined;
      const rows = this.sql
        .exec<MessageRow>(
          `SELECT * FROM messages ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${newest ? "DESC" : "ASC"} LIMIT ?`,
          ...args, limit + 1,
        )
        .toArray();
      const has_more = rows.length > limit;
      const page = rows.slice(0, limit);
      if (newest) page.reverse();
      return { chat_id: this.chatId, messages: page.map((r) => toMessage(this.chatId, r)), has_more };
    });
  }

  // ---- Reading and typing ----

  async markRead(actorId: string, seq: number, origin: Origin): Promise<Result<{ last_read_seq: number; last_seq: number; event: ChatEvent | null }>> {
    return catching("markRead", () => {
      const m = this.requireMember(actorId);
      const target = Math.min(seq, this.lastSeq);
      if (target <= m.lastReadSeq) return { last_read_seq: m.lastReadSeq, last_seq: this.lastSeq, event: null };
      m.lastReadSeq = target;
      this.sql.exec("UPDATE members SET last_read_seq = ? WHERE user_id = ?", target, actorId);
      const event = this.emit({ kind: "readReceipt", username: m.username, seq: target }, null, origin);
      return { last_read_seq: target, last_seq: this.lastSeq, event };
    });
  }

  /** Typing is not stored: it goes straight to the other members' sockets, best effort. */
  async typing(actorId: string): Promise<Result<null>> {
    return catching("typing", () => {
      const m = this.requireMember(actorId);
      const now = Date.now();
      if (now - (this.typedAt.get(actorId) ?? 0) < TYPING_EVERY_MS) return null;
      this.typedAt.set(actorId, now);
      for (const other of this.current())
        if (other.userId !== actorId)
          this.user(other.userId).typing(this.chatId, m.username).catch((err: unknown) => console.warn("typing push failed", err));
      return null;
    });
  }

  // ---- Fan-out ----

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.persistCursors();
    for (const m of this.members.values()) {
      m.failures = 0;
      if (!this.settled(m)) this.pump(m);
    }
    if (this.dirty.size || [...this.members.values()].some((m) => !this.settled(m))) await this.wakeIn(FLUSH_MS);
  }

  /** Sends a member everything they have not acknowledged, one batch in flight at a time. */
  private pump(m: MemberState): void {
    if (m.inflight || m.failures) return;
    const { events, upTo } = this.pending(m);
    if (!events.length) {
      if (upTo > m.acked) (m.acked = upTo), this.dirty.add(m.userId);
      return;
    }
    m.inflight = true;
    this.user(m.userId)
      .deliver({ id: m.userId, username: m.username }, events)
      .then(
        () => {
          m.inflight = false;
          m.acked = upTo;
          this.dirty.add(m.userId);
          void this.wakeIn(FLUSH_MS);
          this.pump(m);
        },
        (err: unknown) => {
          m.inflight = false;
          m.failures++;
          const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (m.failures - 1)) * (0.5 + Math.random() / 2);
          console.warn(`delivery of ${this.chatId} to ${m.userId} failed (${m.failures}), retrying in ${Math.round(delay)} ms`, err);
          void this.wakeIn(delay);
        },
      );
  }

  /** Has everything this member will ever see been delivered? */
  private settled(m: MemberState): boolean {
    return m.acked >= (m.leftEv ?? this.lastEv);
  }

  private pending(m: MemberState): { events: ChatEvent[]; upTo: number } {
    const events: ChatEvent[] = [];
    let upTo = m.acked;
    while (events.length < BATCH && upTo < this.lastEv) {
      const scan = this.eventsAfter(upTo);
      if (!scan.length) break;
      for (const s of scan) {
        if (events.length >= BATCH) break;
        upTo = s.event.ev;
        if (this.sees(m, s)) events.push(s.event);
      }
    }
    return { events, upTo };
  }

  private eventsAfter(ev: number): Stored[] {
    if (this.recent.has(ev + 1)) {
      const out: Stored[] = [];
      for (let e = ev + 1; e <= this.lastEv && out.length < BATCH; e++) out.push(this.recent.get(e)!);
      return out;
    }
    return this.sql
      .exec<{ data: string; audience: string | null }>("SELECT data, audience FROM events WHERE ev > ? ORDER BY ev LIMIT ?", ev, BATCH)
      .toArray()
      .map((r) => ({ event: JSON.parse(r.data) as ChatEvent, audience: r.audience === null ? null : (JSON.parse(r.audience) as string[]) }));
  }

  private sees(m: MemberState, s: Stored): boolean {
    if (s.audience) return s.audience.includes(m.userId);
    const ev = s.event.ev;
    return m.joinedEv <= ev && (m.leftEv === null || ev <= m.leftEv);
  }

  private persistCursors(): void {
    for (const id of this.dirty) {
      const m = this.members.get(id);
      if (m) this.sql.exec("UPDATE members SET delivered_ev = ? WHERE user_id = ?", m.acked, id);
    }
    this.dirty.clear();
  }

  private async wakeIn(ms: number): Promise<void> {
    const at = Date.now() + ms;
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  // ---- Internals ----

  /** Stores an event with the next `ev` and starts delivering it. `audience` null: the members at that moment. */
  private emit(body: EventBody, audience: string[] | null, origin?: Origin): ChatEvent {
    const ev = this.lastEv + 1;
    const event = { ...body, chat_id: this.chatId, ev, timestamp: Date.now() } as ChatEvent;
    this.sql.exec("INSERT INTO events (ev, data, audience) VALUES (?, ?, ?)", ev, JSON.stringify(event), audience && JSON.stringify(audience));
    this.lastEv = ev;
    const live = origin ? { ...event, origin } : event;
    this.recent.set(ev, { event: live, audience });
    if (this.recent.size > RECENT) this.recent.delete(ev - RECENT);
    void this.wakeIn(FLUSH_MS);
    // The requester's own user object applies the event from our answer, so it is not sent
    // one now; it rides along with the requester's next delivery, or the alarm's.
    for (const m of this.members.values()) if (m.userId !== origin?.userId && !this.settled(m)) this.pump(m);
    return live;
  }

  private eventAt(ev: number): ChatEvent {
    const cached = this.recent.get(ev);
    if (cached) return cached.event;
    return JSON.parse(this.sql.exec<{ data: string }>("SELECT data FROM events WHERE ev = ?", ev).one().data) as ChatEvent;
  }

  private init(chatId: string, type: "direct" | "group", title: string): void {
    this.chatId = chatId;
    this.type = type;
    this.title = title;
    for (const [k, v] of [["chat_id", chatId], ["type", type], ["title", title]])
      this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", k!, v!);
  }

  /** Adds (or re-adds) a member from the next event on. */
  private addMember(u: Member, role: "owner" | "member"): void {
    const ev = this.lastEv + 1;
    const prior = this.members.get(u.id);
    const m: MemberState = {
      userId: u.id, username: u.username, role, joinedEv: ev, leftEv: null, lastReadSeq: this.lastSeq,
      acked: prior ? prior.acked : ev - 1, inflight: prior?.inflight ?? false, failures: prior?.failures ?? 0,
    };
    this.members.set(u.id, m);
    this.sql.exec(
      "INSERT OR REPLACE INTO members (user_id, username, role, joined_ev, left_ev, delivered_ev, last_read_seq) VALUES (?, ?, ?, ?, NULL, ?, ?)",
      u.id, u.username, role, ev, m.acked, m.lastReadSeq,
    );
  }

  /** A member leaves or is removed: they are told, the rest see the new member list. */
  private depart(userId: string, origin: Origin): { mine: ChatEvent; others: ChatEvent | null } {
    const m = this.members.get(userId)!;
    const mine = this.emit({ kind: "removedFromChat" }, [userId], origin);
    m.leftEv = mine.ev;
    const wasOwner = m.role === "owner";
    m.role = "member";
    this.sql.exec("UPDATE members SET left_ev = ?, role = 'member' WHERE user_id = ?", mine.ev, userId);
    const rest = this.current();
    if (wasOwner && rest.length) {
      // The longest-standing member inherits the group.
      const heir = rest.reduce((a, b) => (b.joinedEv < a.joinedEv ? b : a));
      heir.role = "owner";
      this.sql.exec("UPDATE members SET role = 'owner' WHERE user_id = ?", heir.userId);
    }
    const others = rest.length ? this.emit({ kind: "chat", chat: this.info() }, null, origin) : null;
    return { mine, others };
  }

  private rewrite(row: MessageRow, kind: "messageEdited" | "messageDeleted", origin: Origin): MessageResult {
    const message = toMessage(this.chatId, row);
    const event = this.emit({ kind, seq: row.seq, sender: row.sender, message: JSON.stringify(message) }, null, origin);
    this.sql.exec("UPDATE messages SET content = ?, edited_at = ?, deleted = ?, ev = ? WHERE seq = ?", row.content, row.edited_at, row.deleted, event.ev, row.seq);
    return { message, event };
  }

  private ownMessage(actorId: string, seq: number): MessageRow {
    this.requireMember(actorId);
    const row = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
    if (!row) throw new ApiError(404, "message_not_found", `no message ${seq} in this chat`);
    if (row.sender_id !== actorId) throw new ApiError(403, "forbidden", "only the sender can change a message");
    return row;
  }

  private info(): ChatInfo {
    const members = this.current().sort((a, b) => a.joinedEv - b.joinedEv || a.username.localeCompare(b.username));
    const owner = members.find((m) => m.role === "owner");
    const last = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", this.lastSeq).toArray()[0];
    return {
      type: this.type!,
      title: this.title,
      members: members.map((m) => m.username),
      ...(this.type === "group" && owner && { owner: owner.username }),
      last_seq: this.lastSeq,
      last_message: last ? JSON.stringify(toMessage(this.chatId, last)) : null,
    };
  }

  private current(): MemberState[] {
    return [...this.members.values()].filter((m) => m.leftEv === null);
  }

  private isMember(userId: string): boolean {
    const m = this.members.get(userId);
    return !!m && m.leftEv === null;
  }

  private requireMember(userId: string): MemberState {
    const m = this.members.get(userId);
    if (!this.type || !m || m.leftEv !== null) throw chatNotFound(this.chatId || "with this id");
    return m;
  }

  private requireOwner(userId: string): MemberState {
    const m = this.requireMember(userId);
    if (this.type !== "group") throw new ApiError(400, "wrong_chat_type", "a direct chat has no members to manage");
    if (m.role !== "owner") throw new ApiError(403, "forbidden", "only the group's owner can change its members");
    return m;
  }

  private user(userId: string): DurableObjectStub<UserObject> {
    let stub = this.stubs.get(userId);
    if (!stub) {
      stub = this.env.USERS.get(this.env.USERS.idFromName(userId));
      this.stubs.set(userId, stub);
    }
    return stub;
  }
}

function toMessage(chatId: string, r: MessageRow): Message {
  return {
    message_id: r.message_id,
    chat_id: chatId,
    seq: r.seq,
    sender: r.sender,
    content: r.content,
    content_type: "text",
    timestamp: r.ts,
    ...(r.client_msg_id !== null && { client_msg_id: r.client_msg_id }),
    ...(r.edited_at !== null && { edited_at: r.edited_at }),
    ...(r.deleted ? { deleted: true as const } : {}),
  };
}
