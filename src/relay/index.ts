// The relays of large groups: the Worker's entry exports the class; chat objects call it
// through the RELAYS binding with `RelayRpc` (contract/objects.ts).
export { ChatRelay } from "./relay-object";
