// Which web origins may use the API from a browser: the service's own, and those listed in
// ALLOWED_ORIGINS. A browser attaches the session cookie to requests that other sites start, so
// the origin is what tells a dashboard from a page that borrows its cookie:
// - fetch: CORS. Only a listed origin gets Access-Control-Allow-* headers; for any other site
//   the browser blocks the preflight, and so the request (JSON, or the CSRF header) never leaves.
// - WebSocket: CORS does not apply to upgrades. The browser always sends Origin, and an upgrade
//   whose Origin is neither the service's own nor listed is refused with 403 before the handshake.
// Clients outside a browser (scripts, the SDK, graphql-ws's Node client) send no Origin and are
// not affected: they authenticate with a token they hold, not with a cookie the browser adds.
import type { IncomingMessage } from 'node:http';
import { CSRF_HEADER } from '../graphql/protection.js';
import { TEAM_HEADER } from '../domain/teams.js';

/** What graphql-yoga's `cors` option takes from a factory (CORSOptions of @whatwg-node/server). */
type CorsGrant = { origin: string; credentials: boolean; methods: string[]; allowedHeaders: string[]; maxAge: number } | false;

export interface OriginPolicy {
  /** For Yoga's `cors` option: a grant for a listed origin, nothing for any other. */
  cors(request: Request): CorsGrant;
  /** Whether a WebSocket upgrade may proceed: no Origin (not a browser), the service's own, or listed. */
  allowsUpgrade(request: IncomingMessage): boolean;
}

/**
 * @param allowedOrigins origins of other sites trusted with the user's session (ALLOWED_ORIGINS)
 * @param https the service is reached over HTTPS (COOKIE_SECURE says so): its own origin is then
 *   https:// only, so a page on plain http://same-host cannot pass for it
 */
export function createOriginPolicy({ allowedOrigins, https }: { allowedOrigins: readonly string[]; https: boolean }): OriginPolicy {
  const allowed = new Set(allowedOrigins);

  /** The origins the request's own Host stands for: https://host, and http://host unless on HTTPS. */
  const isOwnOrigin = (origin: string, host: string | undefined, encrypted: boolean): boolean => {
    if (!host) return false;
    const own = (scheme: string) => {
      try {
        return new URL(`${scheme}://${host}`).origin === origin;
      } catch {
        return false;
      }
    };
    return own('https') || (!https && !encrypted && own('http'));
  };

  return {
    cors(request) {
      const origin = request.headers.get('origin');
      if (origin === null || !allowed.has(origin)) return false;
      return {
        origin,
        // a listed origin is trusted with the session: its app may send the cookie, where
        // SameSite lets it (another subdomain of the same site)
        credentials: true,
        methods: ['GET', 'POST'],
        allowedHeaders: ['content-type', 'authorization', CSRF_HEADER, TEAM_HEADER],
        maxAge: 600,
      };
    },
    allowsUpgrade(request) {
      // WebSocket version 8 (a 2011 draft that ws still accepts) names it Sec-WebSocket-Origin
      const origin = request.headers.origin ?? request.headers['sec-websocket-origin'];
      if (origin === undefined) return true;
      if (Array.isArray(origin)) return false;
      if (allowed.has(origin)) return true;
      const encrypted = Boolean((request.socket as { encrypted?: boolean }).encrypted);
      return isOwnOrigin(origin, request.headers.host, encrypted);
    },
  };
}
