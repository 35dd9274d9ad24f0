// The security headers of everything the service serves. The Worker's own responses get them
// from the middleware below; the web client's static assets, which the runtime serves before
// the Worker runs, from public/_headers, which scripts/build-web.mjs writes from this list.
// The page itself (`/`) goes through the Worker (run_worker_first in wrangler.toml), which
// knows the origin it is served from and names the app's own files by their full URL.
import type { MiddlewareHandler } from "hono";

/** What every policy shares: own connections and images, no plugins, no framing. */
const COMMON = [
  "img-src 'self' blob: data:",
  // CSP 3's 'self' covers ws: and wss: to the same host, which is where the app's socket goes.
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/**
 * The page's policy: its one script, its one style sheet and its one service worker, by URL,
 * so nothing else on the origin (an uploaded file above all) can run as a script, a style or
 * a worker even if it were served with a type that allows it. No inline script or style.
 */
export function pagePolicy(origin: string): string {
  return ["default-src 'self'", `script-src ${origin}/app.js`, `style-src ${origin}/app.css`, `worker-src ${origin}/sw.js`, ...COMMON].join(
    "; ",
  );
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Everything but the page: JSON, files, the bundles and the service worker's own script
  // (whose policy governs the worker's fetches: connect-src). None of them is a page that
  // should load a script, a style or a worker.
  "Content-Security-Policy": ["default-src 'self'", "script-src 'none'", "style-src 'none'", "worker-src 'none'", ...COMMON].join("; "),
  // HTTPS only, for two years, on every subdomain too (browsers ignore it over plain http,
  // so local dev is unaffected).
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Permissions-Policy": "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
};

/**
 * The same headers on every response of the Worker, except those a response sets itself (a
 * downloaded file has a stricter policy of its own). A 101's go nowhere a browser applies them.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
};
