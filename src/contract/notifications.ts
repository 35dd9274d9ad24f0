// Notifications (Web Push) in the wire contract: the fields of getPushConfig,
// registerPush, unregisterPush and setNotify, and a chat's notification level. protocol.ts
// wraps these shapes in its request and response envelopes.
import { z } from "zod";

export const NOTIFY_LEVELS = ["all", "mentions", "none"] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];
export const NotifyLevel = z.enum(NOTIFY_LEVELS);

/** The longest push endpoint URL a subscription may name. */
export const MAX_PUSH_ENDPOINT = 2048;
const base64url = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

export const PushSubscriptionShape = z.object({
  endpoint: z.string().max(MAX_PUSH_ENDPOINT, `must be at most ${MAX_PUSH_ENDPOINT} characters`),
  keys: z.object({ p256dh: base64url, auth: base64url }),
});
export type PushSubscriptionJson = z.infer<typeof PushSubscriptionShape>;

export const notifyRequests = {
  getPushConfig: {},
  registerPush: { subscription: PushSubscriptionShape },
  unregisterPush: {},
  setNotify: { chat_id: z.string().min(1).max(128), level: NotifyLevel },
} as const;

export const notifyResponses = {
  getPushConfig: { vapid_public_key: z.string().nullable() },
  registerPush: {},
  unregisterPush: {},
  setNotify: { chat_id: z.string(), notify: NotifyLevel },
} as const;

/** What the service worker receives, decrypted: one push stands for `count` messages, `seq` the latest. */
export const PushPayload = z.object({
  chat_id: z.string(),
  seq: z.number().int(),
  title: z.string(),
  body: z.string(),
  count: z.number().int().min(1),
});
export type PushPayload = z.infer<typeof PushPayload>;
