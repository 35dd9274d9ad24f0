// The rows and the "How it is measured" items of the phases issues 20, 21, 22 and 24 asked
// for (reactions, search, push, scale).
import { num, ok, type Row } from "./report-rows";
import type { Dist } from "./stats";
import type { PushCase, PushResult, ReactionsResult, Results, ScaleResult, SearchResultFig } from "./types";

const ms = (x: number) => `${num(x, 2)} ms`;
const pcts = (d: Dist) => `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}`;
const x = (v: number, base: number | undefined) => (base && Number.isFinite(v) ? `${num(v / base, 2)}x` : "");
const us = (v: number) => `${num(v, 1)} µs`;
const kb = (b: number) => `${num(b / 1024, 2)} KB`;

export function moreRows(r: Results): Row[] {
  const out: Row[] = [];
  const p = r.phases;
  const error = (section: string, o: { error: string } | object | undefined) => {
    if (o && "error" in o) out.push([section, "FAILED", "", o.error.slice(0, 120)]);
  };

  const re = ok<ReactionsResult>(p.reactions);
  if (re) {
    const s = `reactions, large group ${num(re.members, 0)}, ${re.online} online`;
    if (re.floor)
      out.push([
        s,
        `floor beside it: ${re.online} RPCs at once, no writes, p50 / p95 / p99`,
        pcts(re.floor.call),
        `${us(re.floor.workerUsPerCall)} CPU per call`,
      ]);
    const fl = re.floor;
    out.push([
      s,
      `react -> last other online member's reactionChanged, p50 / p95 / p99 (${re.reactions}, one at a time)`,
      pcts(re.last),
      `${fl ? `${x(re.last.p50, fl.call.p50)} the floor; ` : ""}a message the same way: ${pcts(re.message.last)}`,
    ]);
    out.push([
      s,
      "server CPU per reactionChanged push",
      us(re.cpu.workerUsPerPush),
      `${fl ? `${x(re.cpu.workerUsPerPush, fl.workerUsPerCall)} the floor's CPU per call; ` : ""}a message: ${us(re.message.cpu.workerUsPerPush)} per push`,
    ]);
    out.push([s, "react answered, p50 / p99", `${ms(re.ack.p50)} / ${ms(re.ack.p99)}`, ""]);
    out.push([
      s,
      "a message on the wire: newMessage push / getMessages item",
      `${num(re.newMessageBytes, 0)} B / ${num(re.itemBytes, 0)} B`,
      "no reactions",
    ]);
    out.push([
      s,
      "the item with 20 distinct emojis of 20 members",
      `${num(re.itemBytes20, 0)} B`,
      `+${num(re.itemBytes20 - re.itemBytes, 0)} B; the 20th emoji's reactionChanged push: ${num(re.reactionPushBytes20, 0)} B`,
    ]);
    out.push([
      s,
      "bytes written to storage per message / per reaction",
      `${kb(re.bytesWrittenPerMessage)} / ${kb(re.bytesWrittenPerReaction)}`,
      "write_bytes of the Worker's workerd (pages and WAL frames); the chat's database size is not readable from outside",
    ]);
  }
  error("reactions", p.reactions);

  const se = ok<SearchResultFig>(p.search);
  if (se) {
    const s = `search, ${num(se.chats, 0)} chats, ${num(se.messages, 0)} messages`;
    if (se.floor)
      out.push([s, "floor beside it: frame -> 1 RPC -> echo, p50 / p95 / p99", pcts(se.floor.call), "one read from one object"]);
    const fl = se.floor?.call.p50;
    out.push([
      s,
      `searchMessages answered, p50 / p95 / p99 (${se.queries} queries)`,
      pcts(se.answer),
      fl ? `p50 ${x(se.answer.p50, fl)} the floor` : "",
    ]);
    out.push([s, "a word in one message in a thousand / a word in none, p50", `${ms(se.rare.p50)} / ${ms(se.none.p50)}`, ""]);
    out.push([
      s,
      "the index per message stored",
      se.indexBytesPerMessage === null ? "n/a" : `${num(se.indexBytesPerMessage, 0)} B`,
      se.indexedRows === null
        ? "could not read the object's SQLite file"
        : `dbstat of the searcher's object: ${num(se.indexedRows, 0)} rows in its search tables`,
    ]);
    out.push([
      s,
      "server CPU per delivered push: a message of words / one with no indexable word",
      `${us(se.sendUsWords)} / ${us(se.sendUsNoWords)}`,
      `${num(se.sendRatio, 2)}x`,
    ]);
  }
  error("search", p.search);

  const pu = ok<PushResult>(p.push);
  if (pu) {
    const row = (c: PushCase, who: string) => {
      const s = `Web Push, ${c.what.replace(/^push: /, "")}`;
      out.push([
        s,
        `send -> the push service has the push for ${who}, p50 / p95 / p99 (${c.pushes} pushes)`,
        pcts(c.push),
        c.pushes > c.messages ? `last of a message's: ${pcts(c.last)}` : "",
      ]);
      out.push([
        s,
        "server CPU per push (subscribed recipients minus the same messages to recipients without one)",
        us(c.usPerPush),
        `per message ${us(c.usPerMessagePushed)} with pushes, ${us(c.usPerMessageNotPushed)} without`,
      ]);
    };
    row(pu.direct, "the offline recipient");
    row(pu.group, `each of ${pu.mentionsPerMessage} mentioned offline members`);
  }
  error("push", p.push);

  const sc = ok<ScaleResult>(p.scale);
  if (sc) {
    const s = `scale, a group of ${num(sc.members, 0)}`;
    out.push([
      s,
      "addMembers of 1,000 names answered, p50 / p95 / p99",
      pcts(sc.addMembers),
      `made in ${num(sc.createMs / 1000, 1)} s, every member's chatCreated included`,
    ]);
    out.push([
      s,
      "Worker workerd RSS before / after / after 15 s idle",
      `${num(sc.rssBeforeMB, 1)} / ${num(sc.rssAfterMB, 1)} / ${num(sc.rssIdleMB, 1)} MB`,
      `+${num(sc.rssAfterMB - sc.rssBeforeMB, 1)} MB: the chat object and every member's object it woke`,
    ]);
    out.push([s, "getMembers page (200) answered, p50 / p95 / p99", pcts(sc.getMembersPage), ""]);
    out.push([s, "a member's getChats answered, p50 / p95 / p99", pcts(sc.memberGetChats), ""]);
    for (const o of sc.online) {
      if (!o.ok) {
        out.push([s, `${num(o.online, 0)} online`, "FAILED", (o.error ?? "").slice(0, 160)]);
        continue;
      }
      out.push([
        s,
        `${num(o.online, 0)} online: send -> last online member, p50 / p95 / p99 (${o.messages} msgs)`,
        pcts(o.last!),
        `sockets opened in ${num((o.connectMs ?? NaN) / 1000, 1)} s`,
      ]);
      out.push([
        s,
        `${num(o.online, 0)} online: server CPU per message / per push`,
        `${us(o.workerUsPerMessage!)} / ${us(o.workerUsPerPush!)}`,
        o.byObject ? "every object together; split below by a CPU profile" : "every object together (/proc cannot split it by object)",
      ]);
      if (o.byObject)
        out.push([
          s,
          `${num(o.online, 0)} online: server CPU per message, by object`,
          Object.entries(o.byObject)
            .sort((a, b) => b[1] - a[1])
            .map(([who, share]) => `${who} ${us(share * o.workerUsPerMessage!)}`)
            .join(" · "),
          "the CPU per message split by each object's share of the JavaScript time in a CPU profile of the same messages (--profile=scale-online; commits and socket writes outside JavaScript are not sampled, and sampling slows the runtime)",
        ]);
    }
    out.push([s, "the most members online that worked", num(sc.maxOnline, 0), "each count tried in turn until one failed"]);
    const l = sc.log;
    out.push([
      s,
      `sync of 100 from the oldest kept pts (${num(l.oldestKept, 0)} of ${num(l.updates, 0)}) / from 100 before the latest, p50`,
      `${ms(l.oldest.p50)} / ${ms(l.recent.p50)}`,
      `${num(l.ratio, 2)}x; LOG_KEEP_UPDATES ${num(l.keep, 0)}`,
    ]);
  }
  error("scale", p.scale);
  return out;
}

