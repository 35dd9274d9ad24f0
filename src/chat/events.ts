// What a chat object sends its members' user objects: the chat's events, numbered by `ev`
// (1, 2, 3… per chat). A user object applies each (chat_id, ev) once, whatever the retries.
// The types are the object-to-object contract (contract/objects.ts).
export type { ChatEvent, ChatInfo, EventBody, Member, Origin } from "../contract/objects";

const CHAT_ID = /^[dg]_[0-9a-f-]{32,36}$/;
/** Ids this service hands out; anything else cannot name a chat, so no object is woken for it. */
export const isChatId = (id: string) => CHAT_ID.test(id);
