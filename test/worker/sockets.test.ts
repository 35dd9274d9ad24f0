import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, connect, registerUser, until, upgrade } from "./helpers";

describe("GET /ws", () => {
  it("takes the token as ?token=", async () => {
    const a = await registerUser("ws");
    const s = await connect(a.token, "query");
    expect(await s.request({ mode: "getChats" })).toMatchObject({ status: 200 });
    s.close();
  });

  it("takes the token as a subprotocol and answers `chat`", async () => {
    const a = await registerUser("ws");
    const res = await upgrade("", { "Sec-WebSocket-Protocol": `chat, token.${a.token}` });
    expect(res.status).toBe(101);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBe("chat");
    res.webSocket!.accept();
    res.webSocket!.close();
  });

  it("refuses a socket past MAX_SOCKETS_PER_USER with 429 and keeps the open ones", async () => {
    const a = await registerUser("wsmax");
    const max = Number(env.MAX_SOCKETS_PER_USER);
    const open = await Promise.all(Array.from({ length: max }, () => connect(a.token)));
    const refused = await upgrade(`?token=${a.token}`);
    expect(refused.status).toBe(429);
    expect(refused.webSocket).toBeNull();
    expect(await refused.json()).toMatchObject({
      status: 429,
      error: "rate_limited",
      message: expect.stringContaining(String(max)),
    });
    for (const s of open) expect(await s.request({ mode: "getChats" })).toMatchObject({ status: 200 });
    // One closed, one more may open.
    open.pop()!.close();
    const again = await until(async () => {
      const res = await upgrade(`?token=${a.token}`);
      return res.status === 101 ? res : null;
    }, "a free socket");
    again.webSocket!.accept();
    again.webSocket!.close();
    for (const s of open) s.close();
  });

  it("refuses a bad or revoked token with 401 and no upgrade", async () => {
    const a = await registerUser("ws");
    expect((await upgrade(`?token=${"z".repeat(43)}`)).status).toBe(401);
    await api({ mode: "logout" }, { token: a.token });
    const res = await upgrade(`?token=${a.token}`);
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    expect(await res.json()).toMatchObject({ error: "unauthorized" });
    expect((await upgrade("", { "Sec-WebSocket-Protocol": `chat, token.${a.token}` })).status).toBe(401);
  });

  it("checks Origin against the allowlist", async () => {
    const a = await registerUser("ws");
    const evil = await upgrade(`?token=${a.token}`, { Origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect((await upgrade("", { Origin: "https://evil.example" })).status).toBe(403);
    const good = await upgrade(`?token=${a.token}`, { Origin: "https://chat.example" });
    expect(good.status).toBe(101);
    good.webSocket!.accept();
    good.webSocket!.close();
  });

  it("answers a plain GET with 400", async () => {
    const res = await SELF.fetch("http://chat.test/ws");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "bad_request" });
  });

  it("answers the exact ping text with the exact pong text", async () => {
    const a = await registerUser("ws");
    const s = await connect(a.token);
    s.send('{"mode":"ping"}');
    expect(await s.next()).toEqual({ mode: "pong" });
    s.close();
  });

  it("keeps a logged-in socket's user when auth or register arrive on it", async () => {
    const [a, b] = await Promise.all([registerUser("ws"), registerUser("ws")]);
    const s = await connect(a.token);
    const other = await s.request({ mode: "auth", username: b.username, password: b.password });
    expect(other).toMatchObject({ status: 200, user: { username: b.username } });
    // The new token works elsewhere; this socket is still a's.
    expect((await api({ mode: "getChats" }, { token: other.token })).status).toBe(200);
    const chat = await s.request({ mode: "createChat", username: b.username });
    expect(chat.chat.title).toBe(b.username);
    s.close();
  });
});
