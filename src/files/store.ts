// Streams an upload into R2 without holding the file in memory: the body, whose length is
// known (Content-Length, required), goes to one put() as it arrives, through a
// FixedLengthStream so that R2 knows the size up front. The Worker looks at each chunk only
// to know the client is still sending: a body that sends nothing for `idleMs` is stopped,
// and one that is cut off or longer than it said is the client's error, not ours.
import { ApiError } from "../contract/errors";

export const tooLarge = (max: number) => new ApiError(413, "too_large", `a file is at most ${max} bytes`);
const stalled = (idleMs: number) =>
  new ApiError(408, "invalid_request", `nothing of the body arrived for ${Math.round(idleMs / 1000)} s; the upload was stopped`, {
    body: "stopped arriving",
  });
const cutOff = () =>
  new ApiError(400, "invalid_request", "the body ended before Content-Length bytes arrived (cut off?)", {
    body: "was cut off",
  });
const tooLong = () =>
  new ApiError(400, "invalid_request", "the body is longer than its Content-Length", {
    body: "is longer than Content-Length",
  });

/** Stores the body of `length` bytes under `key`. */
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  idleMs: number,
  put: R2PutOptions,
): Promise<void> {
  const reader = body.getReader();
  // Set once the client is at fault: the put then fails, and this is the answer.
  let failure: ApiError | null = null;
  let received = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let source!: ReadableStreamDefaultController<Uint8Array>;
  const fail = (err: ApiError) => {
    clearTimeout(timer);
    if (failure) return;
    failure = err;
    source.error(err);
    void reader.cancel(err.message).catch(() => undefined);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(stalled(idleMs)), idleMs);
  };
  const watched = new ReadableStream<Uint8Array>(
    {
      start(c) {
        source = c;
        arm();
      },
      async pull(c) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch {
          return fail(cutOff());
        }
        if (failure) return;
        if (next.done) {
          if (received !== length) return fail(cutOff());
          clearTimeout(timer);
          return c.close();
        }
        received += next.value.byteLength;
        if (received > length) return fail(tooLong());
        arm();
        c.enqueue(next.value);
      },
      cancel: () => {
        clearTimeout(timer);
        return reader.cancel();
      },
    },
    { highWaterMark: 0 },
  );
  const fixed = new FixedLengthStream(length);
  const pumped = watched.pipeTo(fixed.writable).catch(() => undefined);
  try {
    await bucket.put(key, fixed.readable, put);
  } catch (err) {
    throw failure ?? err;
  } finally {
    clearTimeout(timer);
    void pumped;
  }
}
