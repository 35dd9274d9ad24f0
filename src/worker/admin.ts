// The operator's endpoints under /admin/: reports members made, and suspending accounts.
// They exist only where the ADMIN_TOKEN secret is set (elsewhere every /admin/ path is the
// same 404 as any unknown path), and answer only `Authorization: Bearer <ADMIN_TOKEN>`,
// compared in constant time (digests of both, compared whole).
import type { Context } from "hono";
import { z } from "zod";
import { listReports, setSuspended } from "../accounts";
import { ApiError, errorFrame, toErrorBody, unauthorized } from "../contract/errors";
import { endSessionsOf } from "../user";
import type { AppEnv } from "./request-log";

/** ADMIN_TOKEN is an optional secret: not in wrangler.toml's required list, so not in the generated Env. */
const adminToken = (env: Env) => (env as Env & { ADMIN_TOKEN?: string }).ADMIN_TOKEN;

const Suspend = z.object({ username: z.string().min(1).max(256) });
const ReportsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.string().min(1).max(128).optional(),
});

export async function handleAdmin(c: Context<AppEnv>): Promise<Response> {
  const secret = adminToken(c.env);
  const path = c.req.path;
  if (!secret)
    return c.json(
      errorFrame("error", undefined, { status: 404, error: "bad_request", message: `nothing at ${c.req.method} ${path}` }),
      404,
    );
  try {
    if (!(await sameSecret(c.req.header("Authorization") ?? "", `Bearer ${secret}`)))
      throw unauthorized("a valid operator token is needed");
    if (c.req.method === "GET" && path === "/admin/reports") {
      const q = ReportsQuery.safeParse(c.req.query());
      if (!q.success) throw new ApiError(400, "invalid_request", "limit is 1 to 500; before is a cursor", { limit: "1 to 500" });
      return c.json(await listReports(c.env, q.data.limit ?? 100, q.data.before));
    }
    if (c.req.method === "POST" && (path === "/admin/suspend" || path === "/admin/unsuspend")) {
      const body = Suspend.safeParse(await c.req.json().catch(() => null));
      if (!body.success) throw new ApiError(400, "invalid_request", "send { username }", { username: "required" });
      const suspended = path === "/admin/suspend";
      const out = await setSuspended(c.env, body.data.username, suspended);
      if (out.revoked) await endSessionsOf(c.env, out.revoked, (p) => c.executionCtx.waitUntil(p));
      return c.json({ username: out.username, suspended });
    }
    throw new ApiError(404, "bad_request", `nothing at ${c.req.method} ${path}`);
  } catch (err) {
    const body = toErrorBody(err, `admin ${path}`);
    return c.json(errorFrame("error", undefined, body), body.status as 400);
  }
}

async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
