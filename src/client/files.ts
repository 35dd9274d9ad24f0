// Uploads (POST /upload) for the client: the file's bytes as the body, its type and name in
// headers, the token as Authorization: Bearer. In a browser, with onProgress, it goes by
// XMLHttpRequest, the one API that reports upload progress there over HTTP/1.1 as well;
// everywhere else (Node, Workers, or no onProgress) by fetch, and onProgress hears only
// the start and the end.
import { Attachment, ErrorFrame, isImageType } from "../contract/protocol";
import { ClientError } from "./errors";

/** What can be uploaded: a Blob (or File), bytes, or a stream of `size` bytes (outside browsers: a browser cannot give a stream a length). */
export type FileData = Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;

export interface UploadOptions {
  /** The file's name; defaults to a File's own name. */
  name?: string;
  /** Its media type; defaults to a Blob's own type, else application/octet-stream. */
  type?: string;
  /** A stream's length in bytes, sent as Content-Length (the service refuses a body without one: 411). */
  size?: number;
  /** Bytes sent so far and the total (null for a stream without `size`). */
  onProgress?: (sent: number, total: number | null) => void;
  /** Cancels the upload: it fails with ClientError `aborted`, and nothing is kept. */
  signal?: AbortSignal;
}

/** The fetch that uploads use: the global one by default (browsers, Node 22, Workers). */
export type HttpFetch = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: FileData; signal?: AbortSignal; duplex?: "half" },
) => Promise<{ status: number; json(): Promise<unknown> }>;

interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
  abort(): void;
  status: number;
  responseText: string;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

const sizeOf = (data: FileData): number | null =>
  data instanceof Blob ? data.size : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : null;

export async function upload(
  url: string,
  token: string,
  data: FileData,
  options: UploadOptions,
  httpFetch: HttpFetch | undefined,
): Promise<Attachment> {
  const name = options.name ?? (typeof File !== "undefined" && data instanceof File ? data.name : undefined);
  if (!name) throw new ClientError(400, "invalid_request", "give the file a name", { name: "is required (or pass a File)" });
  const type = options.type || (data instanceof Blob && data.type) || "application/octet-stream";
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    "Content-Type": type,
    "X-File-Name": encodeURIComponent(name),
  };
  const total = sizeOf(data) ?? options.size ?? null;
  if (data instanceof ReadableStream && total !== null) headers["Content-Length"] = String(total);
  const XhrClass = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
  if (options.signal?.aborted) throw aborted();
  let answer: { status: number; body: unknown };
  if (options.onProgress && XhrClass && !(data instanceof ReadableStream))
    answer = await viaXhr(new XhrClass(), url, headers, data, options);
  else {
    const f = httpFetch ?? (typeof fetch === "function" ? (u, i) => fetch(u, i as RequestInit) : undefined);
    if (!f) throw new ClientError(0, "closed", "no fetch here: pass the `httpFetch` option");
    options.onProgress?.(0, total);
    try {
      const res = await f(url, {
        method: "POST",
        headers,
        body: data,
        signal: options.signal,
        ...(data instanceof ReadableStream && { duplex: "half" as const }),
      });
      answer = { status: res.status, body: await res.json().catch(() => null) };
    } catch (err) {
      throw options.signal?.aborted
        ? aborted()
        : new ClientError(0, "disconnected", `the upload failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (answer.status === 201 && total !== null) options.onProgress?.(total, total);
  }
  if (answer.status === 201) {
    const file = Attachment.safeParse(answer.body);
    if (file.success) return file.data;
    throw new ClientError(answer.status, "bad_response", "the upload's answer does not match the contract");
  }
  const e = ErrorFrame.safeParse(answer.body);
  if (e.success) throw new ClientError(e.data.status, e.data.error, e.data.message, e.data.fields, e.data.retry_after_ms);
  throw new ClientError(answer.status, "bad_response", `the upload failed with HTTP ${answer.status}`);
}

function viaXhr(
  xhr: Xhr,
  url: string,
  headers: Record<string, string>,
  data: FileData,
  options: UploadOptions,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    xhr.open("POST", url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded, e.lengthComputable ? e.total : null);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: reported by status below
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new ClientError(0, "disconnected", "the upload failed: the connection was lost"));
    xhr.onabort = () => reject(aborted());
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(data);
  });
}

const aborted = () => new ClientError(0, "aborted", "the upload was cancelled");

/** How a file goes in a message: an image type the server read a size from is shown as an image, anything else is a file. */
export const contentTypeFor = (file: Attachment): "image" | "file" =>
  isImageType(file.mime) && file.width !== undefined ? "image" : "file";
