// The chat's fan-out, picked once when the chat object loads (fanout.ts says which is which).
import type { Fanout, FanoutParts } from "./fanout";
import { LivePush } from "./live-push";
import { MemberLogs } from "./member-logs";

export type { Fanout, FanoutParts } from "./fanout";
export { Courier, type ChatJob } from "./courier";
export { setNotifyAll } from "./wakes";

export function fanoutFor(p: FanoutParts): Fanout {
  const logs = new MemberLogs(p, (l) => new LivePush(p, l));
  return p.meta.largeSince === null ? logs : new LivePush(p, logs);
}
