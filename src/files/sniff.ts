// Reads an image's type and size from its first bytes, as the upload streams past. Only the
// types a message may show inline (IMAGE_TYPES) are checked: a file that says it is one
// must be one, or it is refused before anything is kept. The parsing is image-dimensions'
// (no dependencies, runs anywhere a Uint8Array does).
import { imageDimensionsFromData } from "image-dimensions";
import { ApiError } from "../contract/errors";

/** How far into a file its size must show up. A JPEG's EXIF and ICC segments come before its frame header and can be large. */
const HEAD_BYTES = 512 * 1024;

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

export class ImageSniffer {
  private head: Uint8Array | null = null;
  private length = 0;
  /** Parse again once the head is this long: each parse copies the head, so not on every small chunk. */
  private nextLook = 0;
  private found: Dimensions | null = null;
  private readonly expected: string;

  constructor(private readonly mime: string) {
    this.expected = SNIFFED[mime]!;
  }

  /** Has the image been recognised? */
  get known(): boolean {
    return this.found !== null;
  }

  /** Feeds the next chunk; throws once the head has been read without finding the image. */
  feed(chunk: Uint8Array): void {
    if (this.found || this.length >= HEAD_BYTES) return;
    this.head ??= new Uint8Array(HEAD_BYTES);
    const take = chunk.subarray(0, HEAD_BYTES - this.length);
    this.head.set(take, this.length);
    this.length += take.byteLength;
    if (this.length < this.nextLook && this.length < HEAD_BYTES) return;
    this.look();
    this.nextLook = this.length + Math.max(4096, this.length >> 1);
    if (!this.found && this.length >= HEAD_BYTES) throw this.refusal();
  }

  /** The stream ended: the image's size, or a refusal. */
  finish(): Dimensions {
    if (!this.found && this.length < HEAD_BYTES) this.look();
    if (!this.found) throw this.refusal();
    return this.found;
  }

  private look(): void {
    const d = this.head && imageDimensionsFromData(this.head.subarray(0, this.length));
    if (!d) return;
    if (d.type !== this.expected || d.width < 1 || d.height < 1) throw this.refusal();
    this.found = { width: d.width, height: d.height };
    this.head = null;
  }

  private refusal(): ApiError {
    return new ApiError(400, "invalid_request", `the file says it is ${this.mime} but its bytes are not such an image`, {
      "Content-Type": `is ${this.mime}, but the body is not a ${this.expected.toUpperCase()} image`,
    });
  }
}
