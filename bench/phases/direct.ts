// 2. Direct chat latency.
import type { LocalServer } from "../../scripts/local-server";
import { ok, sleep, type Socket, until } from "../client";
import { closeAll, connect, content, cpuWindow, phaseCpu, trackCreated, type U } from "../common";
import { chainBeside } from "../floors";
import { COUNTS, DEPTH } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist } from "../stats";
import type { Direct } from "../types";

export async function direct(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Direct> {
  const floorChain = await chainBeside();
  const socks = await connect(srv, users.slice(0, 2), "direct");
  try {
    const [a, b] = socks as [Socket, Socket];
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    const ack: number[] = [];
    let received = 0;
    trackCreated([b], (_i, m, at) => {
      const s = m.client_msg_id !== undefined ? sentAt.get(m.client_msg_id) : undefined;
      if (s === undefined) return;
      sentAt.delete(m.client_msg_id!);
      received++;
      if (!m.client_msg_id!.startsWith("dw")) lat.push(at - s);
    });
    const chatId = (
      ok(await a.request({ mode: "createChat", username: users[1]!.username }), "createChat").chat as {
        chat_id: string;
      }
    ).chat_id;
    const send = async (id: string, record: boolean) => {
      const t = performance.now();
      sentAt.set(id, t);
      const r = await a.request({
        mode: "sendMessage",
        chat_id: chatId,
        content: content(id),
        content_type: "text",
        client_msg_id: id,
      });
      ok(r, "sendMessage");
      if (record) ack.push(r.at - t);
    };
    for (let i = 0; i < 30; i++) await send(`dw${i}`, false);
    await until(() => received === 30, 10_000, "the warm-up messages");
    received = 0;
    const n = COUNTS.directMessages;
    const interval = 1000 / COUNTS.directRate;
    const end = cpuWindow(procs);
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      await sleep(t0 + i * interval - performance.now());
      if (a.inFlight >= DEPTH) await until(() => a.inFlight < DEPTH, 30_000, "sendMessage answers");
      inflight.push(send(`d${i}`, true));
      if (i % 50 === 0) progress(`direct chat: ${i}/${n} messages at ${COUNTS.directRate}/s, ${received} pushed to B`);
    }
    await Promise.all(inflight);
    await until(() => received === n, 30_000, `B to receive ${n} messages (has ${received})`);
    const cpu = end();
    return {
      messages: n,
      ratePerSec: COUNTS.directRate,
      latency: dist(lat),
      ack: dist(ack),
      cpu: phaseCpu(cpu, n),
      ...(floorChain && { floorChain }),
    };
  } finally {
    await closeAll(socks);
  }
}
