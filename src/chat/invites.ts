// A group's invite links: each kept by the SHA-256 of its code (the code itself is shown to
// the owner and admins by getInvites), with its expiry, its most uses and its uses. Finding
// and using one is synchronous, so joins that arrive together cannot pass `max_uses`.
import { ApiError } from "../contract/errors";
import { MAX_INVITES, type Invite } from "../contract/moderation";

interface Row extends Record<string, SqlStorageValue> {
  hash: string;
  code: string;
  created_at: number;
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
}

export const inviteNotFound = () => new ApiError(404, "invite_not_found", "no such invite: it may have expired, been used up or revoked");

const view = (r: Row): Invite => ({
  code: r.code,
  ...(r.expires_at !== null && { expires_at: r.expires_at }),
  ...(r.max_uses !== null && { max_uses: r.max_uses }),
  uses: r.uses,
});

const live = "(expires_at IS NULL OR expires_at > ?1) AND (max_uses IS NULL OR uses < max_uses)";

export class Invites {
  constructor(private readonly sql: SqlStorage) {}

  create(code: string, hash: string, now: number, expiresInS?: number, maxUses?: number): Invite {
    this.sweep(now);
    const n = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM invites").one().n;
    if (n >= MAX_INVITES)
      throw new ApiError(400, "invalid_request", `a group has at most ${MAX_INVITES} invites at once; revoke one first`, {
        chat_id: `has ${MAX_INVITES} invites`,
      });
    const expires = expiresInS === undefined ? null : now + expiresInS * 1_000;
    this.sql.exec(
      "INSERT INTO invites (hash, code, created_at, expires_at, max_uses, uses) VALUES (?, ?, ?, ?, ?, 0)",
      hash,
      code,
      now,
      expires,
      maxUses ?? null,
    );
    return view({ hash, code, created_at: now, expires_at: expires, max_uses: maxUses ?? null, uses: 0 });
  }

  /** The invites that still work, newest first. */
  list(now: number): Invite[] {
    return this.sql.exec<Row>(`SELECT * FROM invites WHERE ${live} ORDER BY created_at DESC`, now).toArray().map(view);
  }

  /** The live invite with this code (found by its hash, the code compared in constant time); else 404. */
  find(hash: string, code: string, now: number): Row {
    const r = this.sql.exec<Row>(`SELECT * FROM invites WHERE hash = ?2 AND ${live}`, now, hash).toArray()[0];
    if (!r || !sameText(r.code, code)) throw inviteNotFound();
    return r;
  }

  use(r: Row): void {
    this.sql.exec("UPDATE invites SET uses = uses + 1 WHERE hash = ?", r.hash);
  }

  revoke(hash: string, code: string): void {
    const r = this.sql.exec<Row>("SELECT * FROM invites WHERE hash = ?", hash).toArray()[0];
    if (!r || !sameText(r.code, code)) throw inviteNotFound();
    this.sql.exec("DELETE FROM invites WHERE hash = ?", hash);
  }

  /** Invites that can no longer be used are only history: they go when a new one is made. */
  private sweep(now: number): void {
    this.sql.exec(`DELETE FROM invites WHERE NOT (${live})`, now);
  }
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
