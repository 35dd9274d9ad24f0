// 15. Scale (issue 24). (a) A group of COUNTS.scaleMembers made with createGroup and
// addMembers of 1,000 names each, of accounts seeded straight into local D1 (bench/seed.ts):
// each addMembers answered, the Worker's workerd RSS before and after (every member's object
// is loaded by its chatCreated too, so the change is an upper bound on the chat object's
// memory, and is read again after the objects have been idle), a getMembers page and a
// member's getChats. (c) A user's log at its bound (scale-log.ts). (d) More and more of the
// group online (SCALE_ONLINE), each member with one socket that lists its chats and opens
// the group (presence may be registered lazily, on either), one message at a time timed to
// the last online member, and the Worker's CPU per message: whatever fan-out the server
// uses (relays past a threshold, or the chat object alone), all its objects counted, as
// /proc cannot tell one object's CPU from another's. This machine may not hold 10,000
// sockets: each count is tried until one fails, and the largest that worked is reported.
import type { LocalServer } from "../../scripts/local-server";
import { ok, pool, type Socket, sleep, until } from "../client";
import { closeAll, connect, content, cpuWindow, mb, num, per, settle, type U } from "../common";
import { COUNTS, NAMES_PER_REQUEST, SCALE_ONLINE } from "../options";
import { rssBytes, type ServerProcs } from "../proc";
import { profiled } from "../profile";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { ScaleOnline, ScaleResult } from "../types";
import { logAtBound } from "./scale-log";

/** Seeded accounts the phase uses: the group, then the two of the log. */
export const scaleUsers = () => COUNTS.scaleMembers + 2;

