import { env } from "cloudflare:test";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it, vi } from "vitest";
import { answerAccountMode } from "../../src/accounts";
import { errorSummary } from "../../src/platform/log";
import { api, connect, mailsTo, registerUser, unique } from "./helpers";

describe("register", () => {
  it("creates an account and a session over POST /api", async () => {
    const username = unique("Reg");
    const { status, body } = await api({
      mode: "register",
      username,
      password: "password123",
      email: `${username}@example.com`,
      request_id: "a",
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ mode: "register", status: 201, request_id: "a", user: { username } });
    expect(typeof body.token).toBe("string");
    expect(body.token.length).toBeGreaterThanOrEqual(32);
    expect(typeof body.timestamp).toBe("number");
  });

  it("keeps usernames and emails unique ignoring case", async () => {
    const a = await registerUser("dup");
    const u = await api({
      mode: "register",
      username: a.username.toUpperCase(),
      password: "password123",
      email: `x${a.email}`,
    });
    expect(u.status).toBe(409);
    expect(u.body).toMatchObject({ error: "username_taken", fields: { username: "is taken" } });
    const e = await api({
      mode: "register",
      username: unique("other"),
      password: "password123",
      email: a.email.toUpperCase(),
    });
    expect(e.status).toBe(409);
    expect(e.body.error).toBe("email_taken");
  });

  it("gives one of several concurrent registrations of a name 201 and the rest 409, and logs none of their data", async () => {
    const logged: string[] = [];
    const spies = (["log", "warn", "error"] as const).map((level) =>
      vi
        .spyOn(console, level)
        .mockImplementation(
          (...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" ")),
        ),
    );
    try {
      const username = unique("race");
      const emails = Array.from({ length: 8 }, () => `${unique("mail")}@example.com`);
      const answers = await Promise.all(
        emails.map((email) => api({ mode: "register", username, password: "password123", email }, { ip: unique("ip") })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const a of answers.filter((x) => x.status === 409))
        expect(a.body).toMatchObject({ error: "username_taken", fields: { username: "is taken" } });

      const email = `${unique("same")}@example.com`;
      const byMail = await Promise.all(
        Array.from({ length: 6 }, () =>
          api({ mode: "register", username: unique("mailrace"), password: "password123", email }, { ip: unique("ip") }),
        ),
      );
      expect(byMail.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const a of byMail.filter((x) => x.status === 409))
        expect(a.body).toMatchObject({ error: "email_taken", fields: { email: "is taken" } });

      const all = logged.join("\n");
      for (const secret of [...emails, email, "pbkdf2-sha256"]) expect(all).not.toContain(secret);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it("logs a failed query without its parameters", async () => {
    const query = new DrizzleQueryError(
      "insert into users values (?, ?)",
      ["secret@example.com", "pbkdf2-sha256$1$a$b"],
      new Error("D1_ERROR: disk I/O error"),
    );
    const line = JSON.stringify(errorSummary(query));
    expect(line).toContain("insert into users");
    expect(line).toContain("disk I/O error");
    expect(line).not.toContain("secret@example.com");
    expect(line).not.toContain("pbkdf2");
  });

  it("names every bad field at once", async () => {
    const { status, body } = await api({ mode: "register", username: "a!", password: "short", email: "nope" });
    expect(status).toBe(400);
    expect(body.error).toBe("invalid_request");
    expect(Object.keys(body.fields).sort()).toEqual(["email", "password", "username"]);
  });

  it("counts password length in code points", async () => {
    // 8 astral characters: 16 UTF-16 units, 8 code points.
    const ok = await api({
      mode: "register",
      username: unique("cp"),
      password: "😀".repeat(8),
      email: `${unique()}@example.com`,
    });
    expect(ok.status).toBe(201);
    const short = await api({
      mode: "register",
      username: unique("cp"),
      password: "😀".repeat(7),
      email: `${unique()}@example.com`,
    });
    expect(short.status).toBe(400);
    expect(short.body.fields.password).toBeDefined();
  });
});

describe("auth", () => {
  it("logs in with the username in any case", async () => {
    const a = await registerUser("Auth");
    const { status, body } = await api({ mode: "auth", username: a.username.toLowerCase(), password: a.password });
    expect(status).toBe(200);
    expect(body.user).toEqual(a.user);
    expect(body.token).not.toBe(a.token);
  });

  it("answers unknown user and wrong password the same way", async () => {
    const a = await registerUser("auth");
    const wrong = await api({ mode: "auth", username: a.username, password: "wrong password" }, { ip: unique("ip") });
    const unknown = await api({ mode: "auth", username: unique("nobody"), password: "wrong password" }, { ip: unique("ip") });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = ({ timestamp: _t, ...rest }: Record<string, unknown>) => rest;
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(wrong.body.error).toBe("invalid_credentials");
  });
});

describe("logout", () => {
  it("revokes only its own session", async () => {
    const a = await registerUser("out");
    const second = (await api({ mode: "auth", username: a.username, password: a.password })).body.token as string;
    const out = await api({ mode: "logout" }, { token: a.token });
    expect(out.status).toBe(200);
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(401);
    expect((await api({ mode: "getChats" }, { token: second })).status).toBe(200);
  });

  it("closes the session's sockets with 4001 and leaves other sessions' sockets open", async () => {
    const a = await registerUser("out");
    const other = (await api({ mode: "auth", username: a.username, password: a.password })).body.token as string;
    const s1 = await connect(a.token);
    const s2 = await connect(a.token, "protocol");
    const s3 = await connect(other);
    const res = await s1.request({ mode: "logout" });
    expect(res).toMatchObject({ mode: "logout", status: 200 });
    expect((await s1.closedWith()).code).toBe(4001);
    expect(await s2.nextPush("sessionRevoked")).toMatchObject({ mode: "sessionRevoked" });
    expect((await s2.closedWith()).code).toBe(4001);
    expect((await s3.request({ mode: "getChats" })).status).toBe(200);
    s3.close();
  });
});

describe("recovery and resetPassword", () => {
  it("mails a code that resets the password once and ends every session", async () => {
    const a = await registerUser("rec");
    let status = 0;
    const [mail, ...more] = await mailsTo(a.email, async () => {
      status = (await api({ mode: "recovery", known_data: a.email.toUpperCase(), known_data_type: "email" })).status;
    });
    expect(status).toBe(202);
    expect(more).toEqual([]);
    expect(mail!.code.length).toBeGreaterThanOrEqual(16);

    const sock = await connect(a.token);
    const reset = await api({ mode: "resetPassword", code: mail!.code, new_password: "a brand new password" });
    expect(reset.status).toBe(200);
    expect(await sock.nextPush("sessionRevoked")).toBeDefined();
    expect((await sock.closedWith()).code).toBe(4001);
    expect((await api({ mode: "getChats" }, { token: a.token })).status).toBe(401);
    expect((await api({ mode: "auth", username: a.username, password: a.password }, { ip: unique("ip") })).status).toBe(401);
    expect((await api({ mode: "auth", username: a.username, password: "a brand new password" })).status).toBe(200);

    const again = await api({ mode: "resetPassword", code: mail!.code, new_password: "another password" });
    expect(again.status).toBe(410);
    expect(again.body.error).toBe("code_expired");
  });

  it("answers the same for an unknown account, and mails only a matching one", async () => {
    const known = await registerUser("rec");
    let a: Awaited<ReturnType<typeof api>> | undefined;
    expect(
      await mailsTo(
        known.email,
        async () => (a = await api({ mode: "recovery", known_data: known.username, known_data_type: "username" })),
      ),
    ).toHaveLength(1);
    const b = await api({ mode: "recovery", known_data: unique("ghost"), known_data_type: "username" });
    expect(a!.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a!.body.message).toBe(b.body.message);
    // A username that does not match the email's account sends nothing.
    const other = await registerUser("rec");
    expect(
      await mailsTo(
        known.email,
        () => api({ mode: "recovery", username: other.username, known_data: known.email, known_data_type: "email" }),
        0,
      ),
    ).toEqual([]);
  });

  it("answers before it looks anything up, and mails after the answer", async () => {
    const a = await registerUser("rec");
    // D1 held: any query waits until the test lets it go.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(t, prop) {
          const value = Reflect.get(t, prop) as unknown;
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            const out = (value as (...a: unknown[]) => unknown).apply(t, args);
            if (out instanceof Promise) return held.then(() => out);
            return typeof out === "object" && out !== null ? hold(out) : out;
          };
        },
      });
    const deferred: Array<Promise<unknown>> = [];
    let answer: Awaited<ReturnType<typeof answerAccountMode>> | undefined;
    const mails = await mailsTo(a.email, async () => {
      answer = await answerAccountMode(
        { ...env, DB: hold(env.DB) },
        { mode: "recovery", known_data: a.email, known_data_type: "email" },
        unique("ip"),
        (p) => deferred.push(p),
        { userAgent: "" },
      );
      expect(answer.frame).toMatchObject({ mode: "recovery", status: 202 });
      expect(deferred).toHaveLength(1);
      release();
      await Promise.all(deferred);
    });
    expect(mails).toHaveLength(1);
  });

  it("rejects a wrong code with 410", async () => {
    const { status, body } = await api({
      mode: "resetPassword",
      code: "NOTAREALCODE12345678",
      new_password: "whatever123",
    });
    expect(status).toBe(410);
    expect(body.error).toBe("code_expired");
  });
});
