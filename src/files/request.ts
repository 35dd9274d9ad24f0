// What POST /upload says about the file before its first byte is read: the chat, the
// file's type (Content-Type), its name (X-File-Name, percent-encoded) and its length
// (Content-Length, required: a body of unknown length would have to be buffered or split,
// and its size could not be checked against the limits before it is read). Every bad header
// is named at once, as invalid_request does for frames; a missing length alone is 411.
import { ApiError } from "../contract/errors";
import { MAX_FILE_NAME, codePoints } from "../contract/protocol";

export interface UploadHead {
  chatId: string;
  name: string;
  /** The type without parameters, lower-cased: "image/png". */
  mime: string;
  /** Content-Length. */
  length: number;
}

const TOKEN = "[a-z0-9!#$&^_.+-]+";
const MIME = new RegExp(`^${TOKEN}/${TOKEN}$`);
// A name is shown and offered as a download name: no path separators, no control characters,
// and no format characters (Unicode category Cf: bidi overrides that show "invoice\u202Efdp.exe"
// as "invoiceexe.pdf", zero-width spaces and joiners).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a file name may not hold.
const BAD_NAME = /[\u0000-\u001f\u007f/\\]|\p{Cf}/u;

export function readUploadHead(req: Request): UploadHead {
  const fields: Record<string, string> = {};
  const chatId = new URL(req.url).searchParams.get("chat_id") ?? "";
  if (!chatId) fields.chat_id = "is required: POST /upload?chat_id=<chat id>";
  else if (codePoints(chatId) > 128) fields.chat_id = "must be 1 to 128 characters";

  const type = req.headers.get("Content-Type");
  const mime = (type ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === null || !mime) fields["Content-Type"] = "is required: the file's type, such as image/png or application/pdf";
  else if (mime.length > 127 || !MIME.test(mime)) fields["Content-Type"] = "must be a media type such as image/png";
  else if (mime.startsWith("multipart/") || mime === "application/x-www-form-urlencoded")
    fields["Content-Type"] = "is a form: send the file's own bytes as the body, with the file's type here";

  const encoded = req.headers.get("X-File-Name");
  let name = "";
  if (encoded === null || encoded === "") fields["X-File-Name"] = "is required: the file's name, percent-encoded";
  else if (/[^\x20-\x7e]/.test(encoded)) fields["X-File-Name"] = "must be percent-encoded UTF-8 (encodeURIComponent of the name)";
  else {
    try {
      name = decodeURIComponent(encoded);
      const n = codePoints(name);
      if (n < 1 || n > MAX_FILE_NAME) fields["X-File-Name"] = `must be 1 to ${MAX_FILE_NAME} characters once decoded`;
      else if (BAD_NAME.test(name) || name === "." || name === "..")
        fields["X-File-Name"] = "must be a file name: no / \\, control or format (bidi, zero-width) characters";
    } catch {
      fields["X-File-Name"] = "must be percent-encoded UTF-8 (encodeURIComponent of the name)";
    }
  }

  const declared = req.headers.get("Content-Length");
  const length = Number(declared);
  if (declared === null)
    fields["Content-Length"] = "is required: send the file with its length (a Blob or bytes, not a stream of unknown length)";
  else if (!/^\d{1,15}$/.test(declared.trim())) fields["Content-Length"] = "must be the body's length in bytes";
  else if (length === 0 || !req.body) fields.body = "is empty: the body is the file's bytes";
  const bad = Object.keys(fields);
  if (bad.length === 1 && declared === null)
    throw new ApiError(411, "invalid_request", "POST /upload needs Content-Length: the body's length in bytes", fields);
  if (bad.length) throw new ApiError(400, "invalid_request", `check these: ${bad.join(", ")}`, fields);
  return { chatId, name, mime, length };
}
