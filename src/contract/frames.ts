// Frames on the wire. Reading: size, JSON, `mode`, then the mode's schema, the same steps
// for the socket (in the Worker and in the user object) and for POST /api.
import type { z } from "zod";
import { ApiError } from "./errors";
import { MAX_FRAME_BYTES, isMode, requestSchemas, type Mode, type PayloadOf, type RequestFrame, type ResponseOf } from "./protocol";

/** What is known about a frame even when it is bad, so the error can echo it. */
export interface FrameHead {
  mode: string;
  requestId?: string;
}

export type Parsed =
  | { ok: true; head: FrameHead; request: RequestFrame; raw: Record<string, unknown> }
  | { ok: false; head: FrameHead; error: ApiError };

const encoder = new TextEncoder();
/** How much of a client's `mode` or `request_id` an answer echoes at most (characters). */
const MAX_ECHO = 64;

function utf8Length(s: string): number {
  // Cheap bound first: a string's UTF-8 length is at most 3 bytes a UTF-16 unit.
  if (s.length * 3 <= MAX_FRAME_BYTES) return s.length;
  return encoder.encode(s).byteLength;
}

export const tooLarge = () => new ApiError(413, "too_large", `a frame is at most ${MAX_FRAME_BYTES} bytes of UTF-8`);

export function parseFrame(data: string | ArrayBuffer): Parsed {
  const errorHead: FrameHead = { mode: "error" };
  if (typeof data !== "string") {
    if (data.byteLength > MAX_FRAME_BYTES) return { ok: false, head: errorHead, error: tooLarge() };
    return {
      ok: false,
      head: errorHead,
      error: new ApiError(400, "bad_request", "frames are JSON in text frames, not binary"),
    };
  }
  if (utf8Length(data) > MAX_FRAME_BYTES) return { ok: false, head: errorHead, error: tooLarge() };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, head: errorHead, error: new ApiError(400, "bad_request", "the frame is not valid JSON") };
  }
  return parseValue(value);
}

export function parseValue(value: unknown): Parsed {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return {
      ok: false,
      head: { mode: "error" },
      error: new ApiError(400, "bad_request", "a frame must be a JSON object"),
    };
  const raw = value as Record<string, unknown>;
  if (typeof raw.mode !== "string")
    return {
      ok: false,
      head: { mode: "error" },
      error: new ApiError(400, "bad_request", "a frame needs a string `mode`"),
    };
  // An unknown mode is echoed cut to 64 characters, so an answer is never bigger than needed.
  const head: FrameHead = { mode: isMode(raw.mode) ? raw.mode : [...raw.mode].slice(0, MAX_ECHO).join("") };
  if (typeof raw.request_id === "string" && [...raw.request_id].length <= MAX_ECHO) head.requestId = raw.request_id;
  if (!isMode(raw.mode)) return { ok: false, head, error: new ApiError(400, "unknown_mode", `there is no mode "${head.mode}"`) };
  const schema: z.ZodType = requestSchemas[raw.mode as Mode];
  const result = schema.safeParse(raw);
  if (!result.success) return { ok: false, head, error: invalid(result.error) };
  return { ok: true, head, request: result.data as RequestFrame, raw };
}

function invalid(error: z.ZodError): ApiError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join(".") || "frame";
    if (fields[field]) continue;
    fields[field] = issue.code === "invalid_type" && issue.message.includes("undefined") ? "is required" : issue.message;
  }
  const names = Object.keys(fields).join(", ");
  return new ApiError(400, "invalid_request", `check these fields: ${names}`, fields);
}

/** A success frame: the mode's payload in the envelope every response has. */
export function reply<M extends Mode>(mode: M, requestId: string | undefined, status: number, payload: PayloadOf<M>): ResponseOf<M> {
  return {
    mode: mode === "ping" ? "pong" : mode,
    timestamp: Date.now(),
    status,
    ...(requestId !== undefined && { request_id: requestId }),
    ...payload,
  } as ResponseOf<M>;
}
