// The contract's field primitives: lengths in code points, ids, seqs, usernames, and the
// request envelope every mode shares (its common fields, well-formed Unicode throughout).
import { z } from "zod";

/** Lengths in the contract count Unicode code points, not UTF-16 units. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export const chars = (min: number, max: number) =>
  z.string().refine((s) => {
    const n = codePoints(s);
    return n >= min && n <= max;
  }, `must be ${min} to ${max} characters`);

export const id = chars(1, 128);
export const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const USERNAME_RE = /^[A-Za-z0-9_.-]{3,32}$/;
export const username = z.string().regex(USERNAME_RE, "must be 3 to 32 of A-Z a-z 0-9 _ . -");

// Fields every request may carry. `token` is how the original sketch logged in.
const common = {
  timestamp: z.number().optional(),
  request_id: chars(1, 64).optional(),
  token: z.string().max(512).optional(),
};

/** A lone surrogate: UTF-16 that is not Unicode. In `u` mode a well-formed pair is one code point. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Every string field of a request must be well-formed Unicode: SQLite would store each lone
 * surrogate as U+FFFD, so what was answered and what is read back would differ. Checked
 * once here, for every field of every mode, nested ones included.
 */
function wellFormed(value: unknown, ctx: z.core.$RefinementCtx<unknown>, path: PropertyKey[] = []): void {
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) ctx.addIssue({ code: "custom", path, message: "must be well-formed Unicode (no lone surrogates)" });
  } else if (Array.isArray(value)) for (const [i, v] of value.entries()) wellFormed(v, ctx, [...path, i]);
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) wellFormed(v, ctx, [...path, k]);
}

export const req = <M extends string, S extends z.ZodRawShape>(mode: M, shape: S) =>
  z.object({ mode: z.literal(mode), ...common, ...shape }).superRefine(wellFormed);
