// A large group's events as its members see them: the push frames, the replay
// (getChatUpdates), and the chat as a member lists it. Messages replay as they are now: an
// edit shows its current text, a deleted message no text (its earlier pushes too).
import { fitting } from "../../contract/pages";
import type { Chat, LargePush } from "../../contract/protocol";
import { largeReactionPush } from "../../contract/push-frames";
import type { EventLog } from "../event-log";
import type { ChatEvent, ChatInfo } from "../events";
import type { MemberState } from "../members";
import { toMessage, type MessageRow, type Messages } from "../messages";
import type { ChatMeta } from "../meta";

/** Message frames are the same for every member: built once for the latest few events. */
const FRAME_CACHE = 64;

export class LargeView {
  private frames = new Map<number, string>();

  constructor(
    private readonly meta: ChatMeta,
    private readonly events: EventLog,
    private readonly messages: Messages,
  ) {}

  /** A message changed: frames built with its old text are dropped. */
  forget(): void {
    this.frames.clear();
  }

  /** An event of the group as the push a member online gets. */
  frame(e: ChatEvent, m: MemberState | undefined): string {
    if (e.kind === "chat") return JSON.stringify(this.push(e, m, null));
    if (e.kind === "reaction") return largeReactionPush(e.ev, e, e.timestamp);
    let frame = this.frames.get(e.ev);
    if (!frame) {
      if (e.kind !== "newMessage" && e.kind !== "messageEdited" && e.kind !== "messageDeleted")
        throw new Error(`a large group has no ${e.kind} pushes`);
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
  replay(m: MemberState, sinceEv: number, limit: number): { updates: LargePush[]; ev: number; has_more: boolean; too_long?: true } {
    const start = Math.max(sinceEv, m.joinedEv, this.meta.largeSince ?? 0);
    // Events after `start` are pruned (retention): the client reloads the messages and goes on from the latest.
    if (start < this.events.oldest) return { too_long: true, updates: [], ev: this.events.ev, has_more: false };
    const { events: page, more } = this.events.page(start, limit);
    const seqs = page.flatMap((e) => (e.kind === "chat" ? [e.chat.last_seq] : "seq" in e ? [e.seq] : []));
    const now = new Map(this.messages.bySeqs([...new Set(seqs)]).map((r) => [r.seq, r]));
    const all = page.map((e) => this.push(e, m, now));
    // As many as fit in a page's bytes (contract/pages.ts).
    const updates = all.slice(0, fitting(all));
    return { updates, ev: updates.at(-1)?.ev ?? this.events.ev, has_more: more || updates.length < all.length };
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
      case "reaction": {
        const { seq, username, emoji, added, reactions } = e;
        return { mode: "reactionChanged", ...head, seq, username, emoji, added, reactions };
      }
      default:
        throw new Error(`a large group's stream has no ${e.kind} events`);
    }
  }

  private chat(info: ChatInfo, m: MemberState | undefined, at: number, now: Map<number, MessageRow> | null): Chat {
    const row = now ? now.get(info.last_seq) : this.messages.get(info.last_seq);
    const read = m?.lastReadSeq ?? info.last_seq;
    return {
      chat_id: this.meta.chatId,
      type: "group",
      title: info.title,
      member_count: info.member_count,
      large: true,
      ev: info.ev ?? 0,
      ...(info.owner !== undefined && { owner: info.owner }),
      ...(m && { role: m.role }),
      description: info.description ?? "",
      slow_mode_s: info.slow_mode_s ?? 0,
      last_message: row ? toMessage(this.meta.chatId, row) : null,
      unread: Math.max(0, info.last_seq - read),
      last_read_seq: read,
      updated_at: at,
    };
  }
}
