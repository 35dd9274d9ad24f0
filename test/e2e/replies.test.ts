// Replies, reactions and mentions against a real `wrangler dev`, through the client library:
// a reply quotes its original, a reaction reaches the other member as an event, a mention
// shows in the chat list until read, and a quote's original loads with around_seq.
import { expect, it } from "vitest";
import { ChatClient, withReaction, type Message } from "edge-chat/client";
import { until } from "./helpers";
import { serverForThisFile } from "./server";

const server = serverForThisFile();

async function client(username: string): Promise<ChatClient> {
  const c = new ChatClient({ url: server().wsUrl });
  c.connect();
  await c.register({ username, password: "e2e password", email: `${username}@example.com` });
  return c;
}

it("replies, reactions and mentions between two clients", async () => {
  const tag = Date.now().toString(36);
  const [ann, bob] = await Promise.all([client(`rp${tag}_ann`), client(`rp${tag}_bob`)]);
  try {
    const { chat } = await ann.createChat({ username: `rp${tag}_bob` });
    const chatId = chat.chat_id;
    const reactions: unknown[] = [];
    bob.on("reactionChanged", (p) => reactions.push(p));

    const first = (await ann.sendMessage({ chat_id: chatId, content: "lunch at noon?" })).message;
    for (let i = 0; i < 5; i++) await ann.sendMessage({ chat_id: chatId, content: `filler ${i}` });
    const reply = (await bob.sendMessage({ chat_id: chatId, content: "yes", reply_to: first.seq, mentions: [`rp${tag}_ANN`] })).message;
    expect(reply.reply_to).toEqual({ seq: first.seq, sender: `rp${tag}_ann`, preview: "lunch at noon?" });
    expect(reply.mentions).toEqual([`rp${tag}_ann`]);

    const reacted = await ann.react({ chat_id: chatId, seq: reply.seq, emoji: "👍" });
    expect(reacted.message.reactions).toEqual([{ emoji: "👍", count: 1, mine: true }]);
    const push = await until(() => reactions[0] as Parameters<typeof withReaction>[1] | undefined, "bob's reactionChanged");
    expect(push).toMatchObject({ chat_id: chatId, seq: reply.seq, username: `rp${tag}_ann`, emoji: "👍", added: true });
    const bobsCopy: Message = withReaction(reply, push, `rp${tag}_bob`);
    expect(bobsCopy.reactions).toEqual([{ emoji: "👍", count: 1, mine: false }]);
    expect((await bob.getReactions({ chat_id: chatId, seq: reply.seq })).reactions).toEqual([{ username: `rp${tag}_ann`, emoji: "👍" }]);

    const annsChat = (await ann.getChats()).chats.find((c) => c.chat_id === chatId)!;
    expect(annsChat.unread_mentions).toBe(1);
    await ann.markRead({ chat_id: chatId, seq: reply.seq });
    expect((await ann.getChats()).chats.find((c) => c.chat_id === chatId)!.unread_mentions).toBeUndefined();

    const around = await bob.getMessages({ chat_id: chatId, around_seq: first.seq, limit: 3 });
    expect(around.messages.map((m) => m.seq)).toEqual([first.seq, first.seq + 1, first.seq + 2]);
    expect(around).toMatchObject({ has_more_before: false, has_more_after: true });

    await ann.deleteMessage({ chat_id: chatId, seq: first.seq });
    const after = (await bob.getMessages({ chat_id: chatId })).messages.find((m) => m.seq === reply.seq)!;
    expect(after.reply_to).toEqual({ seq: first.seq, sender: `rp${tag}_ann`, preview: "", deleted: true });
  } finally {
    ann.close();
    bob.close();
  }
});
