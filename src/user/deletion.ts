// Deleting the account, on the user object's side. D1 has erased the account first, so no
// session can act any more. Then the user leaves every group (ownership passes as when an
// owner leaves), each direct chat is told (the other member sees peer_deleted and can send
// nothing more there), the users they block are unblocked, and the object's storage is
// wiped but for one mark: it is deleted, so it answers nothing and keeps nothing from
// then on. A chat that cannot be reached now is tried again from the alarm.
import type { Origin } from "../chat";
import { unwrap } from "../contract/errors";
import type { User } from "../contract/protocol";
import type { Clock } from "../platform/clock";
import { errorSummary, log } from "../platform/log";
import type { JobAlarm } from "../platform/alarms";
import type { Blocks } from "./blocks";
import type { ChatCalls } from "./chat-calls";
import type { ChatList } from "./chat-list";

const DELETED_KEY = "deleted";
/** How many chats are left at a time. */
const PARALLEL = 16;
const RETRY_MS = 30_000;

interface Mark {
  user: User;
  at: number;
  /** The chats and blocks are all undone and the storage wiped. */
  done: boolean;
}

/** What deletion needs of the user object while it still has its chats. */
export interface Leaving {
  chats: ChatList;
  blocks: Blocks;
  calls: ChatCalls;
}

export class Deletion {
  private mark: Mark | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly alarm: JobAlarm,
    /** Nothing may be stored after the wipe: the alarm is stopped for good. */
    private readonly stopAlarm: () => void,
    private readonly clock: Clock,
  ) {
    this.mark = storage.kv.get<Mark>(DELETED_KEY);
    if (this.wiped) stopAlarm();
  }

  /** The account is deleted (or being deleted): the object answers nothing more. */
  get deleted(): boolean {
    return this.mark !== undefined;
  }

  /** Deleted and wiped: the object has no tables any more. */
  get wiped(): boolean {
    return this.mark?.done === true;
  }

  /** Starts (and as far as it can, finishes) undoing everything the user is part of. */
  async start(user: User, leaving: Leaving): Promise<void> {
    this.mark = { user, at: this.clock.now(), done: false };
    this.storage.kv.put(DELETED_KEY, this.mark);
    await this.finish(leaving);
  }

  /** The alarm: try again what could not be done before. */
  async onAlarm(leaving: Leaving | null): Promise<void> {
    if (this.mark && !this.mark.done && leaving) await this.finish(leaving);
  }

  private async finish({ chats, blocks, calls }: Leaving): Promise<void> {
    const user = this.mark!.user;
    const origin: Origin = { userId: user.id, socketId: "" };
    const jobs: Array<() => Promise<void>> = [
      ...chats.chatIds().map(({ chatId, type }) => async () => {
        const left = await calls.any(chatId).call((c) => (type === "direct" ? c.memberDeleted(user.id, origin) : c.leave(user.id, origin)));
        // Already out (an earlier try got through, or the user was removed meanwhile): done.
        if (left.ok || left.error.error === "chat_not_found") chats.remove(chatId);
        else unwrap(left);
      }),
      ...blocks.blocked().map((u) => () => blocks.unblock(user, u.username)),
    ];
    const failures: unknown[] = [];
    for (let i = 0; i < jobs.length; i += PARALLEL) {
      const results = await Promise.allSettled(jobs.slice(i, i + PARALLEL).map((job) => job()));
      for (const r of results) if (r.status === "rejected") failures.push(r.reason);
    }
    if (failures.length) {
      log({
        level: "warn",
        event: "account_deletion_retry",
        user_id: user.id,
        count: failures.length,
        retry_in_ms: RETRY_MS,
        exception: errorSummary(failures[0]),
      });
      return this.alarm.wakeAt(this.clock.now() + RETRY_MS);
    }
    await this.storage.deleteAll();
    this.stopAlarm();
    this.mark = { ...this.mark!, done: true };
    this.storage.kv.put(DELETED_KEY, this.mark);
  }
}
