// Streams an upload into R2 without holding the file in memory. A body with a length goes
// to one put() as it is, so the runtime moves the bytes and no JavaScript touches them (its
// length was checked against the limit before it was read). A body without one (chunked)
// is counted as it arrives and goes up in fixed parts of a multipart upload, so at most
// one part is held; past the limit the multipart upload is aborted: nothing is kept.
import { ApiError } from "../contract/errors";
import { errorSummary, log } from "../platform/log";

/** R2's smallest part (every part but the last must have the same size). */
const PART_BYTES = 5 * 1024 * 1024;

export const tooLarge = (max: number) => new ApiError(413, "too_large", `a file is at most ${max} bytes`);
const empty = () => new ApiError(400, "invalid_request", "the body is empty", { body: "is empty: the body is the file's bytes" });

/** Stores the body under `key`; returns its size in bytes. `length`: Content-Length, or null for a chunked body. */
export async function storeUpload(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, length: number | null, max: number, put: R2PutOptions): Promise<number> {
  if (length !== null) {
    await bucket.put(key, body, put);
    return length;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let buffered = 0;
  let size = 0;
  const take = (n: number): Uint8Array => {
    const part = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = chunks[0]!;
      const used = Math.min(c.byteLength, n - at);
      part.set(c.subarray(0, used), at);
      at += used;
      if (used === c.byteLength) chunks.shift();
      else chunks[0] = c.subarray(used);
    }
    buffered -= n;
    return part;
  };
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) {
        size += value.byteLength;
        if (size > max) throw tooLarge(max);
        chunks.push(value);
        buffered += value.byteLength;
      }
      while (buffered >= PART_BYTES) {
        upload ??= await bucket.createMultipartUpload(key, put);
        parts.push(await upload.uploadPart(parts.length + 1, take(PART_BYTES)));
      }
      if (done) break;
    }
    if (size === 0) throw empty();
    const rest = take(buffered);
    if (!upload) await bucket.put(key, rest, put);
    else {
      if (rest.byteLength) parts.push(await upload.uploadPart(parts.length + 1, rest));
      await upload.complete(parts);
    }
    return size;
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    await upload?.abort().catch((e: unknown) => log({ level: "warn", event: "upload_abort_failed", exception: errorSummary(e) }));
    throw err;
  }
}
