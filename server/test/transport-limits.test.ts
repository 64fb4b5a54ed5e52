// What one client can hold of the transports: live connections per account on every transport,
// how long a request may trickle in, and what a malformed WebSocket
// frame costs (a close code, not a line on stderr).
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { captureLog } from './support/log-lines.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

const defaults = limitsFromEnv({});
const ALL_TOKENS = 'subscription { documentCount { tokenId documentCount } }';

/** Waits until `check` holds, polling; for state the server changes after a client goes away. */
async function eventually(check: () => Promise<boolean>, what: string, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

describe('live connections per account, over every transport', () => {
  const max = 3;
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp({ limits: { ...defaults, wsMaxConnectionsPerAccount: max } });
    url = await t.app.start(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  /**
   * An HTTP (server-sent events) subscription on a connection of its own; resolves once its first
   * event or its error has arrived. (node:http rather than fetch: fetch's pool opens spare
   * connections that would hold the server's shutdown.)
   */
  function sse(session: string): Promise<{ text: string; close: () => void }> {
    return new Promise((resolve, reject) => {
      const body = JSON.stringify({ query: ALL_TOKENS });
      const request = httpRequest(`${url}/graphql`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'text/event-stream', ...bearer(session) },
      });
      request.on('error', reject);
      request.on('response', (response) => {
        let text = '';
        const close = () => request.destroy();
        response.on('data', (chunk) => {
          text += chunk;
          if (/"(data|errors)"/.test(text)) resolve({ text, close });
        });
        response.on('end', () => resolve({ text, close }));
      });
      request.end(body);
    });
  }

  it('HTTP subscriptions past WS_MAX_CONNECTIONS_PER_ACCOUNT get SUBSCRIPTION_LIMIT_REACHED, counted together with WebSockets', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session); // so that each stream starts with a count
    const open = [];
    for (let i = 0; i < max; i++) open.push(await sse(session));
    expect(open.map((stream) => stream.text)).toEqual(Array(max).fill(expect.stringContaining('"documentCount":0')));

    const refused = await sse(session);
    expect(refused.text).toContain('"code":"SUBSCRIPTION_LIMIT_REACHED"');
    expect(refused.text).not.toContain('"data"');
    // the streams hold the account's places on the WebSocket too
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    expect(await collect(client, ALL_TOKENS).waitForError()).toMatchObject({ code: 1013 });
    await client.dispose();

    // another account is not affected
    const other = await t.signUp();
    await t.generateToken(other.session);
    const theirs = await sse(other.session);
    expect(theirs.text).not.toContain('SUBSCRIPTION_LIMIT_REACHED');
    theirs.close();

    // a stream that ends gives its place back
    open.pop()!.close();
    await eventually(async () => {
      const retry = await sse(session);
      retry.close();
      return !retry.text.includes('SUBSCRIPTION_LIMIT_REACHED');
    }, 'a place freed by a closed stream');
    open.forEach((stream) => stream.close());
  });
});

describe('slow clients', () => {
  const limits = { ...defaults, maxConnectionsPerAddress: 4, httpHeadersTimeoutMs: 400, httpRequestTimeoutMs: 800 };
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    // a server reached directly (no TRUST_PROXY), so that the peer's address is the client's
    t = await createTestApp({ trustProxy: 0, limits });
    port = Number(new URL(await t.app.start(0, '127.0.0.1')).port);
  });
  afterAll(() => t.close());

  /** A raw TCP client that writes `data` and never finishes; resolves with what it got when it is closed. */
  function slowSocket(data: string): { socket: Socket; answer: Promise<string> } {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', () => {}); // a destroyed socket may be reset
    return { socket, answer: new Promise((resolve) => socket.once('close', () => resolve(received))) };
  }

  it('connections whose headers never end get 408 after HTTP_HEADERS_TIMEOUT_MS, however many: they are not at work, so MAX_CONNECTIONS_PER_ADDRESS does not count them', async () => {
    const sockets = Array.from({ length: limits.maxConnectionsPerAddress + 3 }, (_, i) =>
      // slowloris: a request line and a header, then nothing; and a connection that sends nothing at all
      slowSocket(i % 2 ? 'POST /graphql HTTP/1.1\r\nHost: localhost\r\n' : ''),
    );
    const answers = await Promise.all(sockets.map((socket) => socket.answer));
    expect(answers.filter((answer) => !answer.startsWith('HTTP/1.1 408'))).toEqual([]);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
  });

  it('a request whose body never arrives gets 408 after HTTP_REQUEST_TIMEOUT_MS', async () => {
    const { answer } = slowSocket('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query"');
    expect(await answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('malformed WebSocket frames', () => {
  const limits = { ...defaults, wsMaxPayloadBytes: 4096 };
  const log = captureLog();
  let t: TestApp;
  let wsUrl: string;
  beforeAll(async () => {
    t = await createTestApp({ limits, logging: 'warn' }, { logDestination: log.destination });
    wsUrl = `${(await t.app.start(0, '127.0.0.1')).replace('http', 'ws')}/graphql`;
  });
  afterAll(() => t.close());
  afterEach(() => vi.restoreAllMocks());

  /** Sends connection_init, then `frame` as it is; resolves with the close code. */
  async function closeCodeFor(session: string, frame: string | Buffer): Promise<number> {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } }));
    await new Promise((resolve) => socket.once('message', resolve)); // connection_ack
    // a Buffer goes out as a text frame of exactly those bytes
    socket.send(frame, { binary: false });
    return closed;
  }

  it('get their close code by the protocol, and nothing on stderr or in the log', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const consoleError = vi.spyOn(console, 'error');
    const { session } = await t.signUp();
    const cases: Array<[string, string | Buffer, number]> = [
      ['invalid JSON', '{not json', 4400],
      ['not a message', '[1,2]', 4400],
      ['a server-only next', JSON.stringify({ type: 'next', id: '1', payload: {} }), 4400],
      ['a server-only connection_ack', JSON.stringify({ type: 'connection_ack' }), 4400],
      ['a server-only error', JSON.stringify({ type: 'error', id: '1', payload: [] }), 4400],
      ['a subscribe without a query', JSON.stringify({ type: 'subscribe', id: '1', payload: {} }), 4400],
      ['a frame over WS_MAX_PAYLOAD_BYTES', 'x'.repeat(limits.wsMaxPayloadBytes + 1), 1009],
      ['a text frame of invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 1007],
    ];
    const codes: Record<string, number> = {};
    for (const [name, frame] of cases) codes[name] = await closeCodeFor(session, frame);
    expect(codes).toEqual(Object.fromEntries(cases.map(([name, , code]) => [name, code])));
    // the server's side of each close has run by the time the server answers the next request
    expect((await t.gql('{ plans { id } }')).data.plans.length).toBeGreaterThan(0);
    const printed = [...stderr.mock.calls, ...consoleError.mock.calls].map((call) => String(call[0]));
    expect(printed.filter((line) => /error|internal/i.test(line))).toEqual([]);
    expect(log.lines()).toEqual([]);
  });
});
