// The headers a JSON API and a dashboard should send. Applied to every response before it is
// routed; the GraphiQL page (a developer tool loading its assets from a CDN) is the one page
// without a Content-Security-Policy.
import type { IncomingMessage, ServerResponse } from 'node:http';

const DASHBOARD_CSP = [
  "default-src 'self'",
  // 'self' covers the dashboard's own ws:/wss: origin (CSP Level 3, as browsers implement it);
  // `ws: wss:` would have let an injected script talk to any host
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function setSecurityHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  { isApi, https }: { isApi: boolean; https: boolean },
): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  if (isApi) {
    // responses carry secrets exactly once (generateToken, signIn): no cache may keep them
    res.setHeader('Cache-Control', 'no-store');
    const wantsGraphiQL = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
    if (!wantsGraphiQL) res.setHeader('Content-Security-Policy', API_CSP);
  } else {
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  }
}
