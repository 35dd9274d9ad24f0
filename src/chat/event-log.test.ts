import { describe, expect, it } from "vitest";
import { carries, textOf, withText } from "./event-log";
import type { ChatEvent } from "./events";

const head = { chat_id: "g_1", ev: 4, timestamp: 1 };
const edited = (): ChatEvent => ({
  ...head,
  kind: "messageEdited",
  seq: 2,
  sender: "ann",
  message: '{"content":"old"}',
});
const chat = (lastSeq: number, last: string | null): ChatEvent => ({
  ...head,
  kind: "chat",
  chat: { type: "group", title: "t", member_count: 2, last_seq: lastSeq, last_message: last },
});

describe("the text an event carries", () => {
  it("is its message's, or a chat's last message's", () => {
    expect(textOf(edited())).toBe(2);
    expect(textOf(chat(3, "{}"))).toBe(3);
    expect(textOf(chat(0, null))).toBeNull();
    expect(textOf({ ...head, kind: "readReceipt", username: "ann", seq: 2 })).toBeNull();
  });

  it("is rewritten to the current message where it is that message's", () => {
    const e = edited();
    expect(carries(e, 2)).toBe(true);
    withText(e, 2, '{"content":"new"}');
    expect(e).toMatchObject({ message: '{"content":"new"}' });
    const c = chat(2, '{"content":"old"}');
    withText(c, 2, '{"content":""}');
    expect(c).toMatchObject({ chat: { last_message: '{"content":""}' } });
    const other = chat(3, '{"content":"keep"}');
    expect(carries(other, 2)).toBe(false);
    withText(other, 2, "x");
    expect(other).toMatchObject({ chat: { last_message: '{"content":"keep"}' } });
  });
});
