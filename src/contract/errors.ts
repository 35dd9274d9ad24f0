// One error shape for the whole service. Anything thrown that is not an ApiError is a bug:
// it is logged (as a summary that leaves out the values it carries) and answered as a bare
// 500 `internal`.
import { errorSummary, levelOf, log } from "../platform/log";
import { isMode, type ErrorCode, type ErrorFrame } from "./protocol";

/** What an error looks like everywhere: on the socket, over HTTP, across RPC. */
export interface ErrorBody {
  status: number;
  error: ErrorCode;
  message: string;
  fields?: Record<string, string>;
  retry_after_ms?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  body(): ErrorBody {
    return {
      status: this.status,
      error: this.error,
      message: this.message,
      ...(this.fields && { fields: this.fields }),
      ...(this.retryAfterMs !== undefined && { retry_after_ms: this.retryAfterMs }),
    };
  }

  static from(body: ErrorBody): ApiError {
    return new ApiError(body.status, body.error, body.message, body.fields, body.retry_after_ms);
  }
}

export const unauthorized = (why = "log in first: send auth or register, or give a valid token") => new ApiError(401, "unauthorized", why);
export const rateLimited = (retryAfterMs: number, what: string) =>
  new ApiError(429, "rate_limited", `too many ${what}; try again in ${Math.ceil(retryAfterMs / 1000)} s`, undefined, retryAfterMs);
export const forbidden = (why: string) => new ApiError(403, "forbidden", why);
export const chatNotFound = (chatId: string) => new ApiError(404, "chat_not_found", `no chat ${chatId} that you are a member of`);
/** One answer for an unknown file, a file of a chat you are not in, and a bad or expired link. */
export const fileNotFound = () => new ApiError(404, "file_not_found", "no such file that you may read (or the link has expired)");

/** Turns anything thrown into the error body to send; internals go to the log only. */
export function toErrorBody(err: unknown, where: string): ErrorBody {
  if (err instanceof ApiError) return err.body();
  log({ level: "error", event: "internal_error", where, exception: errorSummary(err) });
  return { status: 500, error: "internal", message: "something went wrong on our side; try again" };
}

export function errorFrame(mode: string, requestId: string | undefined, body: ErrorBody): ErrorFrame {
  return {
    mode,
    timestamp: Date.now(),
    ...(requestId !== undefined && { request_id: requestId }),
    ...body,
  } satisfies ErrorFrame;
}

/** A mode as it may be logged: one of the protocol's, or "unknown" (a client's made-up mode is its own text). */
export const loggableMode = (mode: string | undefined): string | undefined =>
  mode === undefined ? undefined : isMode(mode) ? mode : "unknown";

/** One log line for a socket frame answered with an error (`started`: when the frame came in). */
export function logErrorAnswer(frame: ErrorFrame, userId: string | undefined, started: number): void {
  log({
    level: levelOf(frame.status),
    event: "frame",
    mode: loggableMode(frame.mode),
    status: frame.status,
    error: frame.error,
    duration_ms: Date.now() - started,
    request_id: crypto.randomUUID(),
    ...(userId !== undefined && { user_id: userId }),
  });
}

/**
 * Results that cross RPC between objects. Errors are returned, not thrown, because an
 * exception thrown across RPC loses its class and fields.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export async function catching<T>(where: string, fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (err) {
    return { ok: false, error: toErrorBody(err, where) };
  }
}

export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw ApiError.from(r.error);
}
