// Sessions of this user that were revoked, remembered until they would have expired. The
// Worker checks a token in D1 before it hands a socket over, but a logout or password
// reset can land between that check and the hand-over; so the user object checks again
// itself, when it accepts a socket, on every frame, and on every POST /api request.
import type { Revocation } from "../accounts";

export class RevokedSessions {
  private ids: Set<string>;

  constructor(private readonly sql: SqlStorage) {
    // Read only: the object starts on every wake (a push to a large group's member, too), and
    // an expired row is left for the next revocation to take away.
    this.ids = this.live();
  }

  has(sessionId: string): boolean {
    return this.ids.has(sessionId);
  }

  add(sessions: Revocation["sessions"]): void {
    for (const s of sessions) {
      if (this.ids.has(s.sessionId)) continue;
      this.sql.exec("INSERT OR IGNORE INTO revoked (session_id, expires_at) VALUES (?, ?)", s.sessionId, s.expiresAt);
      this.ids.add(s.sessionId);
    }
    // An expired session is refused for its expiry alone: no need to remember it.
    this.sql.exec("DELETE FROM revoked WHERE expires_at <= ?", Date.now());
    this.ids = this.live();
  }

  private live(): Set<string> {
    const rows = this.sql.exec<{ session_id: string }>("SELECT session_id FROM revoked WHERE expires_at > ?", Date.now()).toArray();
    return new Set(rows.map((r) => r.session_id));
  }
}
