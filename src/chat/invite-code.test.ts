import { describe, expect, it } from "vitest";
import { chatOfInvite, newInviteCode } from "./invite-code";

describe("invite codes", () => {
  const chatId = `g_${crypto.randomUUID()}`;

  it("are 43 base64url characters that lead back to their group, different every time", () => {
    const a = newInviteCode(chatId);
    const b = newInviteCode(chatId);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a.slice(0, 21)).toBe(b.slice(0, 21));
    expect(chatOfInvite(a)).toBe(chatId);
    expect(chatOfInvite(b)).toBe(chatId);
  });

  it("read nothing from what cannot be a code", () => {
    for (const bad of ["", "short", `${newInviteCode(chatId)}x`, "!".repeat(43), "a b".repeat(15)]) expect(chatOfInvite(bad)).toBeNull();
  });

  it("exist only for groups", () => {
    expect(() => newInviteCode(`d_${"0".repeat(64)}`)).toThrow();
  });
});
