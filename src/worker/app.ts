// The Hono app: POST /api and GET /ws in front, POST /upload and GET /files/<id> for
// attachments (files/), the web client from static assets (served by the runtime before
// the Worker runs), and one JSON shape for every error. The Worker's other entry is its
// cron trigger, which purges what has expired.
import { Hono } from "hono";
import { purgeExpired } from "../accounts";
import { errorFrame, loggable, toErrorBody } from "../contract/errors";
import { handleDownload, handleUpload } from "../files";
import { getWs, postApi } from "./doors";

export const app = new Hono<{ Bindings: Env }>();

app.post("/api", postApi);
app.get("/ws", getWs);
app.post("/upload", (c) => handleUpload(c.req.raw, c.env));
app.get("/files/:id", (c) => handleDownload(c.req.raw, c.env, c.req.param("id")));
app.notFound((c) => c.json(errorFrame("error", undefined, { status: 404, error: "bad_request", message: `nothing at ${c.req.method} ${c.req.path}` }), 404));
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
        (gone) => console.log(`purged ${gone.sessions} sessions and ${gone.codes} recovery codes`),
        (err: unknown) => console.error("purge failed", loggable(err)),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
