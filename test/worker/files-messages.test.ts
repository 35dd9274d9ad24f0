// Image and file messages: sending an upload as a message, every refusal of an attachment,
// deleting a message with its file, and unattached uploads expiring.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatObject } from "../../src/chat";
import { api, chatStub, connect, directChat, download, imageBytes, upload, type Frame } from "./helpers";

const DAY = 24 * 3600_000;

const png = (token: string, chatId: string, w = 800, h = 600) =>
  upload(chatId, imageBytes("png", w, h, 4096), { token, type: "image/png", name: "holiday.png" });
const pdf = (token: string, chatId: string) =>
  upload(chatId, new TextEncoder().encode("%PDF-1.7 …"), { token, type: "application/pdf", name: "plan.pdf" });

function send(token: string, chatId: string, fileId: string | undefined, extra: Frame = {}) {
  return api(
    {
      mode: "sendMessage",
      chat_id: chatId,
      content: "",
      content_type: "image",
      ...(fileId && { attachment: { file_id: fileId } }),
      ...extra,
    },
    { token },
  );
}

async function messages(token: string, chatId: string): Promise<Frame[]> {
  return (await api({ mode: "getMessages", chat_id: chatId }, { token })).body.messages;
}

describe("sending an image or a file", () => {
  it("stores the attachment in the message and pushes it to the other member", async () => {
    const { a, b, chatId } = await directChat("snd");
    const sb = await connect(b.token);
    const up = (await png(a.token, chatId)).body;
    const res = await send(a.token, chatId, up.file_id, { content: "the view 🏔" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const attachment = {
      file_id: up.file_id,
      name: "holiday.png",
      size: 4096,
      mime: "image/png",
      width: 800,
      height: 600,
    };
    expect(res.body.message).toMatchObject({ seq: 1, content: "the view 🏔", content_type: "image", attachment });
    expect((await sb.nextPush("newMessage")).message).toEqual(res.body.message);
    expect(await messages(b.token, chatId)).toEqual([res.body.message]);
    const chats = (await api({ mode: "getChats" }, { token: a.token })).body.chats;
    expect(chats[0].last_message.attachment).toEqual(attachment);
    sb.close();
  });

  it("sends any type as a file, with no caption, into direct chats and groups", async () => {
    const { a, b, chatId } = await directChat("fil");
    const direct = await send(a.token, chatId, (await pdf(a.token, chatId)).body.file_id, { content_type: "file" });
    expect(direct.body.message).toMatchObject({
      content: "",
      content_type: "file",
      attachment: { name: "plan.pdf", mime: "application/pdf" },
    });
    expect(direct.body.message.attachment.width).toBeUndefined();
    const group = (await api({ mode: "createGroup", title: "trip", members: [b.username] }, { token: a.token })).body.chat.chat_id;
    const up = (await png(b.token, group)).body;
    // An image may also go as a file (sent as a document, not shown inline).
    const res = await api(
      {
        mode: "sendGroupMessage",
        chat_id: group,
        content: "raw",
        content_type: "file",
        attachment: { file_id: up.file_id },
      },
      { token: b.token },
    );
    expect(res.body.message).toMatchObject({ content_type: "file", attachment: { file_id: up.file_id, width: 800 } });
  });

  it("refuses attachments that are not the sender's own unattached upload in this chat, naming attachment, and stores nothing", async () => {
    const { a, b, chatId } = await directChat("ref");
    const other = await directChat("refO");
    const mine = (await png(a.token, chatId)).body.file_id as string;
    const theirs = (await png(b.token, chatId)).body.file_id as string;
    const elsewhere = (await png(other.a.token, other.chatId)).body.file_id as string;
    const doc = (await pdf(a.token, chatId)).body.file_id as string;
    const cases: Array<[Frame, string]> = [
      [{ attachment: undefined }, "attachment"],
      [{ attachment: { file_id: theirs } }, "attachment"],
      [{ attachment: { file_id: elsewhere } }, "attachment"],
      [{ attachment: { file_id: "0".repeat(32) } }, "attachment"],
      [{ attachment: { file_id: doc } }, "content_type"],
      [{ content_type: "text", content: "hi", attachment: { file_id: mine } }, "attachment"],
      [{ attachment: { file_id: mine }, content: "x".repeat(4001) }, "content"],
    ];
    for (const [extra, field] of cases) {
      const res = await send(a.token, chatId, undefined, extra);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.error).toBe("invalid_request");
      expect(Object.keys(res.body.fields)).toEqual([field]);
    }
    expect(await messages(a.token, chatId)).toEqual([]);
    // None of that used the file up: it still goes, once.
    expect((await send(a.token, chatId, mine)).status).toBe(200);
    const again = await send(a.token, chatId, mine);
    expect(again.body).toMatchObject({
      status: 400,
      error: "invalid_request",
      fields: { attachment: expect.stringContaining("already attached") },
    });
    expect(await messages(a.token, chatId)).toHaveLength(1);
  });

  it("answers a resend with the same client_msg_id with the stored message", async () => {
    const { a, chatId } = await directChat("idem");
    const id = (await png(a.token, chatId)).body.file_id;
    const first = await send(a.token, chatId, id, { client_msg_id: "photo-1" });
    const again = await send(a.token, chatId, id, { client_msg_id: "photo-1" });
    expect(again.status).toBe(200);
    expect(again.body.message).toEqual(first.body.message);
    expect(await messages(a.token, chatId)).toHaveLength(1);
  });

  it("works on the socket too", async () => {
    const { a, chatId } = await directChat("sock");
    const sa = await connect(a.token);
    const id = (await pdf(a.token, chatId)).body.file_id;
    const res = await sa.request({
      mode: "sendMessage",
      chat_id: chatId,
      content: "",
      content_type: "file",
      attachment: { file_id: id },
    });
    expect(res).toMatchObject({
      mode: "sendMessage",
      status: 200,
      message: { content_type: "file", attachment: { file_id: id } },
    });
    sa.close();
  });
});

describe("removing files", () => {
  it("deleting the message deletes its file", async () => {
    const { a, b, chatId } = await directChat("del");
    const id = (await png(a.token, chatId)).body.file_id;
    await send(a.token, chatId, id);
    expect(await env.FILES.head(`files/${id}`)).not.toBeNull();
    const res = await api({ mode: "deleteMessage", chat_id: chatId, seq: 1 }, { token: a.token });
    expect(res.body.message).toMatchObject({ deleted: true, content: "", content_type: "image" });
    expect(res.body.message.attachment).toBeUndefined();
    expect(await env.FILES.head(`files/${id}`)).toBeNull();
    expect((await download(id, { token: b.token })).status).toBe(404);
    expect((await messages(b.token, chatId))[0]!.attachment).toBeUndefined();
  });

  it("removes uploads left unattached for a day, from the chat object's alarm", async () => {
    const { a, chatId } = await directChat("exp");
    const stale = (await pdf(a.token, chatId)).body.file_id as string;
    const sent = (await png(a.token, chatId)).body.file_id as string;
    await send(a.token, chatId, sent);
    const fresh = (await pdf(a.token, chatId)).body.file_id as string;
    // The alarm is set for when the oldest unattached upload turns a day old.
    const { alarm, uploadedAt } = await runInDurableObject(chatStub(chatId), async (_o: ChatObject, state) => ({
      alarm: await state.storage.getAlarm(),
      uploadedAt: _o.probe.uploadedAt(stale),
    }));
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(uploadedAt + DAY);
    // A day passes for two of the uploads (the clock here is their upload time).
    await runInDurableObject(chatStub(chatId), (o: ChatObject) => o.probe.ageUploads(DAY, [stale, sent]));
    expect(await runDurableObjectAlarm(chatStub(chatId))).toBe(true);
    expect(await env.FILES.head(`files/${stale}`)).toBeNull();
    expect(await env.FILES.head(`files/${sent}`)).not.toBeNull();
    expect(await env.FILES.head(`files/${fresh}`)).not.toBeNull();
    expect((await send(a.token, chatId, stale, { content_type: "file" })).body.fields).toHaveProperty("attachment");
    // The alarm comes back for the upload that is still waiting.
    const next = await runInDurableObject(chatStub(chatId), (_o: ChatObject, state) => state.storage.getAlarm());
    expect(next).not.toBeNull();
  });
});
