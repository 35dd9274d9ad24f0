// 11. Edits (issue 19): whether an edit costs more as edits pile up. One user edits
// 4,000-character messages in a direct chat, one edit at a time at EDITS_RATE a second (under
// the default send limit; the benchmark's server lifts the limit anyway), each edit waiting
// for its answer and for the peer's messageEdited push before the next. The server caps a
// message at EDITS_PER_MESSAGE edits, so the phase reads two things: a fresh message's first
// edits when the chat holds EDITS_FEW earlier edits of other messages and when it holds
// COUNTS.editsEarlier of them; and one message's edits around its 10th against its last ones.
import type { LocalServer } from "../../scripts/local-server";
import { api, ok, sleep, Socket, until } from "../client";
import { cpuWindow, per } from "../common";
import { COUNTS, EDITS_FEW, EDITS_PER_MESSAGE, EDITS_RATE, PASSWORD } from "../options";
import { writeBytes, type ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { EditWindow, Edits } from "../types";

const CHARS = 4_000;
/** A message's (or an edit's) text: its id first, so the peer's push names the edit it is. */
const text = (id: string) => `${id} `.padEnd(CHARS, ".");

async function register(url: string, username: string): Promise<{ username: string; token: string }> {
  const f = await api(url, { mode: "register", username, password: PASSWORD, email: `${username}@bench.test` }, 60_000);
  if (f.status !== 201 || typeof f.token !== "string") throw new Error(`register ${username}: ${JSON.stringify(f).slice(0, 300)}`);
  return { username, token: f.token };
}

export async function edits(srv: LocalServer, procs: ServerProcs): Promise<Edits> {
  const [a, b] = [await register(srv.url, "bench-editor"), await register(srv.url, "bench-reader")];
  const editor = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(a.token)}`, "edits-editor");
  const reader = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(b.token)}`, "edits-reader");
  try {
    const pushedAt = new Map<string, number>();
    reader.onFrame = (f, at) => {
      if (f.mode !== "messageEdited") return;
      const content = (f.message as { content: string }).content;
      pushedAt.set(content.slice(0, content.indexOf(" ")), at);
    };
    const chatId = (ok(await editor.request({ mode: "createChat", username: b.username }), "createChat").chat as { chat_id: string })
      .chat_id;
    let messages = 0;
    const send = async (): Promise<number> => {
      const r = await editor.request(
        { mode: "sendMessage", chat_id: chatId, content: text(`msg-${messages++}`), content_type: "text" },
        60_000,
      );
      return (ok(r, "sendMessage").message as { seq: number }).seq;
    };

    let made = 0;
    let slot = performance.now();
    const edit = async (seq: number): Promise<{ answer: number; push: number }> => {
      await sleep(slot - performance.now());
      const id = `edit-${made++}`;
      const t = performance.now();
      slot = t + 1000 / EDITS_RATE;
      const r = await editor.request({ mode: "editMessage", chat_id: chatId, seq, content: text(id) }, 120_000);
      ok(r, "editMessage");
      await until(() => pushedAt.has(id), 120_000, `the peer's push of ${id}`);
      const pushed = pushedAt.get(id)!;
      pushedAt.delete(id);
      return { answer: r.at - t, push: pushed - t };
    };
    const window = (samples: { answer: number; push: number }[], from: number, to: number): EditWindow => ({
      from,
      to,
      answer: dist(samples.map((s) => s.answer)),
      push: dist(samples.map((s) => s.push)),
    });

    // Other messages' edits, each message edited up to the cap, until the chat holds `total`.
    let filler: number | null = null;
    let fillerEdits = 0;
    const editOthersUntil = async (total: number) => {
      while (made < total) {
        if (filler === null || fillerEdits === EDITS_PER_MESSAGE) {
          filler = await send();
          fillerEdits = 0;
        }
        await edit(filler);
        fillerEdits++;
        progress(`edits: ${made}/${total} edits of other messages in the chat`);
      }
    };
    const freshMessage = async (what: string): Promise<EditWindow> => {
      const seq = await send();
      const from = made + 1;
      const samples = [];
      for (let i = 0; i < COUNTS.editsWindow; i++) {
        samples.push(await edit(seq));
        progress(`edits: a fresh message's edit ${i + 1}/${COUNTS.editsWindow}, ${what}`);
      }
      return window(samples, from, made);
    };

    // Plain messages first wake both members' objects and the chat's, as in the direct phase.
    for (let i = 0; i < 20; i++) await send();
    const w = cpuWindow(procs);
    const b0 = writeBytes(procs.worker);
    await editOthersUntil(EDITS_FEW);
    const fewEarlier = await freshMessage(`${EDITS_FEW} earlier edits in the chat`);
    await editOthersUntil(COUNTS.editsEarlier);
    const manyEarlier = await freshMessage(`${COUNTS.editsEarlier} earlier edits in the chat`);

    const seq = await send();
    const one: { answer: number; push: number }[] = [];
    for (let i = 1; i <= EDITS_PER_MESSAGE; i++) {
      one.push(await edit(seq));
      progress(`edits: one message's edit ${i}/${EDITS_PER_MESSAGE}, last answered in ${round(one.at(-1)!.answer, 1)} ms`);
    }
    const half = Math.floor(COUNTS.editsWindow / 2);
    const early = window(one.slice(10 - half - 1, 10 + half), 10 - half, 10 + half);
    const late = window(one.slice(-COUNTS.editsWindow), EDITS_PER_MESSAGE - COUNTS.editsWindow + 1, EDITS_PER_MESSAGE);
    const bytes = writeBytes(procs.worker) - b0;
    const c = w();
    return {
      contentChars: CHARS,
      ratePerSec: EDITS_RATE,
      perMessage: EDITS_PER_MESSAGE,
      fewEarlier,
      manyEarlier,
      early,
      late,
      chatAnswerRatio: round(manyEarlier.answer.p50 / fewEarlier.answer.p50, 2),
      chatPushRatio: round(manyEarlier.push.p50 / fewEarlier.push.p50, 2),
      messageAnswerRatio: round(late.answer.p50 / early.answer.p50, 2),
      messagePushRatio: round(late.push.p50 / early.push.p50, 2),
      bytesPerEdit: round(bytes / made, 0),
      workerUsPerEdit: per(c.workerUs, made),
    };
  } finally {
    await Promise.all([editor.close(), reader.close()]);
  }
}
