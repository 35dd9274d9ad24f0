// The Worker: POST /api and GET /ws in front, the web client from static assets, and the
// Durable Object classes the runtime instantiates.
import { Hono } from "hono";
import { errorFrame, toErrorBody } from "./errors";
import { getWs, postApi } from "./http";

const app = new Hono<{ Bindings: Env }>();

app.post("/api", postApi);
app.get("/ws", getWs);
app.notFound((c) => c.json(errorFrame("error", undefined, { status: 404, error: "bad_request", message: `nothing at ${c.req.method} ${c.req.path}` }), 404));
app.onError((err, c) => {
  const body = toErrorBody(err, `${c.req.method} ${c.req.path}`);
  return c.json(errorFrame("error", undefined, body), body.status as 500);
});

export { ChatObject } from "./chat-object";
export { RateLimiter } from "./rate-limiter";
export { UserObject } from "./user-object";
export default app;
