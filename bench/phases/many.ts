// 5. Many chats at once.
import type { LocalServer } from "../../scripts/local-server";
import { flood, ok, pool, type Socket, until } from "../client";
import { closeAll, connect, content, cpuWindow, phaseCpu, trackCreated, type U } from "../common";
import { COUNTS, MANY_DEPTH, SETUP_CONCURRENCY } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { Many } from "../types";

export async function many(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<Many> {
  const n = COUNTS.manyChats;
  const socks = await connect(srv, users.slice(0, 2 * n), "many chats");
  try {
    const sentAt = new Map<string, number>();
    const lat: number[] = [];
    let received = 0;
    let lastAt = 0;
    const receivers = socks.filter((_, i) => i % 2 === 1);
    const senders = socks.filter((_, i) => i % 2 === 0);
    trackCreated(receivers, (_i, m, at) => {
      const s = m.client_msg_id !== undefined ? sentAt.get(m.client_msg_id) : undefined;
      if (s === undefined) return;
      sentAt.delete(m.client_msg_id!);
      received++;
      lastAt = at;
      lat.push(at - s);
    });
    let made = 0;
    const chatIds = await pool(senders, SETUP_CONCURRENCY, async (s, i) => {
      const f = ok(await s.request({ mode: "createChat", username: users[2 * i + 1]!.username }), "createChat");
      progress(`many chats: created ${++made}/${n} direct chats`);
      return (f.chat as { chat_id: string }).chat_id;
    });
    const send = async (s: Socket, chatId: string, id: string) => {
      sentAt.set(id, performance.now());
      ok(
        await s.request({
          mode: "sendMessage",
          chat_id: chatId,
          content: content(id),
          content_type: "text",
          client_msg_id: id,
        }),
        "sendMessage",
      );
    };
    // One warm-up message per chat wakes every object involved.
    await pool(senders, SETUP_CONCURRENCY, (s, i) => send(s, chatIds[i]!, `mw${i}`));
    await until(() => received === n, 30_000, "the warm-up messages");
    received = 0;
    lat.length = 0;
    const total = n * COUNTS.manyPerChat;
    const end = cpuWindow(procs);
    const t0 = performance.now();
    await flood(senders, COUNTS.manyPerChat, MANY_DEPTH, async (s, c, i) => {
      await send(s, chatIds[c]!, `m${c}-${i}`);
      progress(`many chats: ${received}/${total} delivered across ${n} chats`);
    });
    await until(() => received === total, 60_000, `all ${total} messages to arrive (${received} so far)`);
    const cpu = end();
    return {
      chats: n,
      perChat: COUNTS.manyPerChat,
      depth: MANY_DEPTH,
      messages: total,
      deliveredPerSec: round(total / ((lastAt - t0) / 1000), 0),
      latency: dist(lat),
      cpu: phaseCpu(cpu, total),
    };
  } finally {
    await closeAll(socks);
  }
}
