// Settings and checks that keep a deploy safe: MAILER must name a sink, a deleted account's
// tokens are dead, and every response tells browsers to use HTTPS only.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { markUserDeleted } from "../../src/accounts/testing";
import worker from "../../src/index";
import { api, captureLog, download, registerUser, upload } from "./helpers";

async function ping(vars: Record<string, string>) {
  const ctx = createExecutionContext();
  const req = new Request("http://chat.test/api", {
    method: "POST",
    body: JSON.stringify({ mode: "ping" }),
    headers: { "CF-Connecting-IP": "10.0.0.1" },
  });
  const res = await worker.fetch(req, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("MAILER", () => {
  it("selects a sink only by its exact name: anything else refuses every request (500 internal, the reason only in the log)", async () => {
    expect((await ping({ MAILER: "console" })).status).toBe(200);
    expect((await ping({ MAILER: "send_email" })).status).toBe(200);
    for (const wrong of ["Console", "smtp", ""]) {
      let answer: Awaited<ReturnType<typeof ping>> | undefined;
      const lines = await captureLog(async () => {
        answer = await ping({ MAILER: wrong });
      });
      expect(answer).toEqual({ status: 500, body: expect.objectContaining({ error: "internal" }) });
      expect(JSON.stringify(answer!.body)).not.toContain("MAILER");
      expect(lines.find((l) => l.event === "internal_error")?.exception.message).toContain("MAILER");
    }
  });
});

describe("sessions of a deleted account", () => {
  it("are not sessions: a token whose account is marked deleted gets 401", async () => {
    const a = await registerUser("del");
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(200);
    // The account is erased while this session's row is still there (a deletion racing a login).
    await markUserDeleted(env, a.user.id, Date.now());
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(401);
  });
});

describe("Strict-Transport-Security", () => {
  it("comes with every response of the Worker: a year at least, subdomains included", async () => {
    const a = await registerUser("hsts");
    const responses = [
      await SELFfetch("/api", { method: "POST", body: '{"mode":"ping"}' }),
      await SELFfetch("/no/such/page"),
      await download("0".repeat(32), { token: a.token }),
    ];
    expect((await upload("", "x", { token: a.token })).status).toBe(400);
    for (const res of responses) {
      const hsts = res.headers.get("Strict-Transport-Security") ?? "";
      expect(hsts).toMatch(/includeSubDomains/);
      expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
    }
  });
});

async function SELFfetch(path: string, init?: RequestInit): Promise<Response> {
  const { SELF } = await import("cloudflare:test");
  return SELF.fetch(`http://chat.test${path}`, init);
}
