// POST /upload?chat_id=…: a member's file, streamed into R2, then recorded by the chat
// object. The order keeps a refusal cheap and storing nothing: the token, the headers
// (Content-Length required), the declared size (413 before a byte is read), membership
// (the chat object) and blocks (the uploader's user object), a place among the user's uploads under way and within their storage
// quota (D1), the per-user limits of uploads and bytes per hour; only then is the body read.
// An image is checked once stored, and deleted again before the answer if it is not one.
// Whatever fails after the place was taken gives it back and deletes what was stored.
import { limiter, releaseUploads, reserveUpload, sessionOf, uploadStored } from "../accounts";
import { isChatId } from "../chat";
import { chatNotFound, rateLimited, unauthorized, unwrap } from "../contract/errors";
import { isImageType, type Attachment } from "../contract/protocol";
import { config } from "../platform/config";
import { answering, bearerToken, newFileId, objectKey } from "./http";
import { readUploadHead } from "./request";
import { checkStoredImage } from "./sniff";
import { storeUpload, tooLarge } from "./store";

export function handleUpload(req: Request, env: Env): Promise<Response> {
  return answering("POST /upload", async () => {
    const session = await sessionOf(env, bearerToken(req));
    if (!session) throw unauthorized("POST /upload needs Authorization: Bearer <token>");
    const head = readUploadHead(req);
    const cfg = config(env);
    if (head.length > cfg.maxUploadBytes) throw tooLarge(cfg.maxUploadBytes);
    // An id this service never hands out names no chat: answered without waking an object.
    if (!isChatId(head.chatId)) throw chatNotFound(head.chatId);
    const chat = env.CHATS.get(env.CHATS.idFromName(head.chatId));
    const me = session.user.id;
    // A member (the chat object), and not blocked by the other member of a direct chat (the
    // uploader's own object keeps who blocks them).
    const user = env.USERS.get(env.USERS.idFromName(me));
    const [member, unblocked] = await Promise.all([chat.mayUpload(me), user.mayUpload(session.user, head.chatId)]);
    unwrap(member);
    unwrap(unblocked);

    const fileId = newFileId();
    const key = objectKey(fileId);
    await reserveUpload(env, me, fileId, head.length, Date.now(), {
      openPerUser: cfg.openUploadsPerUser,
      quotaBytes: cfg.uploadQuotaBytes,
    });
    try {
      await takeHourly(env, me, head.length);
      await storeUpload(env.FILES, key, req.body!, head.length, cfg.uploadIdleMs, {
        httpMetadata: { contentType: head.mime },
        customMetadata: { chat_id: head.chatId, uploader_id: me, name: encodeURIComponent(head.name), mime: head.mime },
      });
      const dimensions = isImageType(head.mime) ? await checkStoredImage(env.FILES, key, head.mime) : null;
      const file: Attachment = { file_id: fileId, name: head.name, size: head.length, mime: head.mime, ...dimensions };
      await uploadStored(env, fileId, Date.now());
      // The uploader may have left the chat while the bytes were on their way.
      unwrap(await chat.addUpload(me, { ...file, key, uploadedAt: Date.now() }));
      return Response.json(file, { status: 201 });
    } catch (err) {
      await Promise.all([env.FILES.delete(key), releaseUploads(env, [fileId])]);
      throw err;
    }
  });
}

/** One upload and its bytes against the hourly limits: both or neither. */
async function takeHourly(env: Env, userId: string, bytes: number): Promise<void> {
  const { uploadsPerUser, uploadBytesPerUser } = config(env);
  const count = limiter(env, `upload-user:${userId}`);
  const verdict = await count.take(uploadsPerUser);
  if (!verdict.ok) throw rateLimited(verdict.retryAfterMs, "uploads");
  const volume = await limiter(env, `upload-bytes:${userId}`).take(uploadBytesPerUser, 0, bytes);
  if (volume.ok) return;
  await count.giveBack(uploadsPerUser);
  throw rateLimited(volume.retryAfterMs, "bytes uploaded this hour");
}
