// The receiving side of the user object, in one place: what chat objects deliver to the
// user's log (`deliver`), what large groups push live (`pushLarge`), typing, and the
// requester's own change, answered with its `pts` (logged like any delivery) or, in a large
// group, its `ev` (not logged: the group keeps it). For each event the chat list projects
// (chat-list.ts), the log stores the push (update-log.ts), and then the sockets get it:
// a push is always in the log that sync replays.
import type { ChatEvent, Member, PushItem } from "../chat";
import { Message } from "../contract/protocol";
import { log } from "../platform/log";
import {
  chatPush,
  mentionedPush,
  messagePush,
  reactionChangedPush,
  readReceiptPush,
  removedFromChatPush,
  typingPush,
} from "../contract/push-frames";
import { previewOf } from "./replies";
import type { Blocks } from "./blocks";
import type { ChatList } from "./chat-list";
import { foldMessage, type MessageRun } from "./fold";
import type { LargeGroups } from "./large-groups";
import type { Sockets } from "./sockets";
import type { LogRow, UpdateLog } from "./update-log";

interface Pending extends LogRow {
  /** The frame sockets get now: with the message's text. */
  push: string;
  /** The socket whose request caused it: it has its answer and gets no push. */
  except: string | null;
}

export interface InboxHost {
  /** The user is out of a chat (removed, or left). */
  left(chatId: string): void;
  /** Someone else put the user into a group: it counts against the user's group changes. */
  addedToGroup(): void;
  /** Events that were new to the log, once applied (Web Push looks for messages that notify). */
  landed(me: Member, events: ChatEvent[]): void;
}

export class Inbox {
  constructor(
    private readonly log: UpdateLog,
    private readonly chats: ChatList,
    private readonly large: LargeGroups,
    private readonly sockets: Sockets,
    private readonly blocks: Blocks,
    private readonly host: InboxHost,
  ) {}

  /** A chat object's delivery: each event applied at most once, in the order given. */
  deliver(me: Member, events: ChatEvent[]): void {
    this.apply(me, events, true);
  }

  /** The requester's own change: its pts in their log, or, for a large group's event, its ev. */
  own(me: Member, e: ChatEvent): { pts: number } | { ev: number } {
    return e.large ? this.large.own(me, e) : { pts: this.one(me, e) };
  }

  /** One event from a request's answer (never a large group's): its pts. */
  one(me: Member, e: ChatEvent): number {
    return this.apply(me, [e])[0]!;
  }

  /** A large group's pushes: passed on to the sockets, not stored. False: no socket here (the group stops pushing). */
  pushLarge(chatId: string, items: PushItem[]): boolean {
    this.large.moved(chatId);
    const me = items.some((i) => i.reader) ? this.sockets.user() : null;
    return this.sockets.pass(items.map((i) => (i.reader ? this.large.asReader(chatId, i, me) : i))) > 0;
  }

  /** Message `seq` of `chatId` is now `message` where no log event says so (MemberInbox.rewriteText). */
  rewriteText(me: Member, chatId: string, seq: number, message: string): void {
    const parsed = Message.safeParse(parseJson(message));
    // A chat object's bug, not the user's: logged, and nothing changes.
    if (!parsed.success || parsed.data.chat_id !== chatId || parsed.data.seq !== seq) {
      log({ level: "error", event: "rewrite_refused", chat_id: chatId, where: "Inbox.rewriteText" });
      return;
    }
    this.log.rewriteText(`${chatId}:${seq}`, message);
    // An edit may have dropped the member's name (or named them again), a delete drops it.
    this.chats.mentions.seen(me, chatId, seq, message, false);
    this.chats.changeMessage(chatId, seq, message);
  }

  typing(chatId: string, username: string): void {
    if (!this.blocks.blocks(username)) this.sockets.broadcast(typingPush(chatId, username), null);
  }

