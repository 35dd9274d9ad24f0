// Sessions end for good: a revoked session gets no socket, frame or request through its
// user object however the race with the Worker's D1 check falls; ending sockets from
// outside is retried; a user has at most SESSIONS_PER_USER live sessions; what expired is
// purged on a schedule.
import {
  createExecutionContext,
  createScheduledController,
  env,
  evictDurableObject,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Session } from "../../src/accounts";
import { addRecoveryCodes, addSessions, idsLeft, liveSessionCount, sessionsOf } from "../../src/accounts/testing";
import { config } from "../../src/platform/config";
import { CONNECT_IP_HEADER, CONNECT_SESSION_HEADER, type UserObject } from "../../src/user";
import worker from "../../src/index";
import { api, connect, mailsTo, registerUser, unique, userStub, type Account } from "./helpers";

/** The session row behind an account's token, as the Worker hands it to the user object. */
async function sessionOf(a: Account): Promise<Session> {
  const [row] = await sessionsOf(env, a.user.id);
  return { sessionId: row!.id, tokenHash: row!.tokenHash, expiresAt: row!.expiresAt, user: a.user };
}

/** The upgrade the Worker forwards once a token passed its D1 check. */
function connectRequest(session: Session): Request {
  return new Request("https://user.internal/connect", {
    headers: {
      Upgrade: "websocket",
      [CONNECT_SESSION_HEADER]: JSON.stringify(session),
      [CONNECT_IP_HEADER]: "10.0.0.1",
    },
  });
}

describe("a session revoked after the Worker checked it", () => {
  it("gets no socket when its upgrade reaches the user object after a logout", async () => {
    const a = await registerUser("race");
    // The Worker checked the token in D1 (live), then the logout landed before the hand-over.
    const checked = await sessionOf(a);
    expect((await api({ mode: "logout" }, { token: a.token })).status).toBe(200);
    const res = await userStub(a.user.id).fetch(connectRequest(checked));
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    expect(await res.json()).toMatchObject({ status: 401, error: "unauthorized" });
  });

  it("gets no socket after its user object restarted either: the revocation is read back from storage", async () => {
    const a = await registerUser("race");
    const checked = await sessionOf(a);
    expect((await api({ mode: "logout" }, { token: a.token })).status).toBe(200);
    await evictDurableObject(userStub(a.user.id));
    const res = await userStub(a.user.id).fetch(connectRequest(checked));
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
  });

  it("gets no socket after a password reset either, while a session started after it does", async () => {
    const a = await registerUser("race");
    const checked = await sessionOf(a);
    const [mail] = await mailsTo(a.email, () => api({ mode: "recovery", known_data: a.username, known_data_type: "username" }));
    expect((await api({ mode: "resetPassword", code: mail!.code, new_password: "the new password" })).status).toBe(200);
    expect((await userStub(a.user.id).fetch(connectRequest(checked))).status).toBe(401);
    const fresh = await api({ mode: "auth", username: a.username, password: "the new password" });
    const s = await connect(fresh.body.token);
    expect(await s.request({ mode: "getChats" })).toMatchObject({ status: 200 });
    s.close();
  });

  it("gets no answer to a POST /api request that reaches the user object after the logout", async () => {
    const a = await registerUser("race");
    const checked = await sessionOf(a);
    expect((await api({ mode: "logout" }, { token: a.token })).status).toBe(200);
    const frame = await userStub(a.user.id).api({ mode: "createGroup", title: "too late", members: [] }, checked, "10.0.0.1", {
      userAgent: "",
    });
    expect(frame).toMatchObject({ mode: "createGroup", status: 401, error: "unauthorized" });
  });

  it("ends a socket of a revoked session at its next frame, should it still be open", async () => {
    const a = await registerUser("race");
    const s = await connect(a.token);
    const session = await sessionOf(a);
    // Recorded as revoked without its sockets being told (as if that close were lost).
    await runInDurableObject(userStub(a.user.id), (instance: UserObject) => {
      (instance as unknown as { revoked: { add(s: Array<{ sessionId: string; expiresAt: number }>): void } }).revoked.add([session]);
    });
    s.send({ mode: "getChats", request_id: "late" });
    expect(await s.nextPush("sessionRevoked")).toBeDefined();
    expect((await s.closedWith()).code).toBe(4001);
    expect(s.pending().filter((f) => f.request_id === "late")).toEqual([]);
  });
});

