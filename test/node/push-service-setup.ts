// The pool's global setup (Node): a local Web Push service (test/node/push-service.ts) for
// the notification tests, its URL given to them as inject("pushService").
import type { TestProject } from "vitest/node";
import { startPushService } from "./push-service";

export default async function setup(project: TestProject) {
  const { url, server } = await startPushService();
  project.provide("pushService", url);
  return () => new Promise<void>((r) => server.close(() => r()));
}

declare module "vitest" {
  export interface ProvidedContext {
    pushService: string;
  }
}
