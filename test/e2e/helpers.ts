// Shared by the end-to-end tests (Node against a real `wrangler dev`): the loose frame
// type, POST /api as a client sends it, and waiting for something to happen.
// biome-ignore lint/suspicious/noExplicitAny: a test reads any answer's fields loosely; the contract's schemas check frames elsewhere.
export type Frame = Record<string, any>;

/** POST /api on the server at `url`: the HTTP status and the answer (whose frame carries its status too). */
export async function post(url: string, frame: Frame | string, token?: string): Promise<{ status: number; body: Frame }> {
  const res = await fetch(`${url}/api`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token && { Authorization: `Bearer ${token}` }) },
    body: typeof frame === "string" ? frame : JSON.stringify(frame),
  });
  return { status: res.status, body: (await res.json()) as Frame };
}

/**
 * Polls `check` until it gives something truthy; fails after 30 s naming `what`. It only
 * matters when something is broken, so it is long: CI runs on slow, loaded machines.
 */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
