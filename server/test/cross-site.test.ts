// The cross-site doors: what a page of another site can do with a signed-in user's cookie.
// Browsers send Origin with every cross-origin fetch and every WebSocket upgrade; these tests
// send what such a page's browser would, to a real server.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowedOrigins } from '../src/config.js';
import { SESSION_COOKIE } from '../src/graphql/context.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const EVIL = 'http://evil.example';
const PARTNER = 'https://app.partner.example';

let t: TestApp;
let url: string;
let session: string;

beforeAll(async () => {
  t = await createTestApp({ allowedOrigins: [PARTNER] });
  url = await t.app.start(0, '127.0.0.1');
  ({ session } = await t.signUp());
});
afterAll(() => t.close());

const cookie = () => `${SESSION_COOKIE}=${session}`;

function preflight(origin: string) {
  return fetch(`${url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-graphql-yoga-csrf' },
  });
}

const corsHeaders = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

/**
 * Opens graphql-transport-ws with the user's cookie, as a browser would from a page of `origin`
 * (undefined: a client outside a browser). Resolves with the HTTP status of a refused upgrade,
 * or with the first message of an accepted one.
 */
function upgrade(origin: string | undefined): Promise<{ status: number } | { message: { type: string } }> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
    headers: { cookie: cookie(), ...(origin === undefined ? {} : { origin }) },
  });
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.once('message', (data) => {
      resolve({ message: JSON.parse(String(data)) });
      socket.close();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('CORS', () => {
  it('a preflight from another site gets no grant (not its origin back, no credentials, no CSRF header); a listed origin gets one', async () => {
    expect(corsHeaders(await preflight(EVIL))).toEqual({});
    const listed = await preflight(PARTNER);
    expect(listed.status).toBe(204);
    const headers = corsHeaders(listed);
    expect(headers['access-control-allow-origin']).toBe(PARTNER);
    expect(headers['access-control-allow-credentials']).toBe('true');
    expect(headers['access-control-allow-headers']?.split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'x-graphql-yoga-csrf']));
  });

  it('a cookie-carrying request from another site gets no grant, so its page cannot read the answer; the service\'s own page needs none', async () => {
    const viewer = (origin: string) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { origin, cookie: cookie(), 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
    expect(corsHeaders(await viewer(EVIL))).toEqual({});
    const own = await viewer(url);
    expect(((await own.json()) as { data: { viewer: { id: string } } }).data.viewer.id).toBeTruthy();
  });
});

describe('cross-site WebSocket hijacking', () => {
  it('an upgrade with the user\'s cookie from another site, another port of the host or a sandboxed page is refused with 403 before the handshake', async () => {
    const otherPort = url.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`);
    expect(await upgrade(EVIL)).toEqual({ status: 403 });
    expect(await upgrade(otherPort)).toEqual({ status: 403 });
    expect(await upgrade('null')).toEqual({ status: 403 });
    // while the service's own origin, a listed origin and a client without Origin (scripts, the SDK) connect
    expect(await upgrade(url)).toEqual({ message: { type: 'connection_ack' } });
    expect(await upgrade(PARTNER)).toEqual({ message: { type: 'connection_ack' } });
    expect(await upgrade(undefined)).toEqual({ message: { type: 'connection_ack' } });
  });

  it('served over HTTPS (COOKIE_SECURE), a page on plain http:// of the same host is not the service', async () => {
    const https = await createTestApp({ secureCookies: true });
    try {
      const httpsUrl = await https.app.start(0, '127.0.0.1');
      const { session: httpsSession } = await https.signUp();
      const status = (origin: string) =>
        new Promise<number>((resolve, reject) => {
          const socket = new WebSocket(`${httpsUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
            headers: { cookie: `${SESSION_COOKIE}=${httpsSession}`, origin },
          });
          socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
          socket.once('upgrade', (response) => {
            resolve(response.statusCode ?? 0);
            socket.close();
          });
          socket.once('error', (error) => !/Unexpected server response/.test(error.message) && reject(error));
        });
      expect(await status(httpsUrl)).toBe(403);
      expect(await status(httpsUrl.replace('http:', 'https:'))).toBe(101);
    } finally {
      await https.close();
    }
  });
});

describe('ALLOWED_ORIGINS', () => {
  it('takes exact origins, in the form browsers send them', () => {
    expect(parseAllowedOrigins(' https://App.Example.com:443 , http://localhost:5173')).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(parseAllowedOrigins(undefined)).toEqual([]);
  });

  it('refuses a wildcard, a path or anything that is not an origin, at start-up', () => {
    for (const entry of ['*', 'null', 'https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'ftp://files.example.com']) {
      expect(() => parseAllowedOrigins(entry), entry).toThrow(/ALLOWED_ORIGINS/);
    }
  });
});

describe('the dashboard\'s Content-Security-Policy', () => {
  it('lets the page connect to its own origin only, not to any ws:/wss: host', async () => {
    const response = await fetch(`${url}/`, { redirect: 'manual' });
    const directives = (response.headers.get('content-security-policy') ?? '').split(';').map((directive) => directive.trim());
    expect(directives).toContain("connect-src 'self'");
  });
});
