// Before a group is created or members are added: each target's own user object says
// whether it may be added (privacy.ts), at most ADMIT_PARALLEL at a time, so that asking
// 1,000 targets costs about what delivering their chatCreated does. One refusal refuses
// the whole request, and nothing has changed anywhere yet.
import { ApiError, rateLimited } from "../../contract/errors";
import type { User } from "../../contract/protocol";
import { pooled } from "../../platform/turns";
import type { Admission } from "../privacy";
import type { Ctx } from "./context";

const ADMIT_PARALLEL = 16;
/** Names an error lists at most. */
const NAMED = 10;

export async function admit(x: Ctx, targets: User[], chatId: string): Promise<void> {
  const answers: Admission[] = new Array(targets.length);
  await pooled(targets, ADMIT_PARALLEL, async (u, i) => {
    answers[i] = await x.env.USERS.get(x.env.USERS.idFromName(u.id)).admitToGroup(u, x.me, chatId);
  });
  const refused = (why: "contacts" | "full" | "rate") =>
    targets
      .filter((_, i) => {
        const a = answers[i]!;
        return !a.ok && a.why === why;
      })
      .map((u) => u.username);
  const names = (list: string[]) => list.slice(0, NAMED).join(", ");
  const contacts = refused("contacts");
  if (contacts.length)
    throw new ApiError(403, "forbidden", `only people they have a direct chat with may add ${names(contacts)} to groups`, {
      members: `do not accept being added by you: ${names(contacts)}`,
    });
  const full = refused("full");
  if (full.length)
    throw new ApiError(
      403,
      "forbidden",
      `${names(full)} ${full.length === 1 ? "is" : "are"} in ${x.cfg.maxGroupsPerUser} groups, the most a user may be in`,
      {
        members: `in the most groups allowed: ${names(full)}`,
      },
    );
  const wait = Math.max(0, ...answers.map((a) => (!a.ok && a.why === "rate" ? a.retryAfterMs : 0)));
  if (wait) throw rateLimited(wait, `group changes for ${names(refused("rate"))}`);
}
