// 12. Reactions (issue 20): a reaction in a large group is one event pushed to the members
// online, like a message. In a group of COUNTS.reactMembers with COUNTS.reactOnline online,
// messages and then reactions go one at a time; each is timed to the last other online
// member's push and costed in server CPU per push, against the N-RPC floor measured right
// before. Then what reactions add to a message: its size on the wire (the newMessage push,
// a getMessages item with none and with 20 distinct emojis of 20 members) and the bytes
// the Worker's workerd writes to storage per message and per reaction. The chat object's
// own database size is not readable from outside (no route gives it), so storage is read as
// bytes written (`write_bytes`), not as bytes kept.
import type { LocalServer } from "../../scripts/local-server";
import { type Frame, ok, type Socket, until } from "../client";
import { closeAll, connect, content, cpuWindow, createGroup, phaseCpu, settle, trackCreated, type U } from "../common";
import { floorBeside } from "../floors";
import { COUNTS } from "../options";
import { type ServerProcs, writeBytes } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { CpuWindow, ReactionsResult } from "../types";

/** 20 distinct emojis, each one code point (a message holds at most 20). */
export const EMOJIS = [..."👍💙😂😮😢🙏🔥🎉👏😍🤔👀💯✅🚀😎🙌🤝💡⭐"];
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

interface Pending {
  /** Which push counts: a newMessage's client_msg_id, or a reaction's `seq:username:emoji`. */
  key: string;
  left: number;
  lastAt: number;
}

export async function reactions(srv: LocalServer, procs: ServerProcs, users: U[]): Promise<ReactionsResult> {
  const online = users.slice(0, COUNTS.reactOnline);
  const socks = await connect(srv, online, "reactions");
  try {
    let cur: Pending | null = null;
    let lastReactionPush: Frame | null = null;
    let firstNewMessage: Frame | null = null;
    const created = trackCreated(socks, () => {});
    socks.forEach((s, i) => {
      const tracked = s.onFrame;
      s.onFrame = (f, at) => {
        tracked(f, at);
        let key = "";
        if (f.mode === "newMessage") {
          key = String((f.message as { client_msg_id?: string }).client_msg_id);
          if (i === 1 && !firstNewMessage) firstNewMessage = f;
        } else if (f.mode === "reactionChanged") {
          key = `${f.seq}:${f.username}:${f.emoji}`;
          if (i === 0) lastReactionPush = f;
        }
        if (cur && key === cur.key) {
          cur.left--;
          cur.lastAt = at;
        }
      };
    });
    progress(`reactions: a group of ${COUNTS.reactMembers}, ${online.length} online`);
    const chatId = await createGroup(socks[0]!, `reactions ${COUNTS.reactMembers}`, users.slice(1, COUNTS.reactMembers));
    await until(() => created.every((c, i) => i === 0 || c.has(chatId)), 300_000, "every member online to hear of the group");
    await settle(procs, "reactions");
    const floor = await floorBeside(socks.length, COUNTS.rpcLargeRounds, "reactions");

    /** Sends `n` events one at a time (after 5 warm-up ones), each timed to the last other online member. */
    const timed = async (n: number, what: string, one: (k: number) => { key: string; send: () => Promise<void> }) => {
      const last: number[] = [];
      const ack: number[] = [];
      let end: (() => CpuWindow) | null = null;
      for (let k = 0; k < 5 + n; k++) {
        if (k === 5) end = cpuWindow(procs);
        const o = one(k);
        const p: Pending = { key: o.key, left: socks.length - 1, lastAt: 0 };
        cur = p;
        const t = performance.now();
        await o.send();
        const answered = performance.now();
        await until(() => p.left === 0, 30_000, `${what} ${k} to reach every other member online (${p.left} missing)`);
        if (k >= 5) {
          last.push(p.lastAt - t);
          ack.push(answered - t);
        }
        progress(`reactions: ${what} ${k + 1}/${5 + n}, last member online at ${round(p.lastAt - t, 1)} ms`);
      }
      return { last: dist(last), ack: dist(ack), cpu: phaseCpu(end!(), n * (socks.length - 1)) };
    };

    const send = async (id: string): Promise<number> => {
      const r = await socks[0]!.request({
        mode: "sendGroupMessage",
        chat_id: chatId,
        content: content(id),
        content_type: "text",
        client_msg_id: id,
      });
      return (ok(r, "sendGroupMessage").message as { seq: number }).seq;
    };
    const message = await timed(COUNTS.reactions, "message", (k) => ({
      key: `react-msg-${k}`,
      send: async () => void (await send(`react-msg-${k}`)),
    }));
    const target = await send("react-target");
    const react = async (sock: Socket, seq: number, emoji: string) =>
      ok(await sock.request({ mode: "react", chat_id: chatId, seq, emoji }), "react");
    // Reactor k is the (k + 1)th member online, so no member goes past 3 reactions on a message.
    await settle(procs, "reactions");
    const reaction = await timed(COUNTS.reactions, "reaction", (k) => {
      const sock = socks[1 + (k % (socks.length - 1))]!;
      const emoji = EMOJIS[k % 3]!;
      return { key: `${target}:${sock.name}:${emoji}`, send: async () => void (await react(sock, target, emoji)) };
    });

    // Sizes: a fresh message without reactions, then with 20 distinct emojis of 20 members.
    await settle(procs, "reactions: sizes");
    firstNewMessage = null;
    let b0 = writeBytes(procs.worker);
    const sized: number[] = [];
    for (let k = 0; k < 20; k++) sized.push(await send(`react-size-${k}`));
    await settle(procs, "reactions: sizes");
    const bytesWrittenPerMessage = round((writeBytes(procs.worker) - b0) / 20, 0);
    const newMessageBytes = firstNewMessage ? bytes(firstNewMessage) : NaN;
    const seq = sized.at(-1)!;
    const item = async () => {
      const f = ok(await socks[0]!.request({ mode: "getMessages", chat_id: chatId, after_seq: seq - 1, limit: 1 }), "getMessages");
      return bytes((f.messages as unknown[])[0]);
    };
    const itemBytes = await item();
    b0 = writeBytes(procs.worker);
    for (let k = 0; k < 20; k++) {
      const sock = socks[1 + k]!;
      const emoji = EMOJIS[k]!;
      const p: Pending = { key: `${seq}:${sock.name}:${emoji}`, left: socks.length - 1, lastAt: 0 };
      cur = p;
      await react(sock, seq, emoji);
      await until(() => p.left === 0, 30_000, "a sized reaction to reach every member online");
    }
    await settle(procs, "reactions: sizes");
    const bytesWrittenPerReaction = round((writeBytes(procs.worker) - b0) / 20, 0);
    const itemBytes20 = await item();
    return {
      members: COUNTS.reactMembers,
      online: socks.length,
      reactions: COUNTS.reactions,
      last: reaction.last,
      ack: reaction.ack,
      cpu: reaction.cpu,
      ...(floor && { floor }),
      message: { last: message.last, cpu: message.cpu },
      newMessageBytes,
      itemBytes,
      itemBytes20,
      reactionPushBytes20: lastReactionPush ? bytes(lastReactionPush) : NaN,
      bytesWrittenPerMessage,
      bytesWrittenPerReaction,
    };
  } finally {
    await closeAll(socks);
  }
}