  /**
   * Applies chat events: the chat list projects each, the log stores each push with the
   * next pts, then the sockets get them. An event whose key is in the log already is skipped
   * and keeps its first pts. Synchronous from lookup to insert, so two deliveries of one
   * event cannot both pass the check. A batch costs at most one lookup (none when it is only
   * new messages past their chats' last seq), one log insert and one chat-list update per
   * run of messages, however many events it carries. `lookUp`: look up whatever it holds.
   */
  private apply(me: Member, events: ChatEvent[], delivered = false, lookUp = false): number[] {
    const keys = events.map((e) => e.key ?? `${e.chat_id}:${e.ev}`);
    // New messages are folded per chat and written once, before anything else touches that chat.
    const runs = new Map<string, MessageRun>();
    const flush = (chatId: string) => {
      const run = runs.get(chatId);
      if (!run) return;
      runs.delete(chatId);
      this.chats.addMessages(chatId, run);
    };
    // New messages past the last one their chats took in are new to the log as well, so a
    // flood looks nothing up: their rows are stored first, and if one was there after all
    // (a race of a sender's own message, UpdateLog.append), this goes again, looking up.
    if (!lookUp && events.every((e): e is NewMessageEvent => e.kind === "newMessage" && this.chats.isPast(e.chat_id, e.seq))) {
      const rows = events.map((e, i) => newMessageRow(me, e, keys[i]!, this.log.next()));
      if (!this.log.append(rows, true)) return this.apply(me, events, delivered, true);
      for (const e of events) {
        this.chats.mentions.seen(me, e.chat_id, e.seq, e.message, true);
        foldMessage(runs, me.username, e);
      }
      for (const chatId of [...runs.keys()]) flush(chatId);
      return this.landed(me, events, rows);
    }
    const known = this.log.known(keys);
    const rows: Pending[] = [];
    const out = events.map((e, i) => {
      const key = keys[i]!;
      const seen = known.get(key);
      if (seen !== undefined) return seen;
      if (e.kind !== "newMessage") flush(e.chat_id);
      const pts = this.log.next();
      const except = e.origin?.userId === me.id ? e.origin.socketId : null;
      switch (e.kind) {
        case "newMessage":
        case "messageEdited":
        case "messageDeleted": {
          this.chats.mentions.seen(me, e.chat_id, e.seq, e.message, e.kind === "newMessage");
          if (e.kind === "newMessage") foldMessage(runs, me.username, e);
          else {
            this.chats.changeMessage(e.chat_id, e.seq, e.message);
            // Replies to it show it as it is now, in the log and in the chat list.
            const preview = previewOf(e.message);
            if (preview) {
              this.log.rewriteReplies(e.chat_id, e.seq, preview);
              this.chats.rewriteReplies(e.chat_id, e.seq, preview);
            }
          }
          rows.push(
            e.kind === "newMessage"
              ? newMessageRow(me, e, key, pts)
              : withText({ pts, key, except }, e, (json) => messagePush(e.kind, pts, json)),
          );
          break;
        }
        case "chat": {
          const mode = this.chats.row(e.chat_id) ? "chatUpdated" : "chatCreated";
          // A group the user's own request made comes in its answer; delivered first, someone else added them.
          if (delivered && mode === "chatCreated" && e.chat.type === "group") this.host.addedToGroup();
          this.chats.upsert(me, e.chat_id, e.chat, e.timestamp);
          const chat = this.chats.render(me, e.chat_id);
          const push = chatPush(mode, pts, chat);
          const last = chat.last_message;
          if (!last) rows.push({ pts, key, msg: null, except, frame: push, push });
          else {
            // The log's own copy of that text, if it has one, is as new as the chat list's.
            const text = { ev: -1, message: JSON.stringify(last) };
            rows.push({
              pts,
              key,
              msg: `${e.chat_id}:${last.seq}`,
              text,
              except,
              frame: chatPush(mode, pts, { ...chat, last_message: null }),
              push,
            });
          }
          break;
        }
        case "removedFromChat": {
          this.chats.remove(e.chat_id);
          this.host.left(e.chat_id);
          const frame = removedFromChatPush(pts, e.chat_id);
          rows.push({ pts, key, msg: null, except, frame, push: frame });
          break;
        }
        case "readReceipt": {
          if (e.username === me.username) this.chats.markRead(e.chat_id, e.seq);
          else this.chats.peerRead(e.chat_id, e.seq);
          const frame = readReceiptPush(pts, e.chat_id, e.username, e.seq);
          rows.push({ pts, key, msg: null, except, frame, push: frame });
          break;
        }
        case "reaction": {
          const frame = reactionChangedPush(pts, e);
          rows.push({ pts, key, msg: null, except, frame, push: frame });
          break;
        }
        case "mentioned": {
          this.chats.mentions.seen(me, e.chat_id, e.seq, e.message, true);
          rows.push(withText({ pts, key, except }, e, (json) => mentionedPush(pts, e.chat_id, json)));
          break;
        }
        default:
          return e satisfies never;
      }
      known.set(key, pts);
      return pts;
    });
    for (const chatId of [...runs.keys()]) flush(chatId);
    this.log.append(rows);
    return this.landed(me, events, rows, out);
  }

  /** Stored events go to the sockets and on to the host; answers each event's pts (`out`: known ones kept theirs). */
  private landed(me: Member, events: ChatEvent[], rows: Pending[], out = rows.map((r) => r.pts)): number[] {
    for (const r of rows) this.sockets.broadcast(r.push, r.except);
    const fresh = new Set(rows.map((r) => r.pts));
    this.host.landed(
      me,
      events.filter((_, i) => fresh.has(out[i]!)),
    );
    // A large group we just joined, or one we are in that just became large, pushes to us
    // while we have a socket.
    events.forEach((e, i) => {
      if (e.kind === "chat" && e.chat.large && fresh.has(out[i]!)) this.large.joined(me, e.chat_id, e.chat.ev ?? e.ev);
    });
    return out;
  }
}

type NewMessageEvent = ChatEvent & { kind: "newMessage" };

/** A new message's row (its push skips the socket whose request sent it). */
function newMessageRow(
  me: Member,
  e: Pick<NewMessageEvent, "chat_id" | "seq" | "ev" | "message" | "origin">,
  key: string,
  pts: number,
): Pending {
  const except = e.origin?.userId === me.id ? e.origin.socketId : null;
  return withText({ pts, key, except }, e, (json) => messagePush("newMessage", pts, json));
}

/**
 * The row of an event that carries a message's text: stored without it, since the text is
 * stored once (update-log.ts), and pushed with it. `frame` builds the push around a message's JSON.
 */
function withText(
  row: Pick<Pending, "pts" | "key" | "except">,
  e: { chat_id: string; seq: number; ev: number; message: string },
  frame: (json: string) => string,
): Pending {
  return { ...row, msg: `${e.chat_id}:${e.seq}`, text: { ev: e.ev, message: e.message }, frame: frame("null"), push: frame(e.message) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
