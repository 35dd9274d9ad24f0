// 10. Membership changes.
import type { LocalServer } from "../../scripts/local-server";
import { ok, Socket } from "../client";
import { cpuWindow, createGroup, num, per, settle, type U } from "../common";
import { COUNTS, LARGE_AT } from "../options";
import { type ServerProcs, writeBytes } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { MembershipChange } from "../types";

/** Adds and removes one member, alternately, in a group of `size`: what each change costs, deliveries included. */
export async function membership(srv: LocalServer, procs: ServerProcs, users: U[], size: number): Promise<MembershipChange> {
  const owner = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(users[0]!.token)}`, `members-${size}`);
  try {
    const what = `membership in a group of ${num(size)}`;
    const chatId = await createGroup(owner, what, users.slice(1, size));
    const guest = users[size]!.username;
    await settle(procs, what);
    const ack: number[] = [];
    const w = cpuWindow(procs);
    const b0 = writeBytes(procs.worker);
    for (let i = 0; i < COUNTS.memberChanges; i++) {
      const t = performance.now();
      const frame =
        i % 2 === 0
          ? { mode: "addMembers", chat_id: chatId, members: [guest] }
          : { mode: "removeMember", chat_id: chatId, username: guest };
      const r = await owner.request(frame, 60_000);
      ok(r, String(frame.mode));
      ack.push(r.at - t);
      progress(`${what}: ${i + 1}/${COUNTS.memberChanges} changes`);
    }
    // The deliveries to every member's object are part of a change's cost.
    await settle(procs, what);
    const bytes = writeBytes(procs.worker) - b0;
    const c = w();
    return {
      members: size,
      large: size > LARGE_AT,
      changes: COUNTS.memberChanges,
      ack: dist(ack),
      bytesPerChange: round(bytes / COUNTS.memberChanges, 0),
      workerUsPerChange: per(c.workerUs, COUNTS.memberChanges),
    };
  } finally {
    await owner.close();
  }
}
