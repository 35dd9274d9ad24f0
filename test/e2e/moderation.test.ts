// Running a group over a real `wrangler dev`, through the client library: an admin named,
// an invite made and used by a second client, slow mode, a report; then the operator's side
// with `npm run admin` (scripts/admin.ts): listing the report, suspending and unsuspending.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { ChatClient, ClientError } from "edge-chat/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/local-server";
import { post } from "./helpers";

const run = promisify(execFile);
const ADMIN_TOKEN = randomBytes(24).toString("hex");
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ vars: { ADMIN_TOKEN } });
});
afterAll(async () => {
  await server?.stop();
});

const tag = Date.now().toString(36);

async function register(name: string): Promise<{ username: string; token: string; password: string }> {
  const username = `${name}${tag}`;
  const password = "correct horse battery";
  const { status, body } = await post(server.url, { mode: "register", username, password, email: `${username}@example.com` });
  expect(status, JSON.stringify(body)).toBe(201);
  return { username, token: body.token, password };
}

async function ready(token: string): Promise<ChatClient> {
  const client = new ChatClient({ url: server.wsUrl, token });
  client.connect();
  const deadline = Date.now() + 30_000;
  while (client.state !== "ready") {
    if (Date.now() > deadline) throw new Error("client not ready");
    await new Promise((r) => setTimeout(r, 20));
  }
  return client;
}

/** `npm run admin -- …args` as an operator runs it, with the URL and token in its environment. */
async function admin(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "admin", "--", ...args], {
      env: { ...process.env, ADMIN_URL: server.url, ADMIN_TOKEN },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout, err: err.stderr };
  }
}

describe("running a group over wrangler dev", () => {
  it("an admin, an invite used by a second client, slow mode, a report; the operator lists it and suspends with npm run admin", async () => {
    const [ann, bob, cy] = await Promise.all([register("mAnn"), register("mBob"), register("mCy")]);
    const owner = await ready(ann.token);
    const second = await ready(bob.token);
    const third = await ready(cy.token);
    try {
      const { chat } = await owner.createGroup({ title: "Crew", members: [bob.username] });
      expect(await owner.setRole({ chat_id: chat.chat_id, username: bob.username, role: "admin" })).toMatchObject({ role: "admin" });
      const { invite } = await second.createInvite({ chat_id: chat.chat_id, max_uses: 1 });
      expect(invite.code.length).toBeGreaterThanOrEqual(22);
      const joined = await third.joinByInvite({ code: invite.code });
      expect(joined.chat).toMatchObject({ chat_id: chat.chat_id, role: "member", member_count: 3 });
      await expect(third.joinByInvite({ code: `${invite.code.slice(0, 42)}A` })).rejects.toMatchObject({ error: "invite_not_found" });

      await second.setSlowMode({ chat_id: chat.chat_id, seconds: 3_600 });
      const sent = await third.sendGroupMessage({ chat_id: chat.chat_id, content: "buy now" });
      const held = await third.sendGroupMessage({ chat_id: chat.chat_id, content: "again" }).catch((e: unknown) => e);
      expect(held).toBeInstanceOf(ClientError);
      expect(held).toMatchObject({ error: "slow_mode", status: 429 });
      expect(await third.reportMessage({ chat_id: chat.chat_id, seq: sent.message.seq, reason: "spam" })).toMatchObject({
        report_id: expect.any(String),
      });

      const listed = await admin("reports");
      expect(listed.code, listed.err).toBe(0);
      expect(JSON.parse(listed.out).reports[0]).toMatchObject({ chat_id: chat.chat_id, reporter: cy.username, reason: "spam" });
      expect(JSON.parse(listed.out).reports[0].message.content).toBe("buy now");

      const closed = new Promise<void>((resolve) => third.on("sessionEnded", () => resolve()));
      const suspended = await admin("suspend", cy.username);
      expect(JSON.parse(suspended.out)).toEqual({ username: cy.username, suspended: true });
      await closed;
      const auth = await post(server.url, { mode: "auth", username: cy.username, password: cy.password });
      expect(auth.body).toMatchObject({ status: 401, error: "invalid_credentials" });
      expect(JSON.parse((await admin("unsuspend", cy.username)).out)).toEqual({ username: cy.username, suspended: false });
      expect((await admin("suspend", "nobody_zz")).code).toBe(1);
      expect((await admin("frobnicate")).code).toBe(2);

      const wrong = await fetch(`${server.url}/admin/reports`, { headers: { Authorization: "Bearer nope" } });
      expect(wrong.status).toBe(401);
    } finally {
      for (const c of [owner, second, third]) c.close();
    }
  });

  it("without ADMIN_TOKEN every /admin/ path is 404", async () => {
    const bare = await startLocalServer();
    try {
      for (const path of ["/admin/reports", "/admin/suspend"])
        expect((await fetch(`${bare.url}${path}`, { headers: { Authorization: "Bearer x" } })).status).toBe(404);
    } finally {
      await bare.stop();
    }
  });
});
