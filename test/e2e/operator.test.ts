// What an operator relies on, against a real `wrangler dev`: the security headers on every
// kind of response (static assets and the Worker's own), and logs that say what happened
// without a secret in them.
import { ChatClient } from "edge-chat/client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SECURITY_HEADERS, pagePolicy } from "../../src/worker/security-headers";
import { post, type Frame } from "./helpers";
import { serverForThisFile } from "./server";

const local = serverForThisFile();

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`;

const api = (frame: Frame | string, token?: string) => post(local().url, frame, token);

describe("security headers", () => {
  it("are strict: own scripts, styles and connections only, no framing, no sniffing, no referrer", () => {
    const directives = (policy: string) =>
      Object.fromEntries(
        policy
          .split(";")
          .map((d) => d.trim().split(/\s+/))
          .map(([k, ...v]) => [k, v]),
      );
    const csp = directives(SECURITY_HEADERS["Content-Security-Policy"]!);
    expect(csp["script-src"]).toEqual(["'none'"]);
    expect(csp["style-src"]).toEqual(["'none'"]);
    expect(csp["worker-src"]).toEqual(["'none'"]);
    expect(csp["connect-src"]).toEqual(["'self'"]);
    expect(csp["img-src"]).toEqual(["'self'", "blob:", "data:"]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    // The page: its own script, style sheet and service worker, by URL.
    const page = directives(pagePolicy("https://chat.example"));
    expect(page["script-src"]).toEqual(["https://chat.example/app.js"]);
    expect(page["style-src"]).toEqual(["https://chat.example/app.css"]);
    expect(page["worker-src"]).toEqual(["https://chat.example/sw.js"]);
    expect(page["connect-src"]).toEqual(["'self'"]);
    for (const policy of [SECURITY_HEADERS["Content-Security-Policy"]!, pagePolicy("https://chat.example")])
      expect(policy).not.toMatch(/unsafe-|\*/);
    expect(SECURITY_HEADERS["X-Content-Type-Options"]).toBe("nosniff");
    expect(SECURITY_HEADERS["Referrer-Policy"]).toBe("no-referrer");
    for (const feature of ["camera", "microphone", "geolocation", "payment"])
      expect(SECURITY_HEADERS["Permissions-Policy"]).toContain(`${feature}=()`);
  });

  it("come with the page, its assets, /api, /ws and a 404", async () => {
    const responses = {
      page: await fetch(`${local().url}/`),
      script: await fetch(`${local().url}/app.js`),
      styles: await fetch(`${local().url}/app.css`),
      api: await fetch(`${local().url}/api`, { method: "POST", body: '{"mode":"ping"}' }),
      apiError: await fetch(`${local().url}/api`, { method: "POST", body: "not json" }),
      wsWithoutUpgrade: await fetch(`${local().url}/ws`),
      notFound: await fetch(`${local().url}/no/such/page`),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.status]))).toEqual({
      page: 200,
      script: 200,
      styles: 200,
      api: 200,
      apiError: 400,
      wsWithoutUpgrade: 400,
      notFound: 404,
    });
    for (const [what, res] of Object.entries(responses))
      for (const [name, standard] of Object.entries(SECURITY_HEADERS)) {
        const value = what === "page" && name === "Content-Security-Policy" ? pagePolicy(local().url) : standard;
        expect(`${what} ${name}: ${res.headers.get(name)}`).toBe(`${what} ${name}: ${value}`);
      }
  });

  it("serve no source maps and not the headers file itself", async () => {
    const script = await (await fetch(`${local().url}/app.js`)).text();
    expect(script).not.toContain("sourceMappingURL");
    expect((await fetch(`${local().url}/app.js.map`)).status).toBe(404);
    expect((await fetch(`${local().url}/_headers`)).status).toBe(404);
  });
});

describe("logs", () => {
  it("say what happened to each request and failed frame, and hold no password, token, code, email or message text", async () => {
    const password = `pw-${uniqueName("secret")}`;
    const newPassword = `new-pw-${uniqueName("secret")}`;
    const wrongPassword = `wrong-pw-${uniqueName("secret")}`;
    const messageText = `the vault code is ${uniqueName("4321")}`;
    const editedText = `edited: ${uniqueName("hush")}`;
    const tooLongText = `${uniqueName("long")} ${"x".repeat(4001)}`;
    const alice = uniqueName("alice");
    const bob = uniqueName("bob");
    const carol = uniqueName("carol");
    const [aliceEmail, bobEmail, carolEmail] = [alice, bob, carol].map((n) => `${n}@Example.com`) as [string, string, string];
    const emails = [aliceEmail, bobEmail, carolEmail];
    const secrets: string[] = [password, newPassword, wrongPassword, messageText, editedText, tooLongText.slice(0, 40), ...emails];

    // Registration and logins, over POST /api and on a socket, right and wrong.
    const a = await api({ mode: "register", username: alice, password, email: aliceEmail });
    expect(a.status).toBe(201);
    secrets.push(a.body.token);
    expect((await api({ mode: "auth", username: alice, password: wrongPassword })).status).toBe(401);
    // Two registrations of one name at once: one wins, and the other's error logs no values.
    const race = await Promise.all([0, 1].map(() => api({ mode: "register", username: carol, password, email: carolEmail })));
    expect(race.map((r) => r.status).sort()).toContain(201);
    for (const r of race) if (r.body.token) secrets.push(r.body.token);

    const b = new ChatClient({ url: local().wsUrl });
    const bobSession = await b.register({ username: bob, password, email: bobEmail });
    secrets.push(bobSession.token);
    await expect(b.auth({ username: bob, password: wrongPassword })).rejects.toMatchObject({
      error: "invalid_credentials",
    });

    // Chatting: a socket with the token in its URL, one with it as a subprotocol, POST /api.
    const aliceSocket = await openSocket(`${local().wsUrl}?token=${a.body.token}`);
    const { chat } = await b.createChat({ username: alice });
    const { message } = await b.sendMessage({ chat_id: chat.chat_id, content: messageText });
    await b.editMessage({ chat_id: chat.chat_id, seq: message.seq, content: editedText });
    expect((await api({ mode: "getMessages", chat_id: chat.chat_id }, a.body.token)).status).toBe(200);
    expect(
      (
        await api({
          mode: "sendMessage",
          chat_id: chat.chat_id,
          content: messageText,
          content_type: "text",
          token: a.body.token,
        })
      ).status,
    ).toBe(200);

    // Errors on the socket and over HTTP: bad JSON, a made-up mode, a text too long, no token.
    aliceSocket.send("{not json");
    aliceSocket.send(JSON.stringify({ mode: messageText, request_id: "x1" }));
    aliceSocket.send(
      JSON.stringify({
        mode: "sendMessage",
        request_id: "x2",
        chat_id: chat.chat_id,
        content: tooLongText,
        content_type: "text",
      }),
    );
    const answers = await aliceSocket.answers(3);
    expect(answers.map((f) => f.status)).toEqual([400, 400, 400]);
    expect((await api({ mode: "getChats" })).status).toBe(401);
    expect((await api({ mode: "getChats" }, "not-a-real-token-0123456789")).status).toBe(401);

    // Recovery by email, the mailed code, a new password; the old sessions end.
    expect((await api({ mode: "recovery", known_data: aliceEmail, known_data_type: "email" })).status).toBe(202);
    const code = await local().mailedCode(aliceEmail);
    secrets.push(code);
    expect((await api({ mode: "resetPassword", code, new_password: newPassword })).status).toBe(200);
    expect((await api({ mode: "resetPassword", code, new_password: newPassword })).status).toBe(410);
    const again = await api({ mode: "auth", username: alice, password: newPassword });
    expect(again.status).toBe(200);
    secrets.push(again.body.token);
    expect((await api({ mode: "logout" }, again.body.token)).status).toBe(200);
    aliceSocket.close();
    b.close();

    // Everything the Worker and objects printed, less the console mail sink's own lines.
    const lines = local()
      .log()
      .split("\n")
      .filter((l) => !l.includes('{"mail":'));
    for (const secret of secrets)
      expect(
        lines.filter((l) => l.toLowerCase().includes(secret.toLowerCase())),
        `a log line holds ${secret.slice(0, 20)}…`,
      ).toEqual([]);

    // And what is there says what happened.
    const events = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Frame);
    const requests = events.filter((e) => e.event === "request");
    for (const e of requests)
      expect(e).toMatchObject({
        level: expect.any(String),
        status: expect.any(Number),
        duration_ms: expect.any(Number),
        request_id: expect.any(String),
      });
    expect(requests).toContainEqual(expect.objectContaining({ mode: "register", status: 201, user_id: a.body.user.id }));
    expect(requests).toContainEqual(expect.objectContaining({ mode: "auth", status: 401, error: "invalid_credentials", level: "info" }));
    expect(requests).toContainEqual(expect.objectContaining({ method: "GET", path: "/ws", status: 101, user_id: a.body.user.id }));
    expect(requests).toContainEqual(expect.objectContaining({ mode: "sendMessage", status: 200, user_id: a.body.user.id }));
    expect(requests).toContainEqual(expect.objectContaining({ mode: "resetPassword", status: 200 }));
    const frames = events.filter((e) => e.event === "frame");
    expect(frames).toContainEqual(expect.objectContaining({ mode: "unknown", status: 400, error: "bad_request", user_id: a.body.user.id }));
    expect(frames).toContainEqual(expect.objectContaining({ mode: "unknown", status: 400, error: "unknown_mode" }));
    expect(frames).toContainEqual(expect.objectContaining({ mode: "sendMessage", status: 400, error: "invalid_request" }));
    expect(frames).toContainEqual(expect.objectContaining({ mode: "auth", status: 401, error: "invalid_credentials" }));
  });
});

/** A raw socket (the `ws` package) that collects the answers it gets. */
async function openSocket(url: string): Promise<{ send(data: string): void; answers(n: number): Promise<Frame[]>; close(): void }> {
  const ws = new WebSocket(url);
  const got: Frame[] = [];
  ws.on("message", (d) => {
    const f = JSON.parse(d.toString()) as Frame;
    if (f.status !== undefined) got.push(f);
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    send: (data) => ws.send(data),
    async answers(n) {
      const until = Date.now() + 30_000;
      while (got.length < n) {
        if (Date.now() > until) throw new Error(`only ${got.length} answers: ${JSON.stringify(got)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return got.splice(0, n);
    },
    close: () => ws.close(),
  };
}
