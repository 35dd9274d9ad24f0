// For tests only (through runInDurableObject): what the chat holds, read and set here so that
// no test reads or writes the chat's tables itself.
import type { EventLog } from "./event-log";
import type { Fanout } from "./fanout";
import type { Members } from "./members";
import type { Messages } from "./messages";

interface ProbeParts {
  sql: SqlStorage;
  events: EventLog;
  members: Members;
  fanout: Fanout;
  messages: Messages;
}

export function chatProbe(parts: () => ProbeParts) {
  return {
    lastRewrite: () => parts().events.lastRewrite,
    eventBytes: () => parts().events.bytes(),
    lastEv: () => parts().events.ev,
    /** Every stored event as its row holds it (a test holds a deleted text to be in none). */
    storedEvents: () => parts().events.stored(),
    /** Messages stored and not in the search index yet (search/index.ts). */
    searchBacklog: () => parts().messages.search.backlog,
    memberInMemory: (userId: string) => parts().members.cached(userId),
    online: (userId: string) => parts().fanout.isOnline(userId),
    /** From this many members online the group pushes through its relays (RELAY_FROM_ONLINE, until the object restarts). */
    relayFrom: (online: number) => parts().fanout.relayFrom(online),
    /** The tables the object has made: none until the chat is created. */
    tables: () => parts().sql.exec<{ name: string }>("SELECT name FROM sqlite_master").toArray(),
    databaseSize: () => parts().sql.databaseSize,
    /** What waits to be written in this member's log (a large group's joins, leaves, reads, mentions). */
    waiting: (userId: string) =>
      parts()
        .sql.exec<{ data: string }>("SELECT data FROM log_queue WHERE user_id = ? ORDER BY id", userId)
        .toArray()
        .map((r) => JSON.parse(r.data) as unknown),
    uploadedAt: (fileId: string) =>
      parts().sql.exec<{ t: number }>("SELECT uploaded_at AS t FROM uploads WHERE file_id = ?", fileId).one().t,
    /** Makes these uploads `ms` older, as if that long had passed since they came. */
    ageUploads: (ms: number, fileIds: string[]) => {
      for (const id of fileIds) parts().sql.exec("UPDATE uploads SET uploaded_at = uploaded_at - ? WHERE file_id = ?", ms, id);
    },
    /** Stores a member as online without the fan-out knowing (as a crash can leave it). */
    storeOnline: (userId: string, since: number) => {
      parts().sql.exec("INSERT INTO online (user_id, since) VALUES (?, ?)", userId, since);
    },
  };
}
