// The chat's uploads: each file a member put into this chat with POST /upload. The Worker
// streams the bytes into R2, then records the file here; a send attaches it to one message
// (`attached_seq`); deleting that message removes it, and so does being left unattached
// for a day; a member's unsent ones go when they leave, and every file when the last
// member goes. A file not sent yet is readable by its uploader only. Removal takes two
// steps: the row is marked removed in the same transaction as the change that removes it,
// so from then on nobody can read or attach it; then its R2 object is deleted, its bytes
// leave the uploader's storage quota (D1), and the row goes. An R2 or D1 delete that
// failed is retried from the alarm.
import { releaseUploads } from "../accounts";
import { ApiError } from "../contract/errors";
import type { NewUpload } from "../contract/objects";
import { isImageType, type Attachment } from "../contract/protocol";
import type { Clock } from "../platform/clock";
import { errorSummary, log } from "../platform/log";

export const UNATTACHED_TTL_MS = 24 * 3600_000;
const RETRY_MS = 60_000;

interface UploadRow extends Record<string, SqlStorageValue> {
  file_id: string;
  r2_key: string;
  uploader_id: string;
  name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  uploaded_at: number;
  attached_seq: number | null;
  removed: number;
}

const refused = (field: string, why: string) => new ApiError(400, "invalid_request", `${field} ${why}`, { [field]: why });

export class Uploads {
  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
    /** Makes sure the object's alarm runs `sweep` by then (platform/alarms.ts). */
    private readonly wakeAt: (at: number) => void,
    private readonly clock: Clock,
  ) {}

  add(uploaderId: string, f: NewUpload): void {
    this.sql.exec(
      "INSERT INTO uploads (file_id, r2_key, uploader_id, name, mime, size, width, height, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      f.file_id,
      f.key,
      uploaderId,
      f.name,
      f.mime,
      f.size,
      f.width ?? null,
      f.height ?? null,
      f.uploadedAt,
    );
    this.wakeAt(f.uploadedAt + UNATTACHED_TTL_MS);
  }

  /** The file a sender attaches to a new message: theirs, uploaded into this chat, not attached yet. */
  claim(senderId: string, fileId: string, contentType: "image" | "file"): Attachment {
    const r = this.row(fileId);
    if (!r || r.removed || r.uploader_id !== senderId)
      throw refused("attachment", "is not a file you uploaded into this chat (or it was removed)");
    if (r.attached_seq !== null) throw refused("attachment", `is already attached to message ${r.attached_seq}`);
    if (contentType === "image" && !isImageType(r.mime))
      throw refused("content_type", `is "image" but the file is ${r.mime}: send it as "file"`);
    return {
      file_id: r.file_id,
      name: r.name,
      size: r.size,
      mime: r.mime,
      ...(r.width !== null && r.height !== null && { width: r.width, height: r.height }),
    };
  }

  attach(fileId: string, seq: number): void {
    this.sql.exec("UPDATE uploads SET attached_seq = ? WHERE file_id = ?", seq, fileId);
  }

  /** May `userId` (a member) read the file? It is here, not removed, and sent, or theirs (an upload not sent yet is its uploader's alone). */
  readable(fileId: string, userId: string): boolean {
    const r = this.row(fileId);
    return !!r && !r.removed && (r.attached_seq !== null || r.uploader_id === userId);
  }

  /** Which of these files `userId` (a member) may read. */
  live(fileIds: string[], userId: string): string[] {
    return this.sql
      .exec<{ file_id: string }>(
        "SELECT file_id FROM uploads WHERE removed = 0 AND (attached_seq IS NOT NULL OR uploader_id = ?) AND file_id IN (SELECT value FROM json_each(?))",
        userId,
        JSON.stringify(fileIds),
      )
      .toArray()
      .map((r) => r.file_id);
  }

  /** A member went: their unsent uploads go at once, and every file of the chat with its last member. */
  async memberLeft(userId: string, membersLeft: number): Promise<void> {
    this.removeUnsentOf(userId);
    if (membersLeft === 0) this.removeAll();
    await this.purge();
  }

  /** A member left (or deleted their account): what they uploaded and never sent goes; `purge` deletes it. */
  removeUnsentOf(userId: string): void {
    this.sql.exec("UPDATE uploads SET removed = 1 WHERE uploader_id = ? AND attached_seq IS NULL AND removed = 0", userId);
  }

  /** The chat's last member went: all its files go; `purge` deletes them. */
  removeAll(): void {
    this.sql.exec("UPDATE uploads SET removed = 1 WHERE removed = 0");
  }

  /** Marks a file removed; `purge` then deletes it from R2. */
  remove(fileId: string): void {
    this.sql.exec("UPDATE uploads SET removed = 1 WHERE file_id = ?", fileId);
  }

  /** From the alarm: removes what was never attached within a day, finishes removals, and comes back for the next. */
  async sweep(now: number): Promise<void> {
    this.sql.exec(
      "UPDATE uploads SET removed = 1 WHERE attached_seq IS NULL AND removed = 0 AND uploaded_at <= ?",
      now - UNATTACHED_TTL_MS,
    );
    await this.purge();
    const next = this.sql
      .exec<{ t: number | null }>("SELECT MIN(uploaded_at) AS t FROM uploads WHERE attached_seq IS NULL AND removed = 0")
      .one().t;
    if (next !== null) this.wakeAt(next + UNATTACHED_TTL_MS);
  }

  /** Deletes removed files from R2, then their rows (R2 deletes up to 1,000 keys a call). */
  async purge(): Promise<void> {
    const bucket = this.env.FILES;
    for (;;) {
      const rows = this.sql
        .exec<{ file_id: string; r2_key: string }>("SELECT file_id, r2_key FROM uploads WHERE removed = 1 LIMIT 1000")
        .toArray();
      if (!rows.length) return;
      try {
        await bucket.delete(rows.map((r) => r.r2_key));
        // The uploaders' storage quotas (D1) count these bytes no more.
        await releaseUploads(
          this.env,
          rows.map((r) => r.file_id),
        );
      } catch (err) {
        log({
          level: "warn",
          event: "file_delete_failed",
          count: rows.length,
          retry_in_ms: RETRY_MS,
          exception: errorSummary(err),
        });
        this.wakeAt(this.clock.now() + RETRY_MS);
        return;
      }
      this.sql.exec("DELETE FROM uploads WHERE file_id IN (SELECT value FROM json_each(?))", JSON.stringify(rows.map((r) => r.file_id)));
      if (rows.length < 1000) return;
    }
  }

  private row(fileId: string): UploadRow | undefined {
    return this.sql.exec<UploadRow>("SELECT * FROM uploads WHERE file_id = ?", fileId).toArray()[0];
  }
}
