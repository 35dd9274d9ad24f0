// What the two file routes share: the token, the object key, and errors as JSON frames.
import { errorFrame, toErrorBody } from "../contract/errors";

export const bearerToken = (req: Request) => req.headers.get("Authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];

/** 128 random bits, as the file's id: the R2 key derives from it, so neither can be guessed. */
export function newFileId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}
export const FILE_ID = /^[0-9a-f]{32}$/;
export const objectKey = (fileId: string) => `files/${fileId}`;

/** Runs a route; anything thrown becomes the one error shape (internals logged, never sent). */
export async function answering(where: string, route: () => Promise<Response>): Promise<Response> {
  try {
    return await route();
  } catch (err) {
    const body = toErrorBody(err, where);
    const headers: Record<string, string> =
      body.retry_after_ms === undefined ? {} : { "Retry-After": String(Math.ceil(body.retry_after_ms / 1000)) };
    return Response.json(errorFrame("error", undefined, body), { status: body.status, headers });
  }
}
