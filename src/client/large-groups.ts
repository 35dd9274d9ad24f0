// The large groups the client follows. Their pushes are numbered by each group's own `ev`
// and are not in the user's log, so each group gets its own sequencer: applied once each,
// in order, early ones held, a gap filled with `getChatUpdates`. The log says when the
// client starts following a group (joined, or became large) and when it stops (removed).
import type { Chat, LargePush, PayloadOf, Push } from "../contract/protocol";
import { ClientError } from "./errors";
import { Sequencer } from "./sequencer";
import type { Timers } from "./timers";

export interface LargeGroupsHost {
  getChatUpdates(params: { chat_id: string; since_ev: number; limit: number }): Promise<PayloadOf<"getChatUpdates">>;
  /** Catches the user's log up (a group's starting point may be in it). */
  catchUp(): Promise<void>;
  /** Reads the whole chat list, whose large groups `learn` is given. */
  getAllChats(): Promise<unknown>;
  /** A group's events from its last applied ev on are no longer kept: the app reloads its messages. */
  reload(chatId: string): void;
  apply(push: LargePush): void;
  /** A group's last applied ev moved, or the client stopped following it (null). */
  moved(chatId: string, ev: number | null): void;
  connected(): boolean;
}

export class LargeGroups {
  private readonly groups = new Map<string, Sequencer<LargePush>>();

  constructor(
    private readonly host: LargeGroupsHost,
    private readonly gapMs: number,
    private readonly pageSize: number,
    private readonly timers: Timers,
  ) {}

  /** The last ev applied of each group followed. */
  get evs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [chatId, g] of this.groups) if (g.applied !== undefined) out[chatId] = g.applied;
    return out;
  }

  /** Follows a group from an ev the app stored. */
  resume(chatId: string, ev: number): void {
    this.follow(chatId, ev);
  }

  /** One of a group's updates (a push, or null for one answered in a response). */
  receive(chatId: string, ev: number, push: LargePush | null): void {
    this.follow(chatId).receive(ev, push);
  }

  /** What an applied log push says about large groups: one joined or became large (from its ev on), or one left. */
  logged(push: Push): void {
    if (push.mode === "removedFromChat") {
      this.forget(push.chat_id);
      return;
    }
    if ((push.mode === "chatCreated" || push.mode === "chatUpdated") && push.chat.large) {
      const g = this.follow(push.chat.chat_id);
      // Joining starts a new view; becoming large starts one where there was none.
      if (push.mode === "chatCreated" || g.applied === undefined) g.start(push.chat.ev ?? 0);
      g.drain();
    }
  }

  /** Where getChats (or a response's chat) says groups stand: a starting point for those the client has none of. */
  learn(chats: Chat[]): void {
    for (const c of chats) {
      if (!c.large || c.ev === undefined) continue;
      const g = this.follow(c.chat_id);
      if (g.applied !== undefined) continue;
      g.start(c.ev);
      g.drain();
    }
  }

  forget(chatId: string): void {
    const g = this.groups.get(chatId);
    if (!g) return;
    g.pause();
    this.groups.delete(chatId);
    if (g.applied !== undefined) this.host.moved(chatId, null);
  }

  forgetAll(): void {
    for (const chatId of [...this.groups.keys()]) this.forget(chatId);
  }

  /** The connection is gone: no gap is timed until it is back. */
  pause(): void {
    for (const g of this.groups.values()) g.pause();
  }

  /**
   * Fills a group's gap, or catches it up, with getChatUpdates. A group whose starting
   * point is not known yet waits for the log (sync) or, failing that, getChats.
   */
  async fill(chatId: string): Promise<void> {
    const g = this.groups.get(chatId);
    if (!g || g.filling) return;
    g.filling = true;
    try {
      if (g.applied === undefined) {
        await this.host.catchUp();
        if (g.applied === undefined) await this.host.getAllChats();
        if (g.applied === undefined) return;
      }
      for (;;) {
        const page = await this.host.getChatUpdates({ chat_id: chatId, since_ev: g.applied!, limit: this.pageSize });
        if (this.groups.get(chatId) !== g) return;
        if (page.too_long) {
          // Older than the group keeps (retention): its messages are reloaded, and it goes on from the latest.
          g.start(page.ev);
          this.host.reload(chatId);
          continue;
        }
        for (const u of page.updates) g.hold(u.ev, u);
        // The group's latest, when nothing came: there is nothing between.
        if (!page.updates.length) g.nothingUntil(page.ev);
        g.drain();
        if (!page.has_more) break;
      }
    } catch (err) {
      // Not a member any more: its removedFromChat comes by the log.
      if (err instanceof ClientError && err.error === "chat_not_found") this.forget(chatId);
    } finally {
      g.filling = false;
      if (this.groups.get(chatId) === g) g.drain();
    }
  }

  private follow(chatId: string, start?: number): Sequencer<LargePush> {
    let g = this.groups.get(chatId);
    if (!g) {
      g = new Sequencer<LargePush>(
        {
          apply: (push) => this.host.apply(push),
          moved: (ev) => this.host.moved(chatId, ev),
          fill: () => void this.fill(chatId),
          connected: () => this.host.connected(),
        },
        this.gapMs,
        this.timers,
        start,
      );
      this.groups.set(chatId, g);
    }
    return g;
  }
}