/** "How it is measured", items 12 to 15. */
export function moreHow(c: Record<string, number>): string {
  return `12. **Reactions** (issue 20): a large group of ${num(c.reactMembers ?? NaN, 0)} with ${c.reactOnline} online (one socket each).
   ${c.reactions} messages and then ${c.reactions} reactions to one message, one at a time after 5 warm-up ones,
   each timed from the send to the last other online member's push (\`newMessage\`,
   \`reactionChanged\`), and the server CPU per push, against the ${c.reactOnline}-RPC floor without
   writes measured right before (the floor a message in a large group is read against).
   Then a message's size: its \`newMessage\` push as a member receives it, its \`getMessages\`
   item with no reactions and with 20 distinct emojis of 20 members, and the bytes the
   Worker's workerd writes to storage (\`write_bytes\`) per message and per reaction. No
   route tells a chat object's database size, so storage is read as bytes written.
13. **Search** (issue 21): ${num(c.searchMessages ?? NaN, 0)} messages of six made-up words (five of 50 common ones,
   one of 1,000 rare ones) sent by one user into ${c.searchChats} direct chats, then ${c.searchQueries} \`searchMessages\`
   one at a time (two common words, one rare word, a word in no message, in turn) against
   the floor of one read from one object (frame -> 1 RPC -> echo, measured right before).
   The index's size per message: SQLite's \`dbstat\` over the \`search\` tables of a copy of
   the searcher's object's file. The index cannot be switched off, so the cost it adds to a
   send is read as CPU per delivered push of direct messages of words against messages of
   the same length with no indexable word (dots), in alternating blocks (${c.searchSends} messages).
14. **Web Push** (issue 22): the tests' own push service (\`test/node/push-service.ts\`, which
   checks the VAPID JWT and decrypts each payload) on 127.0.0.1, the server started with a
   fresh VAPID pair and \`PUSH_ALLOW_HTTP\`. A chat pushes to a session at most once per
   10 s, so each timed push goes where nothing was pushed yet: ${c.pushDirect} direct chats with one
   offline recipient each, and a large group of ${num(c.pushGroup ?? NaN, 0)} where each of ${c.pushGroupMessages} messages mentions a
   fresh 1% of the members (at most 50, the contract's cap), each with a subscription and no
   socket. Timed from the send to the push service having decrypted the push. The CPU a
   push costs is the Worker's CPU for those messages minus that for as many messages to
   recipients without a subscription, each block counted until the server is idle.
15. **Scale** (issue 24): accounts are seeded straight into the local D1 file before the
   server starts (\`bench/seed.ts\`, \`wrangler d1 execute --local\`: a user row and a
   session each; no route of the Worker makes them). A group of ${num(c.scaleMembers ?? NaN, 0)} made with
   \`createGroup\` and \`addMembers\` of 1,000 names each; the Worker's workerd RSS before and
   after (each member's object is woken by its \`chatCreated\`, so the change bounds the chat
   object's from above) and after the objects sat idle; ${c.scalePages} \`getMembers\` pages from spread
   out places; a member's \`getChats\`. A user's log filled to 2.1 times
   \`LOG_KEEP_UPDATES\` (${num(c.logKeep ?? NaN, 0)}), the oldest kept \`pts\` found by halving on \`too_long\`,
   and \`sync\` of 100 from it against one from 100 before the latest (${c.syncRounds} each). Then more and
   more of the group online (each socket lists its chats and opens the group, as presence
   may be registered lazily), ${c.scaleMessages} messages at each count after 3 warm-up ones, timed to the
   last online member, and the Worker's CPU per message (every object: relays, the chat
   object and the user objects are one process). This machine may not hold 10,000 sockets:
   the counts are tried in turn and the largest that worked is reported.`;
}
