// 8. Large groups: fan-out on read.
import type { LocalServer } from "../../scripts/local-server";
import { ok, type Socket, until } from "../client";
import { closeAll, connect, content, cpuWindow, createGroup, num, per, phaseCpu, settle, trackCreated, type U } from "../common";
import { floorBeside } from "../floors";
import { COUNTS } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { CpuWindow, LargeGroup, LargeGroups } from "../types";

/** One message at a time into a large group; the time until every online member other than the sender has it. */
export async function largeMessages(
  procs: ServerProcs,
  socks: Socket[],
  hooks: { current: { id: string; left: number; lastAt: number } | null },
  chatId: string,
  members: number,
  what: string,
): Promise<LargeGroup> {
  const sender = socks[0]!;
  const last: number[] = [];
  const ack: number[] = [];
  const warm = 5;
  const messages = COUNTS.largeMessages;
  await settle(procs, what);
  const floor = await floorBeside(socks.length, COUNTS.rpcLargeRounds, what);
  let end: (() => CpuWindow) | null = null;
  for (let k = 0; k < warm + messages; k++) {
    if (k === warm) end = cpuWindow(procs);
    const id = `${what}-${k}`;
    const cur = { id, left: socks.length - 1, lastAt: 0 };
    hooks.current = cur;
    const t = performance.now();
    const r = await sender.request({
      mode: "sendGroupMessage",
      chat_id: chatId,
      content: content(id),
      content_type: "text",
      client_msg_id: id,
    });
    ok(r, "sendGroupMessage");
    await until(() => cur.left === 0, 30_000, `message ${k} to reach all ${socks.length - 1} members online (${cur.left} missing)`);
    if (k >= warm) {
      last.push(cur.lastAt - t);
      ack.push(r.at - t);
    }
    progress(
      `${what}: ${k < warm ? `warm-up ${k + 1}/${warm}` : `${k + 1 - warm}/${messages} messages`}, last member online at ${round(cur.lastAt - t, 1)} ms`,
    );
  }
  const cpu = end!();
  const pushes = messages * (socks.length - 1);
  return {
    members,
    online: socks.length,
    messages,
    last: dist(last),
    ack: dist(ack),
    cpu: phaseCpu(cpu, pushes),
    workerUsPerMessage: per(cpu.workerUs, messages),
    ...(floor && { floor }),
  };
}

export async function large(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<LargeGroups> {
  const online = users.slice(0, COUNTS.largeOnline);
  const socks = await connect(srv, online, "large groups");
  try {
    const hooks: { current: { id: string; left: number; lastAt: number } | null } = { current: null };
    const created = trackCreated(socks, (_i, m, at) => {
      const cur = hooks.current;
      if (!cur || m.client_msg_id !== cur.id) return;
      cur.left--;
      cur.lastAt = at;
    });
    progress(`large groups: a group of ${online.length}, all online`);
    const all = await createGroup(socks[0]!, `large ${online.length}`, online.slice(1));
    progress(`large groups: a group of ${num(COUNTS.largeMembers)}, ${online.length} online`);
    const some = await createGroup(socks[0]!, `large ${COUNTS.largeMembers}`, users.slice(1, COUNTS.largeMembers));
    await until(
      () => created.every((c, i) => i === 0 || (c.has(all) && c.has(some))),
      300_000,
      "every member online to hear of both groups",
    );
    const allOnline = await largeMessages(procs, socks, hooks, all, online.length, `large ${online.length} all online`);
    const someOnline = await largeMessages(
      procs,
      socks,
      hooks,
      some,
      COUNTS.largeMembers,
      `large ${COUNTS.largeMembers} ${online.length} online`,
    );
    return { all: allOnline, some: someOnline };
  } finally {
    await closeAll(socks);
  }
}
