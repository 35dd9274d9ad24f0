// New messages of one chat delivered together are folded into one update of its chat-list
// row: the chat list is written once per run, however many messages the run carries.
// Pure: fold.test.ts runs it in Node.

/** A run of new messages of one chat, folded into one update of its row. */
export interface MessageRun {
  seq: number;
  /** The newest message of the run, as JSON text. */
  message: string;
  at: number;
  /** The highest seq among them that the user sent (0: none): sending reads up to it. */
  own: number;
  /** The highest seq among them that others sent: in a direct chat the peer has read up to it. */
  others: number;
}

export interface NewMessage {
  chat_id: string;
  seq: number;
  sender: string;
  message: string;
  timestamp: number;
}

/** Folds one new message into its chat's run in `runs` (a run is made if there is none). */
export function foldMessage(runs: Map<string, MessageRun>, myUsername: string, e: NewMessage): void {
  const own = e.sender === myUsername ? e.seq : 0;
  const others = own ? 0 : e.seq;
  const run = runs.get(e.chat_id);
  if (!run) return void runs.set(e.chat_id, { seq: e.seq, message: e.message, at: e.timestamp, own, others });
  if (e.seq > run.seq) {
    run.seq = e.seq;
    run.message = e.message;
  }
  run.at = Math.max(run.at, e.timestamp);
  run.own = Math.max(run.own, own);
  run.others = Math.max(run.others, others);
}
