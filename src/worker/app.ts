// The Hono app: POST /api and GET /ws in front, the web client from static assets
// (served by the runtime before the Worker runs), and one JSON shape for every error.
// Every response gets the security headers, and every request a log line.
import { Hono } from "hono";
import { errorFrame, toErrorBody } from "../contract/errors";
import { getWs, postApi } from "./doors";
import { requestLog, type AppEnv } from "./request-log";
import { securityHeaders } from "./security-headers";

export const app = new Hono<AppEnv>();

app.use(requestLog);
app.use(securityHeaders);
app.post("/api", postApi);
app.get("/ws", getWs);
app.notFound((c) => c.json(errorFrame("error", undefined, { status: 404, error: "bad_request", message: `nothing at ${c.req.method} ${c.req.path}` }), 404));
app.onError((err, c) => {
  const body = toErrorBody(err, `${c.req.method} ${c.req.path}`);
  return c.json(errorFrame("error", undefined, body), body.status as 500);
});
