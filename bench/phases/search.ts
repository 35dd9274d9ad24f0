// 13. Search (issue 21): one user with COUNTS.searchChats direct chats holding
// COUNTS.searchMessages messages between them searches all of it. Each message is six words:
// five from 50 common ones (each in about a tenth of the messages) and one from 1,000 rare
// ones (one message in a thousand). Queries, one at a time: two common words, a rare one,
// and a word in no message; every answer is read against the floor of one read from one
// object (frame -> one RPC -> echo), measured right before. Then the index's size per
// message, read from a copy of the user object's SQLite file (its `search` tables in
// SQLite's dbstat), and the CPU per delivered push of a direct message of words against
// one of the same length with no indexable word (the index cannot be switched off: this
// is the send whose index entry is empty).
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalServer } from "../../scripts/local-server";
import { flood, ok, Socket, until } from "../client";
import { cpuWindow, per, settle, type U } from "../common";
import { floorBeside } from "../floors";
import { COUNTS, DEPTH } from "../options";
import type { ServerProcs } from "../proc";
import { progress } from "../progress";
import { dist, round } from "../stats";
import type { SearchResultFig } from "../types";

const SYL = ["ba", "ke", "li", "mo", "nu", "pa", "re", "si", "to", "vu"];
/** A word of four syllables from a number: every word the same length, so no word is another's prefix. */
const word = (prefix: string, n: number) =>
  prefix +
  Array.from({ length: 3 }, (_, i) => SYL[Math.floor(n / 10 ** i) % 10]!)
    .join("")
    .padEnd(6, "x");
const common = (n: number) => word("co", n % 50);
const rare = (n: number) => word("ra", n % 1000);
/** Message i's words: deterministic, spread (a multiplicative hash of i). */
const text = (i: number) => {
  const h = (k: number) => Math.imul(i + 1, 2654435761 + 97 * k) >>> 0;
  return [...[0, 1, 2, 3, 4].map((k) => common(h(k) % 50)), rare(h(9) % 1000)].join(" ");
};

export async function search(srv: LocalServer, procs: ServerProcs, seeded: U[]): Promise<SearchResultFig> {
  const [me, ...peers] = seeded.slice(0, 1 + COUNTS.searchChats);
  const sock = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(me!.token)}`, "search");
  try {
    const chats: string[] = [];
    for (const p of peers) {
      chats.push((ok(await sock.request({ mode: "createChat", username: p.username }), "createChat").chat as { chat_id: string }).chat_id);
      progress(`search: ${chats.length}/${peers.length} chats`);
    }
    let sent = 0;
    const perChat = Math.ceil(COUNTS.searchMessages / chats.length);
    await flood([sock], COUNTS.searchMessages, DEPTH, async (s, _k, n) => {
      ok(
        await s.request({ mode: "sendMessage", chat_id: chats[n % chats.length]!, content: text(n), content_type: "text" }, 60_000),
        "send",
      );
      if (++sent % 200 === 0) progress(`search: ${sent}/${COUNTS.searchMessages} messages (${perChat} a chat)`);
    });
    await settle(procs, "search");
    const floor = await floorBeside(1, COUNTS.rpcOneRounds, "search");

    const ask = async (query: string) => {
      const t = performance.now();
      const r = await sock.request({ mode: "searchMessages", query }, 60_000);
      ok(r, "searchMessages");
      return { ms: r.at - t, found: (r.frame.results as unknown[]).length };
    };
    const all: number[] = [];
    const rares: number[] = [];
    const nones: number[] = [];
    for (let q = 0; q < COUNTS.searchQueries; q++) {
      const kind = q % 3;
      const query = kind === 0 ? `${common(q * 7)} ${common(q * 13 + 1)}` : kind === 1 ? rare(q * 37) : word("zz", q);
      const a = await ask(query);
      all.push(a.ms);
      if (kind === 1) rares.push(a.ms);
      if (kind === 2) nones.push(a.ms);
      if (kind === 2 && a.found) throw new Error(`search: ${query} should find nothing, found ${a.found}`);
      progress(`search: query ${q + 1}/${COUNTS.searchQueries}, ${round(a.ms, 1)} ms`);
    }
    const index = indexSize(srv.persist);
    const sendCost = await sendCosts(srv, procs, sock, chats[0]!, peers[0]!);
    return {
      chats: chats.length,
      messages: COUNTS.searchMessages,
      queries: COUNTS.searchQueries,
      answer: dist(all),
      rare: dist(rares),
      none: dist(nones),
      ...(floor && { floor }),
      indexBytesPerMessage: index ? round(index.bytes / index.rows, 0) : null,
      indexedRows: index?.rows ?? null,
      ...sendCost,
    };
  } finally {
    await sock.close();
  }
}

/** CPU per delivered push of a message of words and of one with none, in alternating blocks (the load drifts). */
async function sendCosts(srv: LocalServer, procs: ServerProcs, sock: Socket, chatId: string, peer: U) {
  const peerSock = await Socket.open(`${srv.wsUrl}?token=${encodeURIComponent(peer.token)}`, "search-peer");
  try {
    let got = 0;
    peerSock.onFrame = (f) => {
      if (f.mode === "newMessage") got++;
    };
    const us = { words: 0, none: 0 };
    const block = Math.max(1, Math.floor(COUNTS.searchSends / 8));
    let n = 0;
    for (let b = 0; b < 8; b++) {
      const kind = b % 2 === 0 ? "words" : "none";
      await settle(procs, "search: send cost");
      const w = cpuWindow(procs);
      for (let i = 0; i < block; i++) {
        const body = kind === "words" ? text(n++) : ".".repeat(text(n++).length);
        const want = got + 1;
        ok(await sock.request({ mode: "sendMessage", chat_id: chatId, content: body, content_type: "text" }), "send");
        await until(() => got >= want, 30_000, "the peer's push");
      }
      us[kind] += w().workerUs;
      progress(`search: the cost of a send, block ${b + 1}/8 (${kind})`);
    }
    const words = per(us.words, block * 4);
    const none = per(us.none, block * 4);
    return { sendUsWords: words, sendUsNoWords: none, sendRatio: round(words / none, 2) };
  } finally {
    await peerSock.close();
  }
}

/**
 * The user object with the most indexed messages (the searcher: every message is in its
 * index and in one peer's), its `search*` tables' pages over its rows. Read from a copy of
 * its SQLite file with its WAL (workerd keeps the file open); null if that cannot be done.
 */
function indexSize(persist: string): { bytes: number; rows: number } | null {
  const tmp = mkdtempSync(join(tmpdir(), "edge-chat-bench-index-"));
  try {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".sqlite") && d.includes("UserObject")) files.push(p);
      }
    };
    walk(persist);
    const biggest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (!biggest) return null;
    const copy = join(tmp, "user.sqlite");
    copyFileSync(biggest, copy);
    for (const ext of ["-wal", "-shm"]) if (existsSync(biggest + ext)) copyFileSync(biggest + ext, copy + ext);
    // node:sqlite is in Node 22 (the project's), behind no flag; any failure is reported as null.
    const { DatabaseSync } = createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
    const db = new DatabaseSync(copy);
    try {
      const bytes = (db.prepare("SELECT SUM(pgsize) AS b FROM dbstat WHERE name LIKE 'search%'").get() as { b: number }).b;
      const rows = (db.prepare("SELECT COUNT(*) AS n FROM search").get() as { n: number }).n;
      return rows ? { bytes, rows } : null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
