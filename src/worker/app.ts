// The Hono app: POST /api and GET /ws in front, POST /upload and GET /files/<id> for
// attachments (files/), the web client's page (`/`, with a policy of its own; the rest of
// the client is static assets the runtime serves before the Worker runs), and one JSON
// shape for every error. Every response gets the security headers, and every request a log
// line. The Worker's other entry is its cron trigger, which purges what has expired.
import { Hono } from "hono";
import { purgeExpired } from "../accounts";
import { errorFrame, toErrorBody } from "../contract/errors";
import { handleDownload, handleUpload } from "../files";
import { config } from "../platform/config";
import { errorSummary, log } from "../platform/log";
import { handleAdmin } from "./admin";
import { getWs, postApi } from "./doors";
import { getPage } from "./page";
import { requestLog, type AppEnv } from "./request-log";
import { securityHeaders } from "./security-headers";

export const app = new Hono<AppEnv>();

app.use(requestLog);
app.use(securityHeaders);
// Settings that would make the service unsafe (an unknown MAILER) refuse every request.
app.use(async (c, next) => {
  config(c.env);
  await next();
});
app.get("/", getPage);
app.post("/api", postApi);
app.get("/ws", getWs);
app.post("/upload", (c) => handleUpload(c.req.raw, c.env));
app.get("/files/:id", (c) => handleDownload(c.req.raw, c.env, c.req.param("id")));
app.all("/admin/*", handleAdmin);
app.notFound((c) =>
  c.json(
    errorFrame("error", undefined, {
      status: 404,
      error: "bad_request",
      message: `nothing at ${c.req.method} ${c.req.path}`,
    }),
    404,
  ),
);
app.onError((err, c) => {
  const body = toErrorBody(err, `${c.req.method} ${c.req.path}`);
  return c.json(errorFrame("error", undefined, body), body.status as 500);
});

/** The Worker: the app for requests; the cron trigger ([triggers] in wrangler.toml) for purging. */
export const worker = {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      purgeExpired(env).then(
        (gone) => log({ level: "info", event: "purge", purged: gone }),
        (err: unknown) => log({ level: "error", event: "purge_failed", exception: errorSummary(err) }),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
