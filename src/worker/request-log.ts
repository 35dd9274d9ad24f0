// One log line per request the Worker answers (POST /api, GET /ws, and anything else that
// reaches it): what was asked, by whom, how it ended and how long it took. Static assets
// are served before the Worker runs and are not in it.
import type { MiddlewareHandler } from "hono";
import { loggableMode } from "../contract/errors";
import { levelOf, log } from "../platform/log";

/** What the handlers learn about a request, for its log line. */
export interface RequestFacts {
  mode?: string;
  userId?: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: RequestFacts;
}

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  log({
    level: levelOf(status),
    event: "request",
    method: c.req.method,
    path: c.req.path.slice(0, 200),
    mode: loggableMode(c.get("mode")),
    status,
    error: status >= 400 ? await errorCode(c.res) : undefined,
    duration_ms: Date.now() - started,
    // Cloudflare's own id of the request where there is one, so a line can be found in its other logs.
    request_id: c.req.header("CF-Ray") ?? crypto.randomUUID(),
    user_id: c.get("userId"),
  });
};

/** The `error` code of a JSON error answer. */
async function errorCode(res: Response): Promise<string | undefined> {
  if (!res.headers.get("Content-Type")?.includes("json")) return undefined;
  try {
    const body = (await res.clone().json()) as { error?: unknown };
    return typeof body.error === "string" ? body.error : undefined;
  } catch {
    return undefined;
  }
}
