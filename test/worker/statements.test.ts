// What storage calls the message path makes: a delivered new message costs its member's
// object three statements and no lookup, a delivery the log has already is still logged
// once (with no pts lost), and an object's schema is made or checked in one or two calls;
// and what a socket's connect reads of a user object that never ran (nothing it does not need).
import { describe, expect, it } from "vitest";
import type { ChatEvent } from "../../src/chat";
import { LazyTables, migrate, type LazySchema } from "../../src/platform/object-sql";
import { USER_LAZY_TABLES, USER_SCHEMA } from "../../src/user/schema";
import { USER_SCHEMA_FRESH } from "../../src/user/schema-fresh";
import { api, connect, groupOf, inChatObject, inUserObject, registerUser, text, unique, until, userStub, type Frame } from "./helpers";

/** Every statement `sql` runs from now on (its exec wrapped for as long as the object lives). */
function recorded(sql: SqlStorage): string[] {
  const seen: string[] = [];
  const exec = sql.exec.bind(sql);
  sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
    seen.push(query.replace(/\s+/g, " ").trim());
    return exec(query, ...bindings);
  }) as typeof sql.exec;
  return seen;
}

/** Every statement an object runs from now on. */
function statementsOf(object: { user: string } | { chat: string }): Promise<string[]> {
  const wrap = (_o: unknown, state: DurableObjectState) => recorded(state.storage.sql);
  return "user" in object ? inUserObject(object.user, wrap) : inChatObject(object.chat, wrap);
}

/** A group's events as its chat object would deliver them to `me`. */
function groupEvents(me: { username: string }) {
  const chatId = `g_${crypto.randomUUID()}`;
  const message = (seq: number) =>
    JSON.stringify({
      message_id: `m${seq}`,
      chat_id: chatId,
      seq,
      sender: "x",
      content: `hello ${seq}`,
      content_type: "text",
      timestamp: seq,
    });
  return {
    chatId,
    created: (ev: number, lastSeq: number): ChatEvent => ({
      chat_id: chatId,
      ev,
      timestamp: 1,
      kind: "chat",
      chat: {
        type: "group",
        title: "g",
        members: [me.username, "x"],
        owner: "x",
        member_count: 2,
        last_seq: lastSeq,
        last_message: lastSeq ? message(lastSeq) : null,
      },
    }),
    message: (ev: number, seq: number): ChatEvent => ({
      chat_id: chatId,
      ev,
      timestamp: seq,
      kind: "newMessage",
      seq,
      sender: "x",
      message: message(seq),
    }),
  };
}

describe("a delivered new message", () => {
  it("costs its member's object three statements (its log row, its text, its chat's row) and no lookup", async () => {
    const a = await registerUser("stA");
    const g = groupEvents(a.user);
    const user = userStub(a.user.id);
    await user.deliver(a.user, [g.created(1, 0), g.message(2, 1)]);
    const seen = await statementsOf({ user: a.user.id });
    for (let seq = 2; seq <= 4; seq++) {
      seen.length = 0;
      await user.deliver(a.user, [g.message(seq + 1, seq)]);
      expect(seen.map((q) => q.split(" ").slice(0, 3).join(" "))).toEqual(["INSERT INTO log", "INSERT INTO texts", "UPDATE chats SET"]);
    }
    const sync = (await api({ mode: "sync", since: 0 }, { token: a.token })).body;
    expect(sync.updates.map((u: Frame) => [u.pts, u.message?.seq])).toEqual([
      [1, undefined],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
    ]);
  });

  it("that the log has already is logged once, and the pts it took is given back", async () => {
    // The sender's own message can be logged (from their send's answer) before their object
    // lists the chat, which then comes with an older last message: the list's last seq says
    // the message is new, the log knows it is not.
    const a = await registerUser("stB");
    const g = groupEvents(a.user);
    const user = userStub(a.user.id);
    await user.deliver(a.user, [g.message(5, 3)]);
    await user.deliver(a.user, [g.created(3, 1)]);
    await user.deliver(a.user, [g.message(4, 2)]);
    const seen = await statementsOf({ user: a.user.id });
    await user.deliver(a.user, [g.message(5, 3)]);
    expect(seen.some((q) => q.startsWith("DELETE FROM log"))).toBe(true);
    await user.deliver(a.user, [g.message(6, 4)]);
    const sync = (await api({ mode: "sync", since: 0 }, { token: a.token })).body;
    expect(sync.updates.map((u: Frame) => [u.pts, u.mode, u.message?.seq])).toEqual([
      [1, "newMessage", 3],
      [2, "chatCreated", undefined],
      [3, "newMessage", 2],
      [4, "newMessage", 4],
    ]);
    const chat = (await api({ mode: "getChats" }, { token: a.token })).body.chats[0];
    expect(chat).toMatchObject({ chat_id: g.chatId, unread: 3, last_message: { seq: 4 } });
  });
});

