// GET /: the web client's page, from the static assets, with the page's own policy (see
// security-headers.ts). Everything else in public/ the runtime serves without the Worker.
import type { Context } from "hono";
import { pagePolicy } from "./security-headers";
import type { AppEnv } from "./request-log";

export async function getPage(c: Context<AppEnv>): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  const res = new Response(asset.body, asset);
  if (res.headers.get("Content-Type")?.startsWith("text/html"))
    res.headers.set("Content-Security-Policy", pagePolicy(new URL(c.req.url).origin));
  return res;
}
