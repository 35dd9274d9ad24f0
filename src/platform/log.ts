// Structured logs: one JSON line per thing an operator looks for (docs/operations.md lists
// the events and what each means). A line carries ids, modes, codes and numbers only:
// never a token, password, recovery code, email or message text. Errors go through
// errorSummary, because their messages may quote what was sent (D1 errors list a query's
// parameters: password hashes, emails).
export type Level = "info" | "warn" | "error";

export interface LogLine {
  level: Level;
  event: string;
  /** The protocol mode, or "unknown" for a frame without a known one. */
  mode?: string;
  status?: number;
  /** The error code answered (`rate_limited`, `internal`…). */
  error?: string;
  duration_ms?: number;
  request_id?: string;
  user_id?: string;
  method?: string;
  /** The URL's path, never its query (a socket may carry its token there). */
  path?: string;
  chat_id?: string;
  /** A large group's relay shard. */
  shard?: number;
  /** Which failure in a row this is. */
  attempt?: number;
  retry_in_ms?: number;
  /** How many things the event is about (files, sessions…). */
  count?: number;
  /** The hourly purge: what it deleted. */
  purged?: { sessions: number; codes: number };
  /** Where an internal error was caught. */
  where?: string;
  exception?: ErrorSummary;
}

export function log(line: LogLine): void {
  const text = JSON.stringify(line);
  if (line.level === "error") console.error(text);
  else if (line.level === "warn") console.warn(text);
  else console.log(text);
}

/** How loud an answer with this status is: server faults are errors, rate limiting a warning. */
export const levelOf = (status: number): Level => (status >= 500 ? "error" : status === 429 ? "warn" : "info");

export interface ErrorSummary {
  name: string;
  message: string;
  /** The call stack's frames, without the message that heads a stack. */
  stack?: string;
  cause?: ErrorSummary;
}

/** What may be logged of anything thrown: its class, its message with values cut out, its frames. */
export function errorSummary(err: unknown, depth = 0): ErrorSummary {
  if (!(err instanceof Error)) return { name: typeof err, message: "(a thrown value that is not an Error)" };
  const summary: ErrorSummary = {
    name: err.name !== "Error" ? err.name : err.constructor.name,
    message: scrub(err.message),
  };
  const frames = (err.stack ?? "")
    .split("\n")
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 10)
    .map((l) => l.trim());
  if (frames.length) summary.stack = frames.join("\n");
  if (err.cause !== undefined && depth < 3) summary.cause = errorSummary(err.cause, depth + 1);
  return summary;
}

/** Cuts drizzle's `params:` list, quoted values and anything like an email address out of a message. */
function scrub(message: string): string {
  return (message.split(/\s*\bparams:/)[0] ?? "")
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '"…"')
    .replace(/[^\s"'<>(),;:]+@[^\s"'<>(),;:]+/g, "<email>")
    .slice(0, 500);
}
