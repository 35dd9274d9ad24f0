// The chat object: one per chat. User objects reach it through the CHATS binding (typed
// RPC: `ChatRpc`, contract/objects.ts) and read what it delivers with the types there. Nothing else here is for outside use.
export { ChatObject } from "./chat-object";
export type { ChatRpc, LargeSummary, PushItem } from "../contract/objects";
export { isChatId, type ChatEvent, type ChatInfo, type EventBody, type Member, type Origin } from "./events";
export type { NewUpload } from "../contract/objects";
export { chatOfInvite } from "./invite-code";
export { Courier } from "./fanout";
export type ChatStub = ReturnType<Env["CHATS"]["get"]>;