describe("ending sockets from outside", () => {
  it("retries when the call to the user object fails", async () => {
    const a = await registerUser("retry");
    const s = await connect(a.token);
    const proto = await runInDurableObject(userStub(a.user.id), (instance: UserObject) => Object.getPrototypeOf(instance) as UserObject);
    const real = proto.endSessions;
    let calls = 0;
    proto.endSessions = function (this: UserObject, ...args: Parameters<UserObject["endSessions"]>) {
      if (calls++ === 0) throw new Error("injected failure");
      return real.apply(this, args);
    };
    try {
      const [mail] = await mailsTo(a.email, () => api({ mode: "recovery", known_data: a.email, known_data_type: "email" }));
      expect((await api({ mode: "resetPassword", code: mail!.code, new_password: "another password" })).status).toBe(200);
      expect(await s.nextPush("sessionRevoked")).toBeDefined();
      expect((await s.closedWith()).code).toBe(4001);
      expect(calls).toBe(2);
    } finally {
      proto.endSessions = real;
    }
  });
});

describe("sessions per user", () => {
  it("keeps at most SESSIONS_PER_USER live: one more ends the oldest and closes its sockets", async () => {
    const cap = config(env).sessionsPerUser;
    const a = await registerUser("cap");
    const oldest = await connect(a.token);
    // cap - 1 more sessions, newer than the first.
    const now = Date.now();
    await addSessions(
      env,
      Array.from({ length: cap - 1 }, (_, i) => ({
        id: crypto.randomUUID(),
        userId: a.user.id,
        tokenHash: `${unique("hash")}${i}`,
        createdAt: now + i,
        expiresAt: now + 86_400_000,
      })),
    );
    const live = () => liveSessionCount(env, a.user.id);
    expect(await live()).toBe(cap);
    expect(await oldest.request({ mode: "getChats" })).toMatchObject({ status: 200 });

    const newest = await api({ mode: "auth", username: a.username, password: a.password });
    expect(newest.status).toBe(200);
    expect(await oldest.nextPush("sessionRevoked")).toBeDefined();
    expect((await oldest.closedWith()).code).toBe(4001);
    expect(await live()).toBe(cap);
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(401);
    expect((await api({ mode: "getChats" }, { token: newest.body.token })).status).toBe(200);
  });
});

describe("the hourly purge", () => {
  it("deletes expired and revoked sessions and used or expired recovery codes, and keeps the rest", async () => {
    const a = await registerUser("purge");
    const now = Date.now();
    const session = (id: string, expiresAt: number, revokedAt: number | null) => ({
      id,
      userId: a.user.id,
      tokenHash: unique("hash"),
      createdAt: now - 1000,
      expiresAt,
      revokedAt,
    });
    const code = (id: string, expiresAt: number, usedAt: number | null) => ({
      id,
      userId: a.user.id,
      codeHash: unique("code"),
      createdAt: now - 1000,
      expiresAt,
      usedAt,
    });
    const ids = {
      expired: unique("s"),
      revoked: unique("s"),
      live: unique("s"),
      codeUsed: unique("c"),
      codeExpired: unique("c"),
      codeLive: unique("c"),
    };
    await addSessions(env, [
      session(ids.expired, now - 1, null),
      session(ids.revoked, now + 86_400_000, now - 500),
      session(ids.live, now + 86_400_000, null),
    ]);
    await addRecoveryCodes(env, [
      code(ids.codeUsed, now + 60_000, now - 500),
      code(ids.codeExpired, now - 1, null),
      code(ids.codeLive, now + 60_000, null),
    ]);

    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: "17 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    const left = (table: "sessions" | "recovery_codes", list: string[]) => idsLeft(env, table, list);
    expect(await left("sessions", [ids.expired, ids.revoked, ids.live])).toEqual([ids.live]);
    expect(await left("recovery_codes", [ids.codeUsed, ids.codeExpired, ids.codeLive])).toEqual([ids.codeLive]);
    // The account's own session is untouched.
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(200);
  });
});
