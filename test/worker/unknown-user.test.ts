// The first login of an unknown user in a fresh isolate. Alone in its file, so that nothing
// in this isolate has hashed a password before it runs.
import { env } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { auth } from "../../src/accounts/login";
import { PBKDF2_ITERATIONS } from "../../src/accounts/crypto";
import { unique } from "./helpers";

it("costs an unknown user exactly one PBKDF2 of today's scheme, even the isolate's first", async () => {
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  try {
    await expect(
      auth(env, { mode: "auth", username: unique("ghost"), password: "a guess" }, unique("ip"), { userAgent: "" }),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(derive).toHaveBeenCalledTimes(1);
    expect(derive.mock.calls[0]![0]).toMatchObject({ name: "PBKDF2", iterations: PBKDF2_ITERATIONS });
  } finally {
    derive.mockRestore();
  }
});
