import { describe, expect, it } from "vitest";
import { foldMessage, type MessageRun } from "./fold";

const msg = (chat_id: string, seq: number, sender: string, timestamp = seq * 10) => ({
  chat_id,
  seq,
  sender,
  message: `{"seq":${seq}}`,
  timestamp,
});

describe("folding new messages into chat-list runs", () => {
  it("keeps one run a chat: the newest message, the latest time, the highest own and others' seq", () => {
    const runs = new Map<string, MessageRun>();
    for (const m of [msg("a", 2, "me"), msg("a", 4, "bob", 15), msg("b", 1, "bob"), msg("a", 3, "me", 99)]) foldMessage(runs, "me", m);
    expect(runs.get("a")).toEqual({ seq: 4, message: '{"seq":4}', at: 99, own: 3, others: 4 });
    expect(runs.get("b")).toEqual({ seq: 1, message: '{"seq":1}', at: 10, own: 0, others: 1 });
  });

  it("does not let an older message delivered late replace the newer one", () => {
    const runs = new Map<string, MessageRun>();
    foldMessage(runs, "me", msg("a", 5, "bob"));
    foldMessage(runs, "me", msg("a", 3, "bob"));
    expect(runs.get("a")).toMatchObject({ seq: 5, message: '{"seq":5}', others: 5, own: 0 });
  });
});
