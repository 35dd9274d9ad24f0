// Who may put the user into groups. The user's own object owns the setting and the counts,
// so the check runs there: the adder's object asks each target (`admitToGroup`) before it
// asks the chat object for anything. A target refuses an adder it does not allow ("contacts":
// only people it has a direct chat with), a group past MAX_GROUPS_PER_USER, and one more
// group change past GROUP_CHANGES_PER_USER_PER_HOUR (being added counts once it happened:
// inbox.ts, through `added`).
import type { AddToGroups, User } from "../contract/protocol";
import type { Config } from "../platform/config";
import type { ChatList } from "./chat-list";
import { directChatId } from "./direct-chat-id";
import type { SendLimits } from "./send-limits";

const KEY = "privacy.add_to_groups";

/** A target's answer to being added to a group. */
export type Admission = { ok: true } | { ok: false; why: "contacts" | "full" } | { ok: false; why: "rate"; retryAfterMs: number };

export class Privacy {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly chats: ChatList,
    private readonly limits: SendLimits,
    private readonly cfg: Config,
  ) {}

  get addToGroups(): AddToGroups {
    return this.storage.kv.get<AddToGroups>(KEY) ?? "everyone";
  }

  set addToGroups(v: AddToGroups) {
    this.storage.kv.put(KEY, v);
  }

  /** May `adder` put `me` into group `chatId`? Counts nothing. */
  async admit(me: User, adder: User, chatId: string): Promise<Admission> {
    // In the group already: adding changes nothing here.
    if (this.chats.row(chatId)) return { ok: true };
    if (this.addToGroups === "contacts" && !this.chats.row(await directChatId(me.id, adder.id))) return { ok: false, why: "contacts" };
    if (this.chats.groupCount() >= this.cfg.maxGroupsPerUser) return { ok: false, why: "full" };
    const v = this.limits.mayBeAdded();
    return v.ok ? { ok: true } : { ok: false, why: "rate", retryAfterMs: v.retryAfterMs };
  }
}