describe("a message in a small group", () => {
  it("costs its chat object three statements, none of them a read of the members, who are read again once one joins", async () => {
    const { owner, rest, chatId } = await groupOf(4, "stG");
    const send = async (content: string) =>
      expect((await api({ ...text(chatId, content), mode: "sendGroupMessage" }, { token: owner.token })).status).toBe(200);
    await send("first");
    const seen = await statementsOf({ chat: chatId });
    for (const content of ["second", "third"]) {
      seen.length = 0;
      await send(content);
      expect(seen.map((q) => q.split(" ").slice(0, 3).join(" "))).toEqual([
        "INSERT INTO events",
        "INSERT INTO messages",
        "UPDATE members SET",
      ]);
    }
    // A new member is read once, and gets what comes next.
    const late = await registerUser("stGlate");
    seen.length = 0;
    expect((await api({ mode: "addMembers", chat_id: chatId, members: [late.username] }, { token: owner.token })).status).toBe(200);
    await send("fourth");
    expect(seen.filter((q) => q === "SELECT * FROM members WHERE left_ev IS NULL")).toHaveLength(1);
    for (const who of [late, rest[0]!]) {
      await until(
        async () => (await api({ mode: "getMessages", chat_id: chatId }, { token: who.token })).body.messages?.at(-1)?.content === "fourth",
        "the fourth message",
      );
    }
  });
});

describe("an object's schema", () => {
  // A chat object that was never created has no schema: a scratch one is made in it here.
  it("of a new user object, made from its final form and then its features' tables, is the one its steps make (else: npm run schema:fresh)", async () => {
    const made = (fresh?: string, lazy: readonly LazySchema[] = []) =>
      inChatObject(unique("schema"), (_o, state) => {
        const sql = state.storage.sql;
        migrate(sql, USER_SCHEMA, fresh);
        for (const t of lazy) new LazyTables(sql, t).make();
        return {
          objects: sql.exec("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").toArray(),
          version: sql.exec("SELECT version FROM _schema").toArray(),
          mark: sql.exec("SELECT upto FROM search_mark").toArray(),
        };
      });
    const [stepped, bare, fresh] = [await made(), await made(USER_SCHEMA_FRESH), await made(USER_SCHEMA_FRESH, USER_LAZY_TABLES)];
    expect(fresh.objects.length).toBeGreaterThan(20);
    expect(fresh).toEqual(stepped);
    // Search's and Web Push's tables wait for their first use: FTS5's and its own five, push's two with their indexes.
    const names = (o: typeof bare) => o.objects.map((r) => String(r.name));
    expect(names(stepped).filter((n) => !names(bare).includes(n))).toEqual([
      "push_queue",
      "push_queue_due",
      "push_subs",
      "search",
      "search_config",
      "search_content",
      "search_data",
      "search_docsize",
      "search_idx",
      "sqlite_autoindex_push_queue_1",
      "sqlite_autoindex_push_subs_1",
    ]);
  });

  it("is made in two calls however many steps, checked in one, and a new step runs alone", async () => {
    const steps = [
      "CREATE TABLE t (x INTEGER NOT NULL)",
      "INSERT INTO t (x) VALUES (1); INSERT INTO t (x) VALUES (2);",
      "ALTER TABLE t ADD COLUMN y TEXT",
    ];
    await inChatObject(unique("schema"), (_o, state) => {
      const sql = state.storage.sql;
      const seen = recorded(sql);
      migrate(sql, steps);
      expect(seen).toHaveLength(2);
      migrate(sql, steps);
      expect(seen).toHaveLength(3);
      migrate(sql, [...steps, "UPDATE t SET y = 'step 4'"]);
      expect(seen).toHaveLength(5);
      const rows = sql.exec<{ x: number; y: string }>("SELECT x, y FROM t ORDER BY x").toArray();
      expect(rows).toEqual([
        { x: 1, y: "step 4" },
        { x: 2, y: "step 4" },
      ]);
      expect(sql.exec<{ version: number }>("SELECT version FROM _schema").toArray()).toEqual([{ version: 4 }]);
    });
  });
});

describe("a socket's connect to a user object that never ran", () => {
  it("reads nothing of its blocks, its log or its search index; each is read when first needed, and answers as before", async () => {
    const [a, b] = await Promise.all([registerUser("lazyA"), registerUser("lazyB")]);
    const loaded = () => inUserObject(a.user.id, (o) => o.probe.loaded());
    const ws = await connect(a.token);
    try {
      // The socket is answered and the object is running: a request on it proves both.
      expect(await ws.request({ mode: "getChats" })).toMatchObject({ status: 200, chats: [] });
      expect(await loaded()).toEqual({ blocks: false, log: false, search: false });
      expect(await ws.request({ mode: "sync", since: 0 })).toMatchObject({ status: 200, updates: [], pts: 0, has_more: false });
      expect(await loaded()).toEqual({ blocks: false, log: true, search: false });
      // A message's text is the index's to count.
      const chatId = (await api({ mode: "createChat", username: a.username }, { token: b.token })).body.chat.chat_id as string;
      await api(text(chatId, "hello lazy"), { token: b.token });
      await ws.next((f) => f.mode === "newMessage" && f.message.content === "hello lazy");
      expect(await loaded()).toEqual({ blocks: false, log: true, search: true });
      expect(await ws.request({ mode: "searchMessages", query: "lazy" })).toMatchObject({ status: 200, results: [{ chat_id: chatId }] });
      expect(await ws.request({ mode: "getBlocked" })).toMatchObject({ status: 200, users: [] });
      expect(await loaded()).toEqual({ blocks: true, log: true, search: true });
    } finally {
      ws.close();
    }
  });
});
