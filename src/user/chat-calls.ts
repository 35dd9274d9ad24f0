// How the user object calls chat objects: one stub per chat, kept while it works and made
// again after a call on it threw (platform/stubs.ts). A chat the user is not in (their
// chat list says which) is answered here without waking any object.
import { isChatId } from "../chat";
import { chatNotFound } from "../contract/errors";
import { Stubs } from "../platform/stubs";
import type { ChatList } from "./chat-list";

export type ChatStub = ReturnType<Env["CHATS"]["get"]>;

/** A chat in the user's list, and whether it is a large group (as the list has it). */
export type ListedChatRef = ChatRef & { readonly large: boolean };

/** One chat's object, called through `call` so that a stub that threw is dropped. */
export interface ChatRef {
  readonly chatId: string;
  call<R>(f: (chat: ChatStub) => R): Promise<Awaited<R>>;
}

export class ChatCalls {
  private readonly stubs: Stubs<ChatStub>;
  /** Test-only: stubs dropped because a call on them threw. */
  dropped = 0;

  constructor(
    env: Env,
    private readonly chats: () => ChatList,
  ) {
    this.stubs = new Stubs(env.CHATS);
  }

  /**
   * A chat the user is in. A chat that is not in their list (no such chat, not a member,
   * or added a moment ago and not yet told) is 404 here, so asking about ids creates
   * nothing anywhere.
   */
  member(chatId: string): ListedChatRef {
    const listed = this.chats().kind(chatId);
    if (!listed) throw chatNotFound(chatId);
    return { ...this.any(chatId), large: listed.large };
  }

  /** A chat by id, whether or not the user is in it yet: for creating one. */
  any(chatId: string): ChatRef {
    // An id this service never hands out names no chat: answered without waking an object.
    if (!isChatId(chatId)) throw chatNotFound(chatId);
    return { chatId, call: (f) => this.call(chatId, f) };
  }

  /** The user left the chat: its stub goes. */
  forget(chatId: string): void {
    this.stubs.forget(chatId);
  }

  private async call<R>(chatId: string, f: (chat: ChatStub) => R): Promise<Awaited<R>> {
    try {
      return await f(this.stubs.get(chatId));
    } catch (err) {
      this.stubs.forget(chatId);
      this.dropped++;
      throw err;
    }
  }
}
