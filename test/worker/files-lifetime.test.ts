// How long a chat's files live, and who may read one: a member's unsent uploads go when they
// leave (or delete their account), every file goes with the chat's last member, and an
// upload not sent yet is its uploader's alone. (Second security review.)
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, directChat, download, groupOf, upload, type Account } from "./helpers";

const put = async (who: Account, chatId: string, name = "notes.txt") => {
  const res = await upload(chatId, "some text\n".repeat(20), { token: who.token, type: "text/plain", name });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.file_id as string;
};
const sendFile = async (who: Account, chatId: string, fileId: string, mode = "sendGroupMessage") =>
  expect(
    (await api({ mode, chat_id: chatId, content: "", content_type: "file", attachment: { file_id: fileId } }, { token: who.token })).status,
  ).toBe(200);
const inR2 = async (fileId: string) => (await env.FILES.head(`files/${fileId}`)) !== null;

describe("a chat's files", () => {
  it("deletes a leaving or removed member's unsent uploads at once, and keeps what they sent", async () => {
    const { owner, rest, chatId } = await groupOf(4, "fl");
    const [leaver, removed] = rest;
    const sent = await put(leaver!, chatId);
    await sendFile(leaver!, chatId, sent);
    const unsent = await put(leaver!, chatId);
    const theirs = await put(removed!, chatId);
    const ownersUnsent = await put(owner, chatId);
    expect((await api({ mode: "leaveChat", chat_id: chatId }, { token: leaver!.token })).status).toBe(200);
    expect((await api({ mode: "removeMember", chat_id: chatId, username: removed!.username }, { token: owner.token })).status).toBe(200);
    expect([await inR2(unsent), await inR2(theirs)]).toEqual([false, false]);
    expect([await inR2(sent), await inR2(ownersUnsent)]).toEqual([true, true]);
    expect((await download(sent, { token: owner.token })).status).toBe(200);
  });

  it("deletes every file of a group when its last member leaves", async () => {
    const { owner, rest, chatId } = await groupOf(2, "fll");
    const a = await put(owner, chatId);
    await sendFile(owner, chatId, a);
    const b = await put(rest[0]!, chatId);
    await sendFile(rest[0]!, chatId, b);
    expect((await api({ mode: "leaveChat", chat_id: chatId }, { token: rest[0]!.token })).status).toBe(200);
    expect([await inR2(a), await inR2(b)]).toEqual([true, true]);
    expect((await api({ mode: "leaveChat", chat_id: chatId }, { token: owner.token })).status).toBe(200);
    expect([await inR2(a), await inR2(b)]).toEqual([false, false]);
  });

  it("deletes a deleted account's unsent uploads at once, and a direct chat's files when both accounts are gone", async () => {
    const { a, b, chatId } = await directChat("fld");
    const sent = await put(a, chatId);
    await sendFile(a, chatId, sent, "sendMessage");
    const unsent = await put(a, chatId);
    expect((await api({ mode: "deleteAccount", password: a.password }, { token: a.token })).status).toBe(200);
    expect(await inR2(unsent)).toBe(false);
    expect(await inR2(sent)).toBe(true);
    expect((await api({ mode: "deleteAccount", password: b.password }, { token: b.token })).status).toBe(200);
    expect(await inR2(sent)).toBe(false);
  });

  it("lets another member read or get a link for an upload only once it is sent; its uploader always", async () => {
    const { owner, rest, chatId } = await groupOf(2, "flr");
    const other = rest[0]!;
    const fileId = await put(owner, chatId);
    const links = async (who: Account) =>
      Object.keys((await api({ mode: "getFileUrls", chat_id: chatId, file_ids: [fileId] }, { token: who.token })).body.urls);
    expect((await download(fileId, { token: other.token })).status).toBe(404);
    expect(await links(other)).toEqual([]);
    expect((await download(fileId, { token: owner.token })).status).toBe(200);
    expect(await links(owner)).toEqual([fileId]);
    await sendFile(owner, chatId, fileId);
    expect((await download(fileId, { token: other.token })).status).toBe(200);
    expect(await links(other)).toEqual([fileId]);
  });
});
