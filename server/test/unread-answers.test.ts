// Clients that ask for large documents and never read the answers: what they hold of the server
// is counted, a connection that makes no write progress is closed, a request pipelined behind an
// unread answer is never started, and new large answers are refused while the unsent ones fill
// HTTP_MAX_UNSENT_BYTES. Real sockets on a real server; every wait is for an event or a state.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv, type Limits } from '../src/config.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

const defaults = limitsFromEnv({});
/** ~8 MB of output: more than the loopback socket buffers take from a client that does not read. */
const LARGE_TEMPLATE = `{% for i in (1..80000) %}${'x'.repeat(99)}\n{% endfor %}`;
const RENDER = 'mutation($template: String!) { renderDocument(template: $template, data: {}) { content documentCount } }';
const largeLimits = (overrides: Partial<Limits>): Limits => ({
  ...defaults,
  renderMaxOutputBytes: 8 * 1024 * 1024,
  // the 8 MB render must not end on a busy machine's clock
  renderTimeoutMs: 20_000,
  ...overrides,
});

/** Waits until `check` holds, polling; for state the server changes on its own. */
async function eventually(check: () => boolean | Promise<boolean>, what: string, attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

/** The raw HTTP/1.1 bytes of a renderDocument request. */
function renderRequest(secret: string, template: string): string {
  const body = JSON.stringify({ query: RENDER, variables: { template } });
  return `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer ${secret}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * A client that sends `requests` (pipelined, in one write) and never reads. (A paused socket does
 * not notice the server's reset, so the tests watch the server's side.)
 */
function nonReader(port: number, requests: string[]): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => {}); // the server resets it
  socket.write(requests.join(''));
  return socket;
}

async function businessToken(t: TestApp): Promise<string> {
  const { session } = await t.signUp({ plan: 'business' });
  return (await t.generateToken(session)).secret;
}

describe('connections that do not read their answers', () => {
  let t: TestApp;
  let url: string;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: 0, limits: largeLimits({ httpWriteStallTimeoutMs: 1000 }) });
    url = await t.app.start(0, '127.0.0.1');
    port = Number(new URL(url).port);
  });
  afterAll(() => t.close());

  it('are counted while they hold an unsent answer, and closed once it makes no progress; others are answered meanwhile', async () => {
    const secret = await businessToken(t);
    const closedBefore = t.app.unsentAnswers.connectionsClosedForNoProgress();
    const clients = Array.from({ length: 3 }, () => nonReader(port, [renderRequest(secret, LARGE_TEMPLATE)]));
    await eventually(() => t.app.unsentAnswers.unsentBytes() > 1024 * 1024, 'unsent answers counted');
    // another client's cheap query is answered while they stall
    const cheap = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ plans { id } }' }) });
    expect(cheap.status).toBe(200);
    await eventually(() => t.app.unsentAnswers.connectionsClosedForNoProgress() === closedBefore + clients.length, 'the stalled connections closed');
    await eventually(() => t.app.unsentAnswers.unsentBytes() === 0, 'their unsent bytes are freed');
    clients.forEach((client) => client.destroy());
  });

  it('a request pipelined behind an unread answer is never started', async () => {
    const secret = await businessToken(t);
    const closedBefore = t.app.unsentAnswers.connectionsClosedForNoProgress();
    const client = nonReader(port, [renderRequest(secret, LARGE_TEMPLATE), renderRequest(secret, LARGE_TEMPLATE), renderRequest(secret, 'small')]);
    await eventually(() => t.app.unsentAnswers.connectionsClosedForNoProgress() === closedBefore + 1, 'the stalled connection closed');
    client.destroy();
    // one document was made for that connection: the next render of the token is its second
    const next = await t.renderDocument(secret, 'after');
    expect(next.data?.renderDocument.documentCount).toBe(2);
  });
});

describe('a client that reads slowly', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: 0, limits: largeLimits({ httpWriteStallTimeoutMs: 3000 }) });
    port = Number(new URL(await t.app.start(0, '127.0.0.1')).port);
  });
  afterAll(() => t.close());

  it('a client that reads slowly but steadily is not cut, however long its answer takes', async () => {
    const secret = await businessToken(t);
    const closedBefore = t.app.unsentAnswers.connectionsClosedForNoProgress();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(renderRequest(secret, LARGE_TEMPLATE));
    const chunks: Buffer[] = [];
    let received = 0;
    let expected = Infinity;
    const complete = new Promise<string>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (expected === Infinity) {
          const head = Buffer.concat(chunks).toString('latin1');
          const headerEnd = head.indexOf('\r\n\r\n');
          if (headerEnd > 0) expected = headerEnd + 4 + Number(/content-length: (\d+)/i.exec(head)?.[1]);
        }
        if (received >= expected) {
          const text = Buffer.concat(chunks).toString('utf8');
          return resolve(text.slice(text.indexOf('\r\n\r\n') + 4));
        }
        // a pause after every chunk (at most 64 KiB): 8 MB take at least 128 × 30 ms, longer than
        // the stall timeout, but never stop (the server sees progress as the system's socket
        // buffers, megabytes on loopback, take more of it)
        socket.pause();
        setTimeout(() => socket.resume(), 30);
      });
      socket.once('close', () => reject(new Error(`closed after ${received} bytes`)));
    });
    const body = JSON.parse(await complete) as { data: { renderDocument: { content: string } } };
    expect(body.data.renderDocument.content.length).toBe(80000 * 100);
    expect(t.app.unsentAnswers.connectionsClosedForNoProgress()).toBe(closedBefore);
    socket.destroy();
  });

});

describe('the total of unsent answers', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    // a total that one unread answer passes, and no stall timeout: the test ends the stalled
    // client itself
    t = await createTestApp({ trustProxy: 0, limits: largeLimits({ httpWriteStallTimeoutMs: 0, httpMaxUnsentBytes: 1024 * 1024 }) });
    url = await t.app.start(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  const post = (query: string, variables: Record<string, unknown>, secret?: string) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? bearer(secret) : {}) }, body: JSON.stringify({ query, variables }) });

  it('a burst of large-answer requests from clients that read is answered, none refused', async () => {
    const secret = await businessToken(t);
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post(RENDER, { template: `Hello ${i}` }, secret)));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
  });

  it('past HTTP_MAX_UNSENT_BYTES a large answer is refused with 429 and Retry-After before anything is rendered or counted; cheap queries are answered', async () => {
    const secret = await businessToken(t);
    const stalled = nonReader(Number(new URL(url).port), [renderRequest(secret, LARGE_TEMPLATE)]);
    await eventually(() => t.app.unsentAnswers.unsentBytes() > 1024 * 1024, 'the unread answer counted');

    const refused = await post(RENDER, { template: 'Hello' }, secret);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    const body = (await refused.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    expect((await post('{ plans { id } }', {})).status).toBe(200);

    stalled.destroy();
    await eventually(() => t.app.unsentAnswers.unsentBytes() === 0, 'the closed connection freed');
    const accepted = await post(RENDER, { template: 'Hello' }, secret);
    expect(accepted.status).toBe(200);
    // the refused render counted nothing: this is the token's second document
    expect(((await accepted.json()) as { data: { renderDocument: { documentCount: number } } }).data.renderDocument.documentCount).toBe(2);
  });
});

describe('a burst of large-answer requests that all arrive before any answer is unsent', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp({ trustProxy: 0, metrics: true, limits: largeLimits({ httpWriteStallTimeoutMs: 0, httpMaxUnsentBytes: 1024 * 1024 }) });
    url = await t.app.start(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  /** Renders ended so far, by outcome, from the service's own metrics. */
  async function renderOutcomes(): Promise<Record<string, number>> {
    const text = await (await fetch(`${url}/metrics`)).text();
    const outcomes: Record<string, number> = {};
    for (const [, outcome, count] of text.matchAll(/^pogodoc_render_duration_seconds_count\{outcome="([A-Z_]+)"\} (\d+)$/gm)) outcomes[outcome!] = Number(count);
    return outcomes;
  }

  it('is bounded too: once the unsent answers pass the total, the renders that have not started yet are refused', async () => {
    const secret = await businessToken(t);
    const port = Number(new URL(url).port);
    // thirty clients that never read, each asking for ~8 MB: all are waiting for a renderer
    // before the first answer exists, so only the check at each render's start can refuse them
    const clients = Array.from({ length: 30 }, () => nonReader(port, [renderRequest(secret, LARGE_TEMPLATE)]));
    await eventually(async () => {
      const outcomes = await renderOutcomes();
      return (outcomes.OK ?? 0) + (outcomes.RATE_LIMITED ?? 0) === 30;
    }, 'every render made or refused');
    const outcomes = await renderOutcomes();
    // the renders already running when the total was passed are made; the rest are refused
    expect(outcomes.RATE_LIMITED).toBeGreaterThanOrEqual(20);
    expect(t.app.unsentAnswers.unsentBytes()).toBeLessThan(10 * 9 * 1024 * 1024);
    // the operator sees it too
    const unsent = Number(/^pogodoc_http_unsent_answer_bytes (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    expect(unsent).toBeGreaterThan(1024 * 1024);
    for (const client of clients) client.destroy();
  });
});
