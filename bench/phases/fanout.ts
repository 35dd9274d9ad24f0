// 4. Fan-out.
import type { LocalServer } from "../../scripts/local-server";
import { ok, until } from "../client";
import { closeAll, connect, content, cpuWindow, createGroup, phaseCpu, trackCreated, type U } from "../common";
import { floorBeside } from "../floors";
import { COUNTS, LARGE_AT } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { CpuWindow, Fanout } from "../types";

export async function fanout(srv: LocalServer, procs: ServerProcs, users: U[], size: number, messages: number): Promise<Fanout> {
  const floor =
    size > LARGE_AT
      ? await floorBeside(size, size > COUNTS.fanoutSmall ? COUNTS.rpcLargeRounds : COUNTS.rpcSmallRounds, `fan-out ${size}`)
      : undefined;
  const members = users.slice(0, size);
  const tc = performance.now();
  const socks = await connect(srv, members, `fan-out ${size}`);
  const connectMs = round(performance.now() - tc, 0);
  try {
    let current: { id: string; sentAt: number; remaining: number; lastAt: number; record: boolean } | null = null;
    const memberLat: number[] = [];
    let chatId = "";
    const created = trackCreated(socks, (_i, m, at) => {
      if (!current || m.chat_id !== chatId || m.client_msg_id !== current.id) return;
      current.remaining--;
      current.lastAt = at;
      if (current.record) memberLat.push(at - current.sentAt);
    });
    progress(`fan-out ${size}: creating the group`);
    const t0 = performance.now();
    chatId = await createGroup(socks[0]!, `fan-out ${size}`, members.slice(1));
    await until(() => created.every((c, i) => i === 0 || c.has(chatId)), 120_000, "every member to hear of the group");
    const createMs = round(performance.now() - t0, 0);
    const last: number[] = [];
    const ack: number[] = [];
    const warm = 5;
    let end: (() => CpuWindow) | null = null;
    for (let k = 0; k < warm + messages; k++) {
      if (k === warm) end = cpuWindow(procs);
      const id = `f${size}-${k}`;
      const cur = { id, sentAt: performance.now(), remaining: size - 1, lastAt: 0, record: k >= warm };
      current = cur;
      const r = await socks[0]!.request({
        mode: "sendGroupMessage",
        chat_id: chatId,
        content: content(id),
        content_type: "text",
        client_msg_id: id,
      });
      ok(r, "sendGroupMessage");
      await until(() => cur.remaining === 0, 30_000, `message ${k} to reach all ${size - 1} other members (${cur.remaining} missing)`);
      if (cur.record) {
        last.push(cur.lastAt - cur.sentAt);
        ack.push(r.at - cur.sentAt);
      }
      progress(
        `fan-out ${size}: ${k < warm ? `warm-up ${k + 1}/${warm}` : `${k + 1 - warm}/${messages} messages`}, last member at ${round(cur.lastAt - cur.sentAt, 1)} ms`,
      );
    }
    const cpu = end!();
    return {
      members: size,
      messages,
      last: dist(last),
      member: dist(memberLat),
      ack: dist(ack),
      createMs,
      connectMs,
      cpu: phaseCpu(cpu, messages * (size - 1)),
      ...(floor && { floor }),
    };
  } finally {
    await closeAll(socks);
  }
}
