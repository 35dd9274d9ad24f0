// One `wrangler dev` for a test file: started before its tests, stopped after them.
import { afterAll, beforeAll } from "vitest";
import { startLocalServer, type LocalServer } from "../../scripts/local-server";

/** The file's server, once its tests run. */
export function localServerForFile(): () => LocalServer {
  let server: LocalServer | undefined;
  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("the local server is not started yet");
    return server;
  };
}
