import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("answers ping over POST /api", async () => {
  const res = await SELF.fetch("http://x/api", { method: "POST", body: JSON.stringify({ mode: "ping", request_id: "r1" }) });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ mode: "pong", status: 200, request_id: "r1" });
});
