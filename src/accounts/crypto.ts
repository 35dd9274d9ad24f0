// Passwords, tokens and codes. Passwords: PBKDF2-SHA256 at 100,000 iterations, the most
// that production Workers allow (workerd rejects more), in a self-describing string so
// the scheme can be raised later and old hashes rehashed at login.
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

const enc = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BYTES * 8);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${b64url(salt)}$${b64url(hash)}`;
}

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash uses weaker parameters than today's: store a new one. */
  rehash: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  const [scheme, iter, salt, hash] = stored.split("$");
  const iterations = Number(iter);
  if (scheme !== "pbkdf2-sha256" || !salt || !hash || !Number.isInteger(iterations) || iterations < 1)
    throw new Error(`unreadable password hash scheme "${scheme}"`);
  const actual = await pbkdf2(password, fromB64url(salt), iterations);
  return { ok: timingSafeEqual(actual, fromB64url(hash)), rehash: iterations < PBKDF2_ITERATIONS };
}

/**
 * A hash to verify against when the user does not exist, so both cases cost one PBKDF2 of
 * today's scheme. Made once with hashPassword from 32 random bytes that were then thrown
 * away, and committed: computing it at run time would make an isolate's first unknown-user
 * login cost two hashes. Keep its iterations equal to PBKDF2_ITERATIONS (a test checks).
 */
export const DECOY_HASH = "pbkdf2-sha256$100000$45M8XN9MPn3KlM9qsgNdBA$YdzjEvtbD-AtqKVqanhdF_xc_A7cgOHlugmBKfLQ7TI";

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(s)));
  let out = "";
  for (const b of d) out += b.toString(16).padStart(2, "0");
  return out;
}

/** A session token: 32 random bytes, 43 characters of base64url. */
export const newToken = () => b64url(randomBytes(32));

const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/** A recovery code: 20 characters from an alphabet without look-alikes (~98 bits). */
export function newRecoveryCode(): string {
  // Bytes at or above the largest multiple of the alphabet's size are dropped, so every
  // character is equally likely.
  const bound = 256 - (256 % CODE_ALPHABET.length);
  let out = "";
  while (out.length < 20) for (const b of randomBytes(24)) if (b < bound && out.length < 20) out += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return out;
}

export const newId = () => crypto.randomUUID();
