// The Worker's entry: the front door (worker/) and the Durable Object classes the runtime
// instantiates. Where each role lives: README.md, "Layout".
export { RateLimiter } from "./accounts";
export { ChatObject } from "./chat";
export { ChatRelay } from "./relay";
export { UserObject } from "./user";
export { worker as default } from "./worker/app";
