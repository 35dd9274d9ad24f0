// The chat's own facts, in the `meta` table: its id, type, title, description, slow mode, and the event that
// made it a large group (fan-out on read from the next event on). The only writer of `meta`.
export class ChatMeta {
  chatId = "";
  type: "direct" | "group" | null = null;
  title = "";
  /** Groups: the description and slow mode (moderation.ts sets them). */
  description = "";
  slowModeS = 0;
  /** The event that made the group large (the last one in members' logs), or null while it is small. */
  largeSince: number | null = null;

  constructor(private readonly sql: SqlStorage) {
    const meta = new Map(
      sql
        .exec<{ k: string; v: string }>("SELECT k, v FROM meta")
        .toArray()
        .map((r) => [r.k, r.v]),
    );
    this.chatId = meta.get("chat_id") ?? "";
    this.type = (meta.get("type") as "direct" | "group" | undefined) ?? null;
    this.title = meta.get("title") ?? "";
    this.description = meta.get("description") ?? "";
    this.slowModeS = Number(meta.get("slow_mode_s") ?? 0);
    const large = meta.get("large");
    this.largeSince = large === undefined ? null : Number(large);
  }

  init(chatId: string, type: "direct" | "group", title: string): void {
    this.chatId = chatId;
    this.type = type;
    this.title = title;
    this.put("chat_id", chatId);
    this.put("type", type);
    this.put("title", title);
  }

  edit(title: string, description: string): void {
    this.title = title;
    this.description = description;
    this.put("title", title);
    this.put("description", description);
  }

  setSlowMode(seconds: number): void {
    this.slowModeS = seconds;
    this.put("slow_mode_s", String(seconds));
  }

  /** The group is large from after event `ev` on. */
  setLarge(ev: number): void {
    this.largeSince = ev;
    this.put("large", String(ev));
  }

  private put(k: string, v: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", k, v);
  }
}
