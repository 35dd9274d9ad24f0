// Streams an upload into R2 without holding the file in memory. A body with a length goes
// to one put() as it arrives; a body without one (chunked) goes up in fixed parts of a
// multipart upload, so at most one part is held. Either way the bytes pass one inspector
// on the way: it counts them against the size limit and shows the head to the image
// sniffer, and an image is checked before R2 sees any of it. A refusal ends the stream,
// so R2 never completes the object (a multipart upload is aborted): nothing is kept.
import { ApiError } from "../contract/errors";
import type { Dimensions, ImageSniffer } from "./sniff";

/** R2's smallest part (every part but the last must have the same size). */
const PART_BYTES = 5 * 1024 * 1024;

export interface StoreOptions {
  /** Content-Length, or null for a chunked body. */
  length: number | null;
  max: number;
  sniffer: ImageSniffer | null;
  put: R2PutOptions;
}

export const tooLarge = (max: number) => new ApiError(413, "too_large", `a file is at most ${max} bytes`);

export async function storeUpload(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, opts: StoreOptions): Promise<{ size: number; dimensions: Dimensions | null }> {
  let size = 0;
  let refusal: unknown = null;
  const checked = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      refusal ??= err;
      throw err;
    }
  };
  const inspector = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, out) {
      checked(() => {
        size += chunk.byteLength;
        if (size > opts.max) throw tooLarge(opts.max);
        opts.sniffer?.feed(chunk);
      });
      out.enqueue(chunk);
    },
    flush() {
      checked(() => {
        if (size === 0) throw new ApiError(400, "invalid_request", "the body is empty", { body: "is empty: the body is the file's bytes" });
        opts.sniffer?.finish();
      });
    },
  });
  // pipeTo rather than pipeThrough, so a refusal's rejection of the pipe is ours to observe.
  const feeding = body.pipeTo(inspector.writable).catch(() => undefined);
  try {
    const stream = opts.sniffer ? await afterHead(inspector.readable, opts.sniffer) : inspector.readable;
    if (opts.length === null) await putInParts(bucket, key, stream, opts.put);
    else {
      const fixed = new FixedLengthStream(opts.length);
      const [piped, put] = await Promise.allSettled([stream.pipeTo(fixed.writable), bucket.put(key, fixed.readable, opts.put)]);
      if (piped.status === "rejected") throw piped.reason;
      if (put.status === "rejected") throw put.reason;
    }
  } catch (err) {
    throw refusal ?? err;
  } finally {
    await feeding;
  }
  return { size, dimensions: opts.sniffer?.finish() ?? null };
}

/**
 * Reads an image's head until its type and size are known (or it is refused), then gives
 * back the whole stream, head included. So an image that is not one is refused before R2
 * is sent a byte.
 */
async function afterHead(stream: ReadableStream<Uint8Array>, sniffer: ImageSniffer): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const head: Uint8Array[] = [];
  let done = false;
  while (!sniffer.known && !done) {
    const next = await reader.read();
    if (next.value) head.push(next.value);
    done = next.done;
  }
  return new ReadableStream<Uint8Array>({
    async pull(out) {
      const chunk = head.shift();
      if (chunk) return out.enqueue(chunk);
      const next = done ? { done: true as const } : await reader.read();
      if (next.done) out.close();
      else out.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

async function putInParts(bucket: R2Bucket, key: string, stream: ReadableStream<Uint8Array>, put: R2PutOptions): Promise<void> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let buffered = 0;
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
        chunks.push(value);
        buffered += value.byteLength;
      }
      while (buffered >= PART_BYTES) {
        upload ??= await bucket.createMultipartUpload(key, put);
        parts.push(await upload.uploadPart(parts.length + 1, take(PART_BYTES)));
      }
      if (done) break;
    }
    const rest = take(buffered);
    if (!upload) {
      await bucket.put(key, rest, put);
      return;
    }
    if (rest.byteLength) parts.push(await upload.uploadPart(parts.length + 1, rest));
    await upload.complete(parts);
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    await upload?.abort().catch((e: unknown) => console.warn(`aborting the multipart upload of ${key} failed`, e));
    throw err;
  }
}
