// An image's type and size, read from its first bytes once it is stored. Only the types a
// message may show inline (IMAGE_TYPES) are checked: a file that says it is one must be
// one, or it is deleted and refused. The parsing is image-dimensions' (no dependencies,
// runs anywhere a Uint8Array does).
import { imageDimensionsFromData } from "image-dimensions";
import { ApiError } from "../contract/errors";

/** How far into a file its size must show up. A JPEG's EXIF and ICC segments come before its frame header and can be large. */
export const IMAGE_HEAD_BYTES = 512 * 1024;

/** What image-dimensions calls each of IMAGE_TYPES. */
const SNIFFED: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "avif",
};

export interface Dimensions {
  width: number;
  height: number;
}

/** The size of an image of type `mime` from its head; throws invalid_request if the bytes are not such an image. */
export function imageSize(head: Uint8Array, mime: string): Dimensions {
  const expected = SNIFFED[mime]!;
  const d = imageDimensionsFromData(head);
  if (!d || d.type !== expected || d.width < 1 || d.height < 1)
    throw new ApiError(400, "invalid_request", `the file says it is ${mime} but its bytes are not such an image`, {
      "Content-Type": `is ${mime}, but the body is not a ${expected.toUpperCase()} image`,
    });
  return { width: d.width, height: d.height };
}

/** Reads a stored image's head back and checks it; a file that is not the image it says is deleted. */
export async function checkStoredImage(bucket: R2Bucket, key: string, mime: string): Promise<Dimensions> {
  const head = await bucket.get(key, { range: { offset: 0, length: IMAGE_HEAD_BYTES } });
  try {
    return imageSize(new Uint8Array(head ? await head.arrayBuffer() : new ArrayBuffer(0)), mime);
  } catch (err) {
    await bucket.delete(key);
    throw err;
  }
}
