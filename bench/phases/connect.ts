// 9. A user in many large groups connecting.
import type { LocalServer } from "../../scripts/local-server";
import { ok, Socket } from "../client";
import { cpuWindow, per, settle, type U } from "../common";
import { floorBeside } from "../floors";
import { COUNTS, LARGE_AT } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist } from "../stats";
import type { Connect } from "../types";

/** A user in many large groups opens a socket: how long until it is open, and until it answers. */
export async function connectMany(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Connect> {
  // Two users beyond the large phase's groups: one joins the groups made here, one nothing.
  const [member, plain] = [users[COUNTS.largeMembers]!, users[COUNTS.largeMembers + 1]!];
  const crowd = users.slice(0, LARGE_AT + 1);
  const owner = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(crowd[0]!.token)}`, "connect-owner");
  try {
    for (let g = 0; g < COUNTS.connectGroups; g++) {
      ok(
        await owner.request(
          {
            mode: "createGroup",
            title: `member of many ${g}`,
            members: [...crowd.slice(1), member].map((u) => u.username),
          },
          120_000,
        ),
        "createGroup",
      );
      progress(`connect: ${g + 1}/${COUNTS.connectGroups} large groups of ${LARGE_AT + 2}`);
    }
  } finally {
    await owner.close();
  }
  const rounds = async (u: U, what: string) => {
    const open: number[] = [];
    const usable: number[] = [];
    let us = 0;
    for (let i = -2; i < COUNTS.connectRounds; i++) {
      await settle(procs, what);
      const w = cpuWindow(procs);
      const t = performance.now();
      const s = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(u.token)}`, what);
      const opened = performance.now();
      const r = await s.request({ mode: "getChats" });
      ok(r, "getChats");
      const c = w();
      await s.close();
      if (i < 0) continue;
      open.push(opened - t);
      usable.push(r.at - t);
      us += c.workerUs;
      progress(`${what}: ${i + 1}/${COUNTS.connectRounds}`);
    }
    return { open: dist(open), usable: dist(usable), us: per(us, COUNTS.connectRounds) };
  };
  const many = await rounds(member, `connect: a user in ${COUNTS.connectGroups} large groups`);
  const none = await rounds(plain, "connect: a user in no large group");
  // Each large group on the first page is asked for its current state: the least that costs.
  const floor = await floorBeside(COUNTS.connectGroups, COUNTS.connectRounds, "connect", true);
  return {
    groups: COUNTS.connectGroups,
    rounds: COUNTS.connectRounds,
    open: many.open,
    usable: many.usable,
    workerUsPerConnect: many.us,
    plainOpen: none.open,
    plainUsable: none.usable,
    plainWorkerUsPerConnect: none.us,
    ...(floor && { floor }),
  };
}
