// The service worker (built into public/sw.js, scope /): when the server cannot be reached,
// a reload still gets the app's own files, and the app then says it is offline (its
// connection banner). Only the shell is ever handled, network first, so an online page
// always runs the deployed files; everything else (/api, /ws, /upload, /files and any
// other path) never reaches the cache.
import { handlePushes } from "./sw-push";

// The little of the service worker's scope used here (the "webworker" lib would clash with
// the "dom" one the rest of web/ is checked against).
interface WaitEvent extends Event {
  waitUntil(done: Promise<unknown>): void;
}
interface FetchEvent extends WaitEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: WaitEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
}
const worker = self as unknown as WorkerScope;
handlePushes(self as unknown as Parameters<typeof handlePushes>[0]);
/** A hash of the built files, put in by scripts/build-web.mjs: each deploy gets a cache of its own. */
declare const BUILD_VERSION: string;

const PREFIX = "edge-chat-shell-";
const CACHE = `${PREFIX}${BUILD_VERSION}`;
/** The app shell: the page and its two bundles (public/ holds nothing else the page needs). */
const SHELL = ["/", "/app.js", "/app.css"];

worker.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Past the HTTP cache, so this version's files go with this version's worker.
      await cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== worker.location.origin || !SHELL.includes(url.pathname)) return;
  event.respondWith(fromNetworkElseCache(event.request, url.pathname));
});

async function fromNetworkElseCache(request: Request, path: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(path, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(path);
    if (cached) return cached;
    throw err;
  }
}
