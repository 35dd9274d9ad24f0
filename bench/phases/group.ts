// 3. One group's throughput.
import type { LocalServer } from "../../scripts/local-server";
import { flood, ok, type Socket, until } from "../client";
import { closeAll, connect, content, cpuWindow, createGroup, phaseCpu, trackCreated, type U } from "../common";
import { COUNTS, DEPTH } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { Group } from "../types";

export async function group(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Group> {
  const members = users.slice(0, COUNTS.groupMembers);
  const socks = await connect(srv, members, "group");
  try {
    const need = members.length - 1;
    const counts = new Map<string, number>();
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    let completed = 0;
    let lastAt = 0;
    let chatId = "";
    const created = trackCreated(socks, (_i, m, at) => {
      if (m.chat_id !== chatId || m.client_msg_id === undefined) return;
      const c = (counts.get(m.client_msg_id) ?? 0) + 1;
      if (c < need) return void counts.set(m.client_msg_id, c);
      counts.delete(m.client_msg_id);
      completed++;
      lastAt = at;
      const s = sentAt.get(m.client_msg_id);
      if (s !== undefined && !m.client_msg_id.startsWith("gw")) lat.push(at - s);
    });
    progress("group: creating the group");
    chatId = await createGroup(socks[0]!, "bench group", members.slice(1));
    await until(() => created.every((c, i) => i === 0 || c.has(chatId)), 30_000, "every member to hear of the group");
    const senders = socks.slice(0, COUNTS.groupSenders);
    const send = async (s: Socket, id: string) => {
      sentAt.set(id, performance.now());
      ok(
        await s.request({
          mode: "sendGroupMessage",
          chat_id: chatId,
          content: content(id),
          content_type: "text",
          client_msg_id: id,
        }),
        "sendGroupMessage",
      );
    };
    for (let i = 0; i < 10; i++) await Promise.all(senders.map((s, k) => send(s, `gw${k}-${i}`)));
    await until(() => completed === 10 * senders.length, 30_000, "the warm-up messages");
    completed = 0;
    const total = senders.length * COUNTS.groupPerSender;
    let acked = 0;
    let lastAck = 0;
    const end = cpuWindow(procs);
    const t0 = performance.now();
    await flood(senders, COUNTS.groupPerSender, DEPTH, async (s, k, i) => {
      await send(s, `g${k}-${i}`);
      acked++;
      lastAck = performance.now();
      if (acked % 100 === 0) progress(`group of ${members.length}: ${acked}/${total} stored, ${completed} delivered to all`);
    });
    await until(() => completed === total, 60_000, `every member to receive ${total} messages (${completed} so far)`);
    const cpu = end();
    return {
      members: members.length,
      senders: senders.length,
      depth: DEPTH,
      messages: total,
      deliveredPerSec: round(total / ((lastAt - t0) / 1000), 0),
      storedPerSec: round(total / ((lastAck - t0) / 1000), 0),
      latency: dist(lat),
      cpu: phaseCpu(cpu, total * need),
    };
  } finally {
    await closeAll(socks);
  }
}