export async function scale(srv: LocalServer, procs: ServerProcs, seeded: U[]): Promise<ScaleResult> {
  const members = seeded.slice(0, COUNTS.scaleMembers);
  const [owner, ...rest] = await connect(srv, [members[0]!, members[1]!], "scale");
  const member = rest[0]!;
  const online: Socket[] = [];
  try {
    await settle(procs, "scale");
    const rssBefore = rssBytes(procs.worker);
    const t0 = performance.now();
    const names = members.slice(1).map((m) => m.username);
    const created = ok(
      await owner!.request(
        { mode: "createGroup", title: `scale ${num(members.length)}`, members: names.slice(0, NAMES_PER_REQUEST) },
        300_000,
      ),
      "createGroup",
    );
    const chatId = (created.chat as { chat_id: string }).chat_id;
    const adds: number[] = [];
    for (let i = NAMES_PER_REQUEST; i < names.length; i += NAMES_PER_REQUEST) {
      const t = performance.now();
      const r = await owner!.request({ mode: "addMembers", chat_id: chatId, members: names.slice(i, i + NAMES_PER_REQUEST) }, 300_000);
      ok(r, "addMembers");
      adds.push(r.at - t);
      progress(
        `scale: ${num(Math.min(names.length, i + NAMES_PER_REQUEST) + 1)}/${num(members.length)} members, addMembers in ${round(r.at - t, 0)} ms`,
      );
    }
    await settle(procs, "scale: the members' chatCreated");
    const createMs = round(performance.now() - t0, 0);
    const rssAfter = rssBytes(procs.worker);

    const timed = async (what: string, sock: Socket, frame: (i: number) => Record<string, unknown>) => {
      const out: number[] = [];
      for (let i = -2; i < COUNTS.scalePages; i++) {
        const t = performance.now();
        const r = await sock.request(frame(i), 60_000);
        ok(r, what);
        if (i >= 0) out.push(r.at - t);
      }
      return dist(out);
    };
    // Pages from spread-out places in the member list.
    const step = Math.max(1, Math.floor(members.length / (COUNTS.scalePages + 2)));
    const getMembersPage = await timed("getMembers", owner!, (i) => ({
      mode: "getMembers",
      chat_id: chatId,
      after: members[(i + 2) * step]!.username,
    }));
    const memberGetChats = await timed("getChats", member, () => ({ mode: "getChats" }));

    const log = await logAtBound(srv, procs, seeded[COUNTS.scaleMembers]!, seeded[COUNTS.scaleMembers + 1]!);

    // (d) Members online, more and more of them.
    const results: ScaleOnline[] = [];
    let current: { id: string; left: number; lastAt: number } | null = null;
    const hear = (s: Socket) => {
      s.onFrame = (f, at) => {
        if (f.mode !== "newMessage" || !current) return;
        if ((f.message as { client_msg_id?: string }).client_msg_id !== current.id) return;
        current.left--;
        current.lastAt = at;
      };
    };
    hear(member);
    // The owner sends; the member above and the sockets opened here listen.
    const pool_ = members.slice(2);
    for (const count of SCALE_ONLINE) {
      const row: ScaleOnline = { online: count, ok: false };
      results.push(row);
      try {
        const tc = performance.now();
        const fresh = await connect(srv, pool_.slice(online.length, count - 2), `scale: ${num(count)} online`);
        online.push(...fresh);
        for (const s of fresh) hear(s);
        // Presence may be registered when a client lists its chats or opens the group (its messages, its updates).
        await pool(fresh, 16, async (s) => {
          ok(await s.request({ mode: "getChats", limit: 10 }, 120_000), "getChats");
          ok(await s.request({ mode: "getMessages", chat_id: chatId, limit: 1 }, 120_000), "getMessages");
          ok(await s.request({ mode: "getChatUpdates", chat_id: chatId, since_ev: 0, limit: 1 }, 120_000), "getChatUpdates");
        });
        row.connectMs = round(performance.now() - tc, 0);
        const listeners = online.length + 1;
        await settle(procs, `scale: ${num(count)} online`);
        const last: number[] = [];
        const warm = 3;
        const one = async (k: number) => {
          const id = `scale-${count}-${k}`;
          const cur = { id, left: listeners, lastAt: 0 };
          current = cur;
          const t = performance.now();
          ok(
            await owner!.request(
              { mode: "sendGroupMessage", chat_id: chatId, content: content(id), content_type: "text", client_msg_id: id },
              120_000,
            ),
            "send",
          );
          // The first message may find presence still being registered: it gets longer.
          await until(
            () => cur.left === 0,
            k < warm ? 300_000 : 120_000,
            `message ${k} to reach all ${num(listeners)} online (${cur.left} missing)`,
          );
          if (k >= warm) last.push(cur.lastAt - t);
          progress(`scale: ${num(count)} online, message ${k + 1}/${warm + COUNTS.scaleMessages}, last at ${round(cur.lastAt - t, 0)} ms`);
        };
        for (let k = 0; k < warm; k++) await one(k);
        const end = cpuWindow(procs);
        // `--profile=scale-online` tells which objects the measured messages' CPU went to.
        const { shares } = await profiled(`scale-online-${count}`, "section", async () => {
          for (let k = warm; k < warm + COUNTS.scaleMessages; k++) await one(k);
        });
        const us = end().workerUs;
        Object.assign(row, {
          ok: true,
          messages: COUNTS.scaleMessages,
          last: dist(last),
          workerUsPerMessage: per(us, COUNTS.scaleMessages),
          workerUsPerPush: per(us, COUNTS.scaleMessages * listeners),
          ...(shares && { byObject: shares }),
        });
      } catch (err) {
        row.error = err instanceof Error ? err.message.slice(0, 300) : String(err);
        break;
      }
    }
    // Idle objects leave memory after a while: the RSS once they may have.
    await closeAll(online);
    await sleep(15_000);
    await settle(procs, "scale: idle");
    return {
      members: members.length,
      createMs,
      addMembers: dist(adds),
      rssBeforeMB: mb(rssBefore),
      rssAfterMB: mb(rssAfter),
      rssIdleMB: mb(rssBytes(procs.worker)),
      getMembersPage,
      memberGetChats,
      online: results,
      maxOnline: Math.max(0, ...results.filter((r) => r.ok).map((r) => r.online)),
      log,
    };
  } finally {
    await closeAll([...online, owner!, member]);
  }
}
