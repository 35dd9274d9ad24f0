// A real client (the `ws` package) against a real `wrangler dev`: register, auth, logout.
import { expect, it } from "vitest";
import WebSocket from "ws";
import type { Frame } from "./helpers";
import { serverForThisFile } from "./server";

const local = serverForThisFile();

function open(
  url: string,
  protocols?: string[],
): Promise<{ ws: WebSocket; next: (match?: (f: Frame) => boolean) => Promise<Frame>; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const frames: Frame[] = [];
    let wake = () => {};
    ws.on("message", (d) => {
      frames.push(JSON.parse(d.toString()));
      wake();
    });
    const closed = new Promise<number>((r) =>
      ws.on("close", (code) => {
        r(code);
        wake();
      }),
    );
    const next = async (match: (f: Frame) => boolean = () => true) => {
      const until = Date.now() + 30_000;
      for (;;) {
        const i = frames.findIndex(match);
        if (i >= 0) return frames.splice(i, 1)[0]!;
        if (Date.now() > until) throw new Error(`timed out; had ${JSON.stringify(frames)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
    };
    ws.on("open", () => resolve({ ws, next, closed }));
    ws.on("error", reject);
  });
}

it("registers, logs in and logs out over a real socket", async () => {
  const username = `e2e_${Date.now().toString(36)}`;
  const anon = await open(local().wsUrl);
  anon.ws.send(
    JSON.stringify({
      mode: "register",
      request_id: "1",
      username,
      password: "e2e password",
      email: `${username}@example.com`,
    }),
  );
  const reg = await anon.next((f) => f.request_id === "1");
  expect(reg).toMatchObject({ mode: "register", status: 201, user: { username } });

  // The same socket is now the user's.
  anon.ws.send(JSON.stringify({ mode: "getChats", request_id: "2" }));
  expect(await anon.next((f) => f.request_id === "2")).toMatchObject({ mode: "getChats", status: 200, chats: [] });

  // A second socket logs in with auth, then a third with the token as a subprotocol.
  const second = await open(local().wsUrl);
  second.ws.send(JSON.stringify({ mode: "auth", request_id: "3", username: username.toUpperCase(), password: "e2e password" }));
  const auth = await second.next((f) => f.request_id === "3");
  expect(auth).toMatchObject({ mode: "auth", status: 200, user: { username } });
  const third = await open(local().wsUrl, ["chat", `token.${auth.token}`]);
  expect(third.ws.protocol).toBe("chat");

  // Logging out the auth session closes its two sockets and leaves the first one working.
  second.ws.send(JSON.stringify({ mode: "logout", request_id: "4" }));
  expect(await second.next((f) => f.request_id === "4")).toMatchObject({ mode: "logout", status: 200 });
  expect(await second.closed).toBe(4001);
  expect(await third.next((f) => f.mode === "sessionRevoked")).toBeDefined();
  expect(await third.closed).toBe(4001);
  anon.ws.send(JSON.stringify({ mode: "ping", request_id: "5" }));
  expect(await anon.next((f) => f.request_id === "5")).toMatchObject({ mode: "pong", status: 200 });

  // The revoked token no longer opens a socket.
  const refused = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${local().wsUrl}?token=${auth.token}`);
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("open", () => reject(new Error("a revoked token opened a socket")));
  });
  expect(refused).toBe(401);
  anon.ws.close();
});
