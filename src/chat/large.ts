// A large group: fan-out on read. Once a group has more than LARGE_GROUP_MEMBERS members
// it is large from that event on (`since`) and stays large. Its events after that are
// stored once, here, numbered by the chat's `ev`: pushed to the members online
// (online.ts), never written in members' logs, and read back with getChatUpdates. This
// module renders them: the push frames, the replay, and the chat as a member sees it.
import type { Chat, LargePush } from "../contract/protocol";
import type { ChatEvent, ChatInfo } from "./events";
import type { MemberState } from "./members";
import { toMessage, type MessageRow } from "./messages";

export interface LargeHost {
  chatId(): string;
  lastEv(): number;
  message(seq: number): MessageRow | undefined;
}

/** What a member's user object keeps of a large group to list it (getChats). */
export interface LargeSummary {
  title: string;
  owner?: string;
  member_count: number;
  ev: number;
  last_seq: number;
  /** The last message as JSON text, or null. */
  last_message: string | null;
  last_read_seq: number;
  updated_at: number;
}

/** Message frames are the same for every member: built once for the latest few events. */
const FRAME_CACHE = 64;

export class LargeGroup {
  /** The event that made the group large, or null while it is small. */
  since: number | null;
  private frames = new Map<number, string>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly host: LargeHost,
  ) {
    const row = sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'large'").toArray()[0];
    this.since = row ? Number(row.v) : null;
  }

  /** The group is large from event `ev` on (that event is the last in members' logs). */
  start(ev: number): void {
    this.since = ev;
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES ('large', ?)", String(ev));
  }

  /** An event of the group as the push a member online gets. */
  frame(e: ChatEvent, m: MemberState | undefined): string {
    if (e.kind === "chat") return JSON.stringify(this.push(e, m, null));
    let frame = this.frames.get(e.ev);
    if (!frame) {
      if (e.kind !== "newMessage" && e.kind !== "messageEdited" && e.kind !== "messageDeleted") throw new Error(`a large group has no ${e.kind} pushes`);
      frame = `{"mode":"${e.kind}","timestamp":${e.timestamp},"chat_id":${JSON.stringify(e.chat_id)},"ev":${e.ev},"message":${e.message}}`;
      this.frames.set(e.ev, frame);
      if (this.frames.size > FRAME_CACHE) this.frames.delete(this.frames.keys().next().value!);
    }
    return frame;
  }

  /**
   * getChatUpdates: the group's pushes after `sinceEv` that member `m` may see (those after
   * they joined, and after the group became large), in pages. Messages replay as they are
   * now: an edit shows its current text, a deleted message no text (its earlier pushes too).
   */
  replay(m: MemberState, sinceEv: number, limit: number): { updates: LargePush[]; ev: number; has_more: boolean } {
    const start = Math.max(sinceEv, m.joinedEv, this.since ?? 0);
    const rows = this.sql.exec<{ data: string }>("SELECT data FROM events WHERE ev > ? ORDER BY ev LIMIT ?", start, limit + 1).toArray();
    const page = rows.slice(0, limit).map((r) => JSON.parse(r.data) as ChatEvent);
    const seqs = page.flatMap((e) => (e.kind === "chat" ? [e.chat.last_seq] : "seq" in e ? [e.seq] : []));
    const now = new Map(
      this.sql
        .exec<MessageRow>("SELECT * FROM messages WHERE seq IN (SELECT value FROM json_each(?))", JSON.stringify([...new Set(seqs)]))
        .toArray()
        .map((r) => [r.seq, r]),
    );
    const updates = page.map((e) => this.push(e, m, now));
    return { updates, ev: page.at(-1)?.ev ?? this.host.lastEv(), has_more: rows.length > limit };
  }

  /** The group as member `m` lists it now. */
  summary(info: { title: string; owner?: string; member_count: number }, m: MemberState, lastSeq: number): LargeSummary {
    const last = this.host.message(lastSeq);
    return {
      ...info,
      ev: this.host.lastEv(),
      last_seq: lastSeq,
      last_message: last ? JSON.stringify(toMessage(this.host.chatId(), last)) : null,
      last_read_seq: m.lastReadSeq,
      updated_at: last?.ts ?? 0,
    };
  }

  /** One stored event as a push; messages from `now` (the current rows) where given. */
  private push(e: ChatEvent, m: MemberState | undefined, now: Map<number, MessageRow> | null): LargePush {
    const head = { timestamp: e.timestamp, chat_id: e.chat_id, ev: e.ev };
    switch (e.kind) {
      case "newMessage":
      case "messageEdited":
      case "messageDeleted": {
        const row = now?.get(e.seq);
        return { mode: e.kind, ...head, message: row ? toMessage(e.chat_id, row) : JSON.parse(e.message) };
      }
      case "chat":
        return { mode: "chatUpdated", ...head, chat: this.chat(e.chat, m, e.timestamp, now) };
      default:
        throw new Error(`a large group's stream has no ${e.kind} events`);
    }
  }

  private chat(info: ChatInfo, m: MemberState | undefined, at: number, now: Map<number, MessageRow> | null): Chat {
    const row = now ? now.get(info.last_seq) : this.host.message(info.last_seq);
    const read = m?.lastReadSeq ?? info.last_seq;
    return {
      chat_id: this.host.chatId(),
      type: "group",
      title: info.title,
      member_count: info.member_count,
      large: true,
      ev: info.ev ?? 0,
      ...(info.owner !== undefined && { owner: info.owner }),
      last_message: row ? toMessage(this.host.chatId(), row) : null,
      unread: Math.max(0, info.last_seq - read),
      last_read_seq: read,
      updated_at: at,
    };
  }
}
