// The chat object: one per chat. User objects reach it through the CHATS binding (typed
// RPC: the public methods of ChatObject) and read what it delivers with the types in
// events.ts. Nothing else here is for outside use.
export { ChatObject, type LargeSummary, type PushItem } from "./chat-object";
export { isChatId, type ChatEvent, type ChatInfo, type EventBody, type Member, type Origin } from "./events";
export type { NewUpload } from "./uploads";
