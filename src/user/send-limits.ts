// Limits the user object keeps for its user, checked before anything is asked of a chat
// object, so a request over them stores nothing anywhere.
//   sends and edits: a burst, then a steady rate. In memory only: a send costs no storage
//     write, and an object that restarts starts with a full burst, which a burst allows anyway.
//   group changes (createGroup, addMembers, and being added to a group): per hour, so
//     stored (an hour outlasts an object's stay in memory); they are rare and write much
//     more than this one number.
import { rateLimited } from "../contract/errors";
import type { Clock } from "../platform/clock";
import type { Config } from "../platform/config";
import { Gcra, type Verdict } from "../platform/gcra";

const GROUPS_KEY = "limits.group_changes";

export class SendLimits {
  private readonly sends = new Gcra();
  private readonly groups: Gcra;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly cfg: Config,
    private readonly clock: Clock,
  ) {
    this.groups = new Gcra(storage.kv.get<number>(GROUPS_KEY) ?? 0);
  }

  /** One send or edit; 429 over the limit. */
  send(): void {
    refuse(this.sends.hit(this.cfg.sendsPerUser, this.clock.now()), "messages");
  }

  /** One createGroup or addMembers; 429 over the limit. */
  groupChange(): void {
    refuse(this.groups.hit(this.cfg.groupChangesPerUser, this.clock.now()), "group changes");
    this.storage.kv.put(GROUPS_KEY, this.groups.tat);
  }

  /** Whether the user may be added to a group now (counts nothing: being added counts once it happened). */
  mayBeAdded(): Verdict {
    return this.groups.check(this.cfg.groupChangesPerUser, this.clock.now());
  }

  /** The user was added to a group: counted if the limit allows (the adder was told it did). */
  added(): void {
    if (this.groups.hit(this.cfg.groupChangesPerUser, this.clock.now()).ok) this.storage.kv.put(GROUPS_KEY, this.groups.tat);
  }
}

function refuse(v: Verdict, what: string): void {
  if (!v.ok) throw rateLimited(v.retryAfterMs, what);
}
