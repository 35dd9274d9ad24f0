// An invite code leads to its group without asking anything else: it is the base64url of
// the group id's 16 bytes (a group id is `g_<uuid>`) and 16 random bytes, 43 characters.
// The random part makes it unguessable (128 bits); the chat object keeps only its SHA-256.
// Pure: the user object reads a code's chat id with it, and the Node tests run it.
import { INVITE_CODE_RE } from "../contract/moderation";

const UUID = /^g_([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;

export function newInviteCode(chatId: string): string {
  const m = UUID.exec(chatId);
  if (!m) throw new Error("only a group has invites");
  const bytes = new Uint8Array(32);
  const hex = m.slice(1).join("");
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  crypto.getRandomValues(bytes.subarray(16));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The group a code names, or null when it cannot be a code at all. */
export function chatOfInvite(code: string): string | null {
  if (!INVITE_CODE_RE.test(code)) return null;
  const raw = atob(code.replaceAll("-", "+").replaceAll("_", "/"));
  let hex = "";
  for (let i = 0; i < 16; i++) hex += raw.charCodeAt(i).toString(16).padStart(2, "0");
  return `g_${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
