// 14. Web Push (issue 22): the time from a send to the push service having the push for a
// member who is offline, and what a push costs the server. The push service is the tests'
// own (test/node/push-service.ts: it checks the VAPID JWT and decrypts the payload) on
// 127.0.0.1; the server runs with a fresh VAPID pair and PUSH_ALLOW_HTTP. A chat pushes to
// a session at most once per 10 s (later messages fold into the next push), so every timed
// push goes to a session that chat has not pushed to: a direct chat per recipient, and in
// the large group a fresh set of mentioned members per message. The cost of a push is the
// difference in the Worker's CPU between messages whose recipients have a subscription and
// the same messages to recipients without one (both counted until the server is idle).
import type { LocalServer } from "../../scripts/local-server";
import { startPushService } from "../../test/node/push-service";
import { api, ok, pool, Socket, until } from "../client";
import { content, cpuWindow, createGroup, settle, type U } from "../common";
import { COUNTS, MENTIONS_PER_MESSAGE } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { PushCase, PushResult } from "../types";

/** Seeded accounts the phase uses: a sender, the direct chats' recipients, the group. */
export const pushUsers = () => 1 + 2 * COUNTS.pushDirect + COUNTS.pushGroup;

export async function push(srv: LocalServer, procs: ServerProcs, seeded: U[]): Promise<PushResult> {
  const arrived = new Map<string, number>();
  const service = await startPushService({ onPush: (id, got) => got.ok && arrived.set(id, performance.now()) });
  const device = new Map<string, string>();
  /** Gives each user's session a subscription at the push service. */
  const subscribe = (users: U[]) =>
    pool(users, 8, async (u) => {
      const sub = (await (await fetch(`${service.url}/subscribe`, { method: "POST" })).json()) as { endpoint: string };
      const r = await api(srv.url, { mode: "registerPush", token: u.token, subscription: sub });
      if (r.status !== 200) throw new Error(`registerPush: ${JSON.stringify(r).slice(0, 300)}`);
      device.set(u.username, sub.endpoint.split("/").pop()!);
    });
  const sender = seeded[0]!;
  const sock = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(sender.token)}`, "push-sender");
  try {
    // Direct chats: one message to each recipient, those with a subscription then those without.
    const pushedTo = seeded.slice(1, 1 + COUNTS.pushDirect);
    const plainTo = seeded.slice(1 + COUNTS.pushDirect, 1 + 2 * COUNTS.pushDirect);
    const chatOf = new Map<string, string>();
    for (const u of [...pushedTo, ...plainTo])
      chatOf.set(
        u.username,
        (ok(await sock.request({ mode: "createChat", username: u.username }), "createChat").chat as { chat_id: string }).chat_id,
      );
    await subscribe(pushedTo);
    const direct = await measure(
      procs,
      "push: direct chat",
      2,
      pushedTo.map((u) => [u]),
      plainTo.map((u) => [u]),
      device,
      arrived,
      (k, to) =>
        sock.request({
          mode: "sendMessage",
          chat_id: chatOf.get(to[0]!.username)!,
          content: content(`push-direct-${k}`),
          content_type: "text",
        }),
    );

    // A large group: each message mentions a fresh set of members (1% of the group, at most the contract's 50).
    const members = seeded.slice(1 + 2 * COUNTS.pushDirect, 1 + 2 * COUNTS.pushDirect + COUNTS.pushGroup - 1);
    const m = Math.min(MENTIONS_PER_MESSAGE, Math.max(1, Math.round(COUNTS.pushGroup / 100)));
    const sets = (from: number) =>
      Array.from({ length: COUNTS.pushGroupMessages }, (_, k) => members.slice(from + k * m, from + (k + 1) * m));
    const pushedSets = sets(0);
    const plainSets = sets(COUNTS.pushGroupMessages * m);
    progress(`push: a group of ${COUNTS.pushGroup}`);
    const chatId = await createGroup(sock, `push ${COUNTS.pushGroup}`, members);
    await subscribe(pushedSets.flat());
    const group = await measure(
      procs,
      `push: group of ${COUNTS.pushGroup}`,
      COUNTS.pushGroup,
      pushedSets,
      plainSets,
      device,
      arrived,
      (k, to) =>
        sock.request({
          mode: "sendGroupMessage",
          chat_id: chatId,
          content: content(`push-group-${k}`),
          content_type: "text",
          mentions: to.map((u) => u.username),
        }),
    );
    return { direct, group, mentionsPerMessage: m };
  } finally {
    await sock.close();
    await new Promise<void>((r) => service.server.close(() => r()));
  }
}

/**
 * Sends one message per set of recipients, one at a time: to each pushed set (timed until
 * every recipient's push arrived), then to each plain set. Each block's CPU is counted from
 * its first send until the server is idle again.
 */
async function measure(
  procs: ServerProcs,
  what: string,
  members: number,
  pushed: U[][],
  plain: U[][],
  device: Map<string, string>,
  arrived: Map<string, number>,
  send: (k: number, to: U[]) => Promise<{ frame: { status?: number } }>,
): Promise<PushCase> {
  const each: number[] = [];
  const last: number[] = [];
  await settle(procs, what);
  let w = cpuWindow(procs);
  for (const [k, to] of pushed.entries()) {
    const ids = to.map((u) => device.get(u.username)!);
    for (const id of ids) arrived.delete(id);
    const t = performance.now();
    const r = await send(k, to);
    if (r.frame.status !== 200) throw new Error(`${what}: send answered ${JSON.stringify(r.frame).slice(0, 300)}`);
    await until(() => ids.every((id) => arrived.has(id)), 60_000, `${what}: the pushes of message ${k}`);
    const times = ids.map((id) => arrived.get(id)! - t);
    each.push(...times);
    last.push(Math.max(...times));
    progress(`${what}: message ${k + 1}/${pushed.length}, last push at ${round(last.at(-1)!, 1)} ms`);
  }
  await settle(procs, what);
  const pushedUs = w().workerUs;
  w = cpuWindow(procs);
  for (const [k, to] of plain.entries()) {
    const r = await send(pushed.length + k, to);
    if (r.frame.status !== 200) throw new Error(`${what}: send answered ${JSON.stringify(r.frame).slice(0, 300)}`);
    progress(`${what}: message ${k + 1}/${plain.length} to members without a subscription`);
  }
  await settle(procs, what);
  const plainUs = w().workerUs;
  const perPushed = pushedUs / pushed.length;
  const perPlain = plainUs / plain.length;
  return {
    what,
    members,
    messages: pushed.length,
    pushes: each.length,
    push: dist(each),
    last: dist(last),
    usPerMessagePushed: round(perPushed, 1),
    usPerMessageNotPushed: round(perPlain, 1),
    usPerPush: round((pushedUs - plainUs) / each.length, 1),
  };
}
