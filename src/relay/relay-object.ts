// ChatRelay: one shard of a large group's live pushes, named "<chat_id>/<shard>"
// (contract/objects.ts, `relayName`). Only its chat object calls it (`RelayRpc.hand`): the
// group's events in ev order, and its shard's members coming online and going. It pushes
// each event to those members' user objects (audience.ts). It stores nothing until a member
// joins, and forgets everything when released.
//
//   ChatRelay
//   ├── audience (audience.ts)  the shard's members online (SQLite), the events not yet
//   │                           pushed to all of them (memory), one push in flight a member
//   └── alarms   (platform/alarms.ts)  retries of failed pushes
import { DurableObject } from "cloudflare:workers";
import type { RelayBatch, RelayRpc } from "../contract/objects";
import { Alarms } from "../platform/alarms";
import { hasSchema, migrate } from "../platform/object-sql";
import { Audience, type RelayJob } from "./audience";
import { RELAY_SCHEMA } from "./schema";

export class ChatRelay extends DurableObject<Env> implements RelayRpc {
  private readonly sql: SqlStorage;
  private alarms: Alarms<RelayJob>;
  private audience: Audience | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.alarms = new Alarms(ctx.storage, () => Date.now());
    // A relay that never had a member stores nothing: a stray call leaves no trace.
    void ctx.blockConcurrencyWhile(async () => {
      if (!hasSchema(this.sql)) return;
      this.audience = Audience.load(this.sql, this.env, this.alarms);
      await this.alarms.load();
    });
  }

  async hand(chatId: string, batch: RelayBatch): Promise<{ released?: Record<string, number> }> {
    if (batch.release) {
      const released = (await this.audience?.release()) ?? {};
      this.audience = null;
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      // The alarm as this object knew it is gone with the rest.
      this.alarms = new Alarms(this.ctx.storage, () => Date.now());
      return { released };
    }
    if (!this.audience) {
      // Members online make the relay; events or leavings for a relay with none change nothing.
      if (!batch.joins.length) return {};
      migrate(this.sql, RELAY_SCHEMA);
      this.audience = Audience.create(this.sql, this.env, this.alarms, chatId);
    }
    this.audience.take(batch);
    return {};
  }

  override async alarm(): Promise<void> {
    await this.alarms.run();
  }

  /** For tests (through runInDurableObject): the members it pushes to, and what it stores. */
  readonly probe = {
    members: () => this.audience?.memberIds() ?? [],
    head: () => this.audience?.head ?? null,
    tables: () => this.sql.exec<{ name: string }>("SELECT name FROM sqlite_master").toArray(),
  };
}
