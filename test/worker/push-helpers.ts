// The tests' side of Web Push: subscriptions from the local push service the pool's global
// setup started (test/node/push-service.ts), what it received, and answers it is told to give.
import { runDurableObjectAlarm } from "cloudflare:test";
import { inject } from "vitest";
import { api, inUserObject, until, userStub, type Account } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    pushService: string;
  }
}

export interface Device {
  id: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface Received {
  ok: boolean;
  error?: string;
  payload?: { chat_id: string; seq: number; title: string; body: string; count: number };
  ttl: string | null;
  urgency: string | null;
  authorization: string | null;
  status: number;
}

const service = () => inject("pushService");

/** A new device at the push service, subscribed by the session of `token`. */
export async function subscribed(token: string): Promise<Device> {
  const subscription = (await (await fetch(`${service()}/subscribe`, { method: "POST" })).json()) as Device["subscription"];
  const res = await api({ mode: "registerPush", subscription }, { token });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return { id: subscription.endpoint.split("/").pop()!, subscription };
}

export async function received(d: Device): Promise<Received[]> {
  return (await (await fetch(`${service()}/received/${d.id}`)).json()) as Received[];
}

/** Waits until the device has received `n` pushes; returns them all. */
export const receivedN = (d: Device, n: number) =>
  until(async () => {
    const got = await received(d);
    return got.length >= n && got;
  }, `${n} pushes`);

/** The next pushes to `d` are answered with these statuses (then 201 again). */
export async function answer(d: Device, statuses: number[]): Promise<void> {
  await fetch(`${service()}/answers/${d.id}`, { method: "POST", body: JSON.stringify(statuses) });
}

/** Stops the user object's clock an hour ahead, so its alarm rings only when a test rings it. */
export const holdClock = (a: Account) => inUserObject(a.user.id, (o) => o.clock.stopAt(Date.now() + 3_600_000));

/** Moves the user object's (stopped) clock on by `ms` and rings its alarm. */
export async function later(a: Account, ms: number): Promise<void> {
  await inUserObject(a.user.id, (o) => o.clock.advance(ms));
  await runDurableObjectAlarm(userStub(a.user.id));
}

export const pushSessions = (a: Account) => inUserObject(a.user.id, (o) => o.probe.pushSessions());
