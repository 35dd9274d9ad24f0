// Every mode of the contract and its handler, by area. Typed as `Handlers`: a mode without
// a handler here does not compile.
import { accountHandlers } from "./account";
import { chatHandlers } from "./chats";
import type { Handlers } from "./context";
import { messageHandlers } from "./messages";
import { moderationHandlers } from "./moderation";
import { pushHandlers } from "./push";
import { reactionHandlers } from "./reactions";
import { safetyHandlers } from "./safety";
import { searchHandlers } from "./search";

export const handlers: Handlers = {
  ...accountHandlers,
  ...chatHandlers,
  ...messageHandlers,
  ...moderationHandlers,
  ...safetyHandlers,
  ...searchHandlers,
  ...pushHandlers,
  ...reactionHandlers,
};
