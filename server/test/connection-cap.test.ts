// MAX_CONNECTIONS_PER_ADDRESS counts connections at work, as nginx's limit_conn does: a request
// past it is answered (429 with Retry-After), never reset, so that a client can always tell "not
// processed" from "lost"; idle keep-alive connections do not crowd out the next request or a
// WebSocket. Real sockets on a server reached directly (no TRUST_PROXY).
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

const RENDER = 'mutation($template: String!, $data: JSON!) { renderDocument(template: $template, data: $data) { content } }';

async function eventually(check: () => Promise<boolean>, what: string, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

/** Opens a graphql-ws WebSocket; resolves with its handshake's outcome (the HTTP refusal, if any). */
function openWebSocket(url: string): Promise<{ opened: true; socket: WebSocket } | { opened: false; status?: number; retryAfter?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    socket.once('open', () => resolve({ opened: true, socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ opened: false, status: response.statusCode, retryAfter: response.headers['retry-after'] });
      response.resume();
    });
    socket.once('error', (error) => resolve({ opened: false, error: error.message }));
  });
}

describe('connections per address', () => {
  const max = 10;
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: 0, limits: { ...limitsFromEnv({}), maxConnectionsPerAddress: max } });
    url = await t.app.start(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  it('300 concurrent document requests from one address each get an answer (200, or 429 with Retry-After); a WebSocket right after connects', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const { secret } = await t.generateToken(session);
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        try {
          const response = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...bearer(secret) },
            body: JSON.stringify({ query: RENDER, variables: { template: 'Invoice {{ n }}', data: { n: i } } }),
          });
          const body = await response.text();
          if (response.status === 200 && body.includes(`Invoice ${i}`)) return 'answered';
          if (response.status === 429 && response.headers.get('retry-after') === '1' && body.includes('RATE_LIMITED')) return 'refused, retry after';
          return `unexpected: ${response.status} ${body.slice(0, 200)}`;
        } catch (error) {
          return `lost: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`;
        }
      }),
    );
    expect(outcomes.filter((outcome) => outcome !== 'answered' && outcome !== 'refused, retry after')).toEqual([]);
    expect(outcomes).toContain('answered');

    // the burst's idle keep-alive connections are still open, and do not count
    const webSocket = await openWebSocket(url);
    expect(webSocket).toMatchObject({ opened: true });
    if (webSocket.opened) webSocket.socket.close();
  });

  it('past the cap of connections at work, a request and a WebSocket upgrade are answered 429 with Retry-After; idle connections never count', async () => {
    // idle connections: one that sent nothing, and one between requests
    const idle: Socket[] = Array.from({ length: max + 2 }, () => connect(Number(new URL(url).port), '127.0.0.1').on('error', () => {}));
    expect((await fetch(`${url}/health`)).status).toBe(200);

    // requests in progress: their bodies never end
    const held = Array.from({ length: max }, () => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      socket.on('error', () => {});
      socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query"');
      return socket;
    });
    let refused: Response | undefined;
    await eventually(async () => {
      const response = await fetch(`${url}/health`);
      if (response.status === 429) refused = response;
      return response.status === 429;
    }, 'the held requests counted');
    expect(refused!.headers.get('retry-after')).toBe('1');
    expect(refused!.headers.get('connection')).toBe('close');
    expect(await openWebSocket(url)).toEqual({ opened: false, status: 429, retryAfter: '1' });

    // their places come back when they end
    held.forEach((socket) => socket.destroy());
    await eventually(async () => (await fetch(`${url}/health`)).status === 200, 'the places given back');
    const webSocket = await openWebSocket(url);
    expect(webSocket).toMatchObject({ opened: true });
    if (webSocket.opened) webSocket.socket.close();
    idle.forEach((socket) => socket.destroy());
  });
});
