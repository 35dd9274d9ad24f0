// The security headers of everything the service serves. The Worker's own responses get them
// from the middleware below; the web client's static assets, which the runtime serves before
// the Worker runs, from public/_headers, which scripts/build-web.mjs writes from this list.
import type { MiddlewareHandler } from "hono";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Only the app's own scripts, styles and connections; no inline script or style. CSP 3's
  // 'self' covers ws: and wss: to the same host, which is where the app's socket goes.
  "Content-Security-Policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
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
