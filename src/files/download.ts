// GET /files/<file_id>: a file, to a member of its chat (Authorization: Bearer) or to
// whoever holds a signed link from getFileUrls. An unknown id, a file of a chat the caller
// is not in, and a bad or expired link get the same 404, so ids cannot be probed. Ranges
// (206) let large files and videos resume; the ETag lets a browser revalidate. Only a
// checked image is served as its type; everything else is application/octet-stream.
import { sessionOf } from "../accounts";
import { isChatId } from "../chat";
import { fileNotFound, unauthorized } from "../contract/errors";
import { isImageType } from "../contract/protocol";
import { answering, bearerToken, FILE_ID, objectKey } from "./http";
import { validSignature } from "./signing";

type Range = { offset: number; length?: number } | { suffix: number };

export function handleDownload(req: Request, env: Env, fileId: string): Promise<Response> {
  return answering("GET /files", async () => {
    if (!FILE_ID.test(fileId)) throw fileNotFound();
    const url = new URL(req.url);
    const exp = url.searchParams.get("exp");
    const sig = url.searchParams.get("sig");
    let range = requestedRange(req.headers);
    const get = () => fetchObject(env.FILES, objectKey(fileId), range, req.headers);
    let found: Found;
    if (exp !== null || sig !== null) {
      if (!(await validSignature(env, fileId, exp, sig))) throw fileNotFound();
      found = await get();
    } else {
      const token = bearerToken(req);
      if (!token) throw unauthorized("GET /files needs Authorization: Bearer <token>, or a signed link from getFileUrls");
      // The object is fetched while the token is checked; nothing of it leaves before both answers are in.
      const [session, f] = await Promise.all([sessionOf(env, token), get()]);
      found = f;
      const chatId = f.object?.customMetadata?.chat_id ?? "";
      if (!session) throw dropping(f, unauthorized("the token is unknown, expired or revoked"));
      if (!f.object || !isChatId(chatId)) throw dropping(f, fileNotFound());
      const allowed = await env.CHATS.get(env.CHATS.idFromName(chatId)).mayRead(session.user.id, fileId);
      if (!allowed.ok) throw dropping(f, fileNotFound());
    }
    if (!found.object) throw fileNotFound();
    // A Range for another version than the client has (If-Range): the whole file instead.
    const ifRange = req.headers.get("If-Range");
    if (range && ifRange !== null && ifRange !== found.object.httpEtag) {
      dropping(found, null);
      range = null;
      found = await get();
      if (!found.object) throw fileNotFound();
    }
    return respond(found, range, req.headers);
  });
}

interface Found {
  /** With a body, unless a condition held it back or the range was past the end. */
  object: R2Object | null;
  unsatisfiable: boolean;
}

/** R2 get with the range and the request's conditions (If-None-Match and the like). */
async function fetchObject(bucket: R2Bucket, key: string, range: Range | null, conditions: Headers): Promise<Found> {
  try {
    return { object: await bucket.get(key, { ...(range && { range }), onlyIf: conditions }), unsatisfiable: false };
  } catch (err) {
    // R2 refuses a range that starts past the end; what is there is told only after the caller is let in.
    if (!range) throw err;
    return { object: await bucket.head(key), unsatisfiable: true };
  }
}

function respond({ object, unsatisfiable }: Found, range: Range | null, request: Headers): Response {
  if (!object) throw fileNotFound();
  const meta = object.customMetadata ?? {};
  const mime = meta.mime ?? object.httpMetadata?.contentType ?? "application/octet-stream";
  const headers = new Headers({
    // Only an image whose bytes were checked at upload keeps its type: anything else the
    // uploader declared (text/javascript, text/css…) could load as a script, a style sheet
    // or a service worker of this origin. The declared type stays in attachment.mime.
    "Content-Type": isImageType(mime) ? mime : "application/octet-stream",
    ETag: object.httpEtag,
    // Only the browser that was let in may keep it; the bytes behind an id never change.
    "Cache-Control": "private, max-age=3600",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": disposition(mime, decodeURIComponent(meta.name ?? "file")),
    "Accept-Ranges": "bytes",
    // Opened on its own, a file is a document of this origin: it may run nothing.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    // No other site may embed or fetch it with the visitor's cookies or links.
    "Cross-Origin-Resource-Policy": "same-origin",
  });
  if (unsatisfiable) {
    headers.set("Content-Range", `bytes */${object.size}`);
    return new Response(null, { status: 416, headers });
  }
  // A condition held the body back: If-None-Match matched (304), or If-Match did not (412).
  if (!("body" in object)) {
    const notModified = request.has("If-None-Match") || request.has("If-Modified-Since");
    return new Response(null, { status: notModified ? 304 : 412, headers });
  }
  const body = (object as R2ObjectBody).body;
  if (!range) {
    headers.set("Content-Length", String(object.size));
    return new Response(body, { headers });
  }
  const { offset, length } = resolve(range, object.size);
  headers.set("Content-Range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
  headers.set("Content-Length", String(length));
  return new Response(body, { status: 206, headers });
}

function resolve(range: Range, size: number): { offset: number; length: number } {
  if ("suffix" in range) {
    const length = Math.min(range.suffix, size);
    return { offset: size - length, length };
  }
  return { offset: range.offset, length: Math.min(range.length ?? size - range.offset, size - range.offset) };
}

/** One range of bytes; anything else (several ranges, other units, nonsense) is ignored, as RFC 9110 allows. */
function requestedRange(headers: Headers): Range | null {
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(headers.get("Range")?.trim() ?? "");
  if (!m) return null;
  const [, from, to] = m;
  if (from === "") return to === "" || Number(to) === 0 ? null : { suffix: Number(to) };
  if (to === "") return { offset: Number(from) };
  return Number(to) < Number(from) ? null : { offset: Number(from), length: Number(to) - Number(from) + 1 };
}

/** A safe image may be shown; everything else is a download, whatever the browser thinks of it. */
function disposition(mime: string, name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${isImageType(mime) ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Lets go of a body we will not send, and passes the error on. */
function dropping<E>({ object }: Found, err: E): E {
  if (object && "body" in object) void (object as R2ObjectBody).body.cancel().catch(() => undefined);
  return err;
}
