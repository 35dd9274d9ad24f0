// One fresh `wrangler dev` per test file: started before its tests, stopped after them.
import { afterAll, beforeAll } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/local-server";

/** Registers the file's hooks; call the returned function in a test to get the server. `vars` override [vars]. */
export function serverForThisFile(vars?: Record<string, string>): () => LocalServer {
  let server: LocalServer | undefined;
  beforeAll(async () => {
    server = await startLocalServer(vars && { vars });
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("the local server has not started");
    return server;
  };
}
