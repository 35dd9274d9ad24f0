// A large group's relays, as its chat object sees them (the relays are relay/). From
// RELAY_FROM_ONLINE members online the group's live pushes go through relay objects, one per
// shard of its members (`relayShard`, a hash of the user id, RELAY_SHARDS of them): each
// event is handed to the relays of the shards with members online, one call per shard and
// batch, and each relay pushes to its own members. So an event costs the chat object at most
// RELAY_SHARDS calls, whatever the audience.
//
// Per shard, like the courier per member: one call in flight, a failed one retried from the
// alarm after the one backoff, the same events handed in ev order. A call carries the events
// after what the shard was handed, and the members that came online (with the ev to push
// them from) or went since the last call. `release` hands the members back: the relay
// answers how far it pushed each, and the chat object pushes to them itself from there.
import { relayName, relayShard, type RelayBatch, type RelayEvent, type RelayJoin } from "../../contract/objects";
import { errorSummary, log } from "../../platform/log";
import { retryDelay } from "../../platform/retry";
import { Stubs } from "../../platform/stubs";
import type { ChatEvent } from "../events";
import type { FanoutParts } from "./fanout";

type RelayStub = ReturnType<Env["RELAYS"]["get"]>;

interface Shard {
  /** Its members the relay pushes to (or is being handed). */
  members: Set<string>;
  /** Events handed up to this ev. */
  sent: number;
  joins: Map<string, RelayJoin>;
  leaves: Map<string, number>;
  releasing: boolean;
  state: "idle" | "inflight" | "failed";
  failures: number;
}

export class Relays {
  private shards = new Map<number, Shard>();
  private readonly stubs: Stubs<RelayStub>;
  readonly count: number;

  constructor(
    private readonly p: FanoutParts,
    /** An event as every member's relay pushes it. */
    private readonly frame: (e: ChatEvent) => RelayEvent,
    /** A shard's members are back with the chat object, each pushed up to the ev given. */
    private readonly released: (userIds: string[], sent: (userId: string) => number) => void,
  ) {
    this.stubs = new Stubs(p.env.RELAYS);
    this.count = p.config.relayShards;
    p.alarms.register("relay", () => {
      for (const [n, s] of this.shards)
        if (s.state === "failed") {
          s.state = "idle";
          this.pump(n);
        }
    });
  }

  /** A member online, pushed by their shard's relay after `from`. */
  join(userId: string, since: number, from: number): void {
    const n = relayShard(userId, this.count);
    const s = this.shard(n);
    s.members.add(userId);
    s.leaves.delete(userId);
    s.joins.set(userId, { userId, since, from });
    this.pump(n);
  }

  leave(userId: string, since: number): void {
    const n = relayShard(userId, this.count);
    const s = this.shards.get(n);
    if (!s?.members.delete(userId)) return;
    s.joins.delete(userId);
    s.leaves.set(userId, since);
    this.pump(n);
  }

  /** New events: each shard with members is handed them. */
  publish(): void {
    for (const n of this.shards.keys()) this.pump(n);
  }

  /** Every shard's members come back to the chat object. */
  releaseAll(): void {
    for (const [n, s] of this.shards)
      if (s.members.size) {
        s.releasing = true;
        this.pump(n);
      }
  }

  private shard(n: number): Shard {
    let s = this.shards.get(n);
    if (!s) {
      s = { members: new Set(), sent: this.p.events.ev, joins: new Map(), leaves: new Map(), releasing: false, state: "idle", failures: 0 };
      this.shards.set(n, s);
    }
    return s;
  }

  private pump(n: number): void {
    const s = this.shards.get(n)!;
    if (s.state !== "idle") return;
    const last = this.p.events.ev;
    let batch: RelayBatch;
    let upTo = s.sent;
    const joins = [...s.joins.values()];
    const leaves = [...s.leaves].map(([userId, since]) => ({ userId, since }));
    if (s.releasing) batch = { events: [], joins: [], leaves: [], release: true };
    else {
      if (!s.members.size && !leaves.length) {
        // Nobody there: nothing to hand, and a shard that gets members later starts at the latest.
        s.sent = last;
        return;
      }
      const start = Math.min(s.sent, ...joins.map((j) => j.from));
      const stored = start < last ? this.p.events.after(start) : [];
      if (!stored.length && !joins.length && !leaves.length) return;
      upTo = Math.max(s.sent, stored.at(-1)?.event.ev ?? s.sent);
      batch = { events: stored.map((x) => this.frame(x.event)), joins, leaves };
    }
    if (!batch.release) {
      s.joins = new Map();
      s.leaves = new Map();
    }
    s.state = "inflight";
    const name = relayName(this.p.meta.chatId, n);
    this.stubs
      .get(name)
      .hand(this.p.meta.chatId, batch)
      .then(
        (answer) => {
          s.state = "idle";
          s.failures = 0;
          if (batch.release) {
            s.releasing = false;
            const back = [...s.members];
            s.members.clear();
            const got = answer.released ?? {};
            // A member the relay does not name was pushed nothing past what it was handed, or lost it in a restart: a client catches up by ev.
            this.released(back, (id) => got[id] ?? s.sent);
          } else s.sent = upTo;
          this.pump(n);
        },
        (err: unknown) => {
          this.stubs.forget(name);
          // What the call carried goes again, unless newer news of the same member came meanwhile.
          if (!batch.release) {
            for (const j of joins) if (s.members.has(j.userId) && !s.joins.has(j.userId)) s.joins.set(j.userId, j);
            for (const l of leaves) if (!s.members.has(l.userId) && !s.leaves.has(l.userId)) s.leaves.set(l.userId, l.since);
          }
          s.state = "failed";
          s.failures++;
          const delay = retryDelay(s.failures);
          log({
            level: "warn",
            event: "relay_failed",
            chat_id: this.p.meta.chatId,
            shard: n,
            attempt: s.failures,
            retry_in_ms: Math.round(delay),
            exception: errorSummary(err),
          });
          void this.p.alarms.wakeIn("relay", delay);
        },
      );
  }
}
