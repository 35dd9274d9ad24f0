// POST /upload?chat_id=…: a member's file, streamed into R2, then recorded by the chat
// object. The order keeps a refusal cheap and storing nothing: the token, the headers,
// the declared size (413 before a byte is read), membership (the chat object), the
// per-user limit; only then is the body read (a chunked one is counted as it streams).
// An image is checked once stored, and deleted again before the answer if it is not one.
import { limiter, sessionOf } from "../accounts";
import { isChatId } from "../chat";
import { ApiError, chatNotFound, rateLimited, unauthorized, unwrap } from "../contract/errors";
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
    const { maxUploadBytes, uploadsPerUser } = config(env);
    if (head.length !== null && head.length > maxUploadBytes) throw tooLarge(maxUploadBytes);
    // An id this service never hands out names no chat: answered without waking an object.
    if (!isChatId(head.chatId)) throw chatNotFound(head.chatId);
    const chat = env.CHATS.get(env.CHATS.idFromName(head.chatId));
    const me = session.user.id;
    unwrap(await chat.mayUpload(me));
    const verdict = await limiter(env, `upload-user:${me}`).take(uploadsPerUser);
    if (!verdict.ok) throw rateLimited(verdict.retryAfterMs, "uploads");

    const fileId = newFileId();
    const key = objectKey(fileId);
    const size = await storeUpload(env.FILES, key, req.body!, head.length, maxUploadBytes, {
      httpMetadata: { contentType: head.mime },
      customMetadata: { chat_id: head.chatId, uploader_id: me, name: encodeURIComponent(head.name), mime: head.mime },
    });
    const dimensions = isImageType(head.mime) ? await checkStoredImage(env.FILES, key, head.mime) : null;
    const file: Attachment = { file_id: fileId, name: head.name, size, mime: head.mime, ...dimensions };
    const added = await chat.addUpload(me, { ...file, key, uploadedAt: Date.now() });
    if (!added.ok) {
      // The uploader left the chat while the bytes were on their way.
      await env.FILES.delete(key);
      throw ApiError.from(added.error);
    }
    return Response.json(file, { status: 201 });
  });
}
