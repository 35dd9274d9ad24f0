import type { ErrorCode } from "../contract/protocol";

/**
 * Failures the client detects itself, so they never come from the server:
 * `timeout` (no response in time), `disconnected` (the socket dropped while a request that
 * is not safe to resend was in flight, so whether it took effect is unknown), `closed`
 * (the client was closed or its session ended), `bad_response` (a frame that does not
 * match the contract), `aborted` (an upload cancelled through its signal).
 */
export type LocalErrorCode = "timeout" | "disconnected" | "closed" | "bad_response" | "aborted";

/** A failed request: the server's error frame, or one of the local failures (status 0). */
export class ClientError extends Error {
  override readonly name = "ClientError";

  constructor(
    /** The response's HTTP-like status; 0 when the client itself gave up. */
    readonly status: number,
    readonly error: ErrorCode | LocalErrorCode,
    message: string,
    /** `invalid_request`: what is wrong with each field, by field name. */
    readonly fields?: Record<string, string>,
    /** `rate_limited`: how long to wait before trying again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
