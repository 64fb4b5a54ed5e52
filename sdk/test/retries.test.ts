// The SDK's retries against small real HTTP servers on loopback that answer as the test scripts
// them: Retry-After is honoured, backoff grows, the retry count and the deadline hold, every
// refusal is a typed error with the API's code and status, and every attempt of a call carries
// the same Idempotency-Key. Timings are only asserted as lower bounds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PogodocClient,
  PogodocError,
  PogodocIdempotencyError,
  PogodocNetworkError,
  PogodocTimeoutError,
  PogodocTokenError,
  type PogodocClientOptions,
} from '../src/index.js';
import { backoffMs, retryAfterSecondsOf } from '../src/retry.js';

type Answer = (request: IncomingMessage, response: ServerResponse) => void;

interface Arrival {
  at: number;
  headers: IncomingMessage['headers'];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server that answers its n-th request with answers[n] (the last one again after that). */
async function scriptedServer(...answers: Answer[]): Promise<{ url: string; arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  const server = createServer((request, response) => {
    arrivals.push({ at: performance.now(), headers: request.headers });
    const answer = answers[Math.min(arrivals.length, answers.length) - 1]!;
    request.resume();
    request.on('end', () => answer(request, response));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => (_request, response) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};
const refusal = (status: number, code: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}) =>
  json(status, { errors: [{ message: `refused: ${code}`, extensions: { code, ...extensions } }] }, headers);
const rendered = (documentCount = 1) =>
  json(200, { data: { renderDocument: { content: 'Invoice for Ada', tokenId: 'tok_1', documentCount, replayed: false } } });
const dropConnection: Answer = (request) => request.socket.destroy();
const neverAnswer: Answer = () => {};

const input = { template: 'Invoice for {{ customer }}', data: { customer: 'Ada' } };
const client = (url: string, options: PogodocClientOptions = {}) =>
  new PogodocClient({ token: 'pgd_test', baseUrl: url, envFile: '/nonexistent/.env', ...options });
const failureOf = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('the call succeeded'), (error: unknown) => error);
const gaps = (arrivals: Arrival[]) => arrivals.slice(1).map((arrival, i) => arrival.at - arrivals[i]!.at);
const keysOf = (arrivals: Arrival[]) => arrivals.map((arrival) => arrival.headers['idempotency-key']);

describe('retries', () => {
  it('a 429 with Retry-After: 1 is retried no sooner than a second later, with the same Idempotency-Key', async () => {
    const api = await scriptedServer(refusal(429, 'RATE_LIMITED', { 'retry-after': '1' }, { retryAfter: 1 }), rendered());
    const document = await client(api.url, { minRetryDelayMs: 10 }).renderDocument(input);
    expect(document).toEqual({ content: 'Invoice for Ada', tokenId: 'tok_1', documentCount: 1, replayed: false });
    expect(api.arrivals).toHaveLength(2);
    expect(gaps(api.arrivals)[0]).toBeGreaterThanOrEqual(1000);
    const [first, second] = keysOf(api.arrivals);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).toBe(first);
  });

  it('a 503 is retried with growing backoff up to maxRetries, then its error is thrown with code, status and attempts', async () => {
    const api = await scriptedServer(refusal(503, 'DATABASE_UNAVAILABLE', { 'retry-after': '0' }));
    const failure = await failureOf(client(api.url, { maxRetries: 2, minRetryDelayMs: 100 }).renderDocument(input));
    expect(failure).toBeInstanceOf(PogodocError);
    expect(failure).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503, retryable: true, attempts: 3 });
    expect(api.arrivals).toHaveLength(3);
    // equal jitter: the n-th wait is at least half of 100 ms × 2^n
    const [firstGap, secondGap] = gaps(api.arrivals);
    expect(firstGap).toBeGreaterThanOrEqual(50);
    expect(secondGap).toBeGreaterThanOrEqual(100);
    expect(new Set(keysOf(api.arrivals)).size).toBe(1);
  });

  it('network errors are retried with the same Idempotency-Key until an answer comes', async () => {
    const api = await scriptedServer(dropConnection, dropConnection, rendered(7));
    const document = await client(api.url, { minRetryDelayMs: 10 }).renderDocument(input);
    expect(document.documentCount).toBe(7);
    expect(api.arrivals).toHaveLength(3);
    expect(new Set(keysOf(api.arrivals)).size).toBe(1);
  });

  it('a connection that keeps failing ends in PogodocNetworkError after maxRetries', async () => {
    const api = await scriptedServer(dropConnection);
    const failure = await failureOf(client(api.url, { maxRetries: 1, minRetryDelayMs: 10 }).renderDocument(input));
    expect(failure).toBeInstanceOf(PogodocNetworkError);
    expect(failure).toMatchObject({ code: 'NETWORK_ERROR', status: undefined, attempts: 2 });
    expect(api.arrivals).toHaveLength(2);
  });

  it("a proxy's 502 page (not JSON) is retried, then thrown as HTTP_ERROR with its status", async () => {
    const api = await scriptedServer((_request, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    const failure = await failureOf(client(api.url, { maxRetries: 1, minRetryDelayMs: 10 }).renderDocument(input));
    expect(failure).toMatchObject({ code: 'HTTP_ERROR', status: 502, attempts: 2 });
    expect(api.arrivals).toHaveLength(2);
  });

  it('IDEMPOTENCY_KEY_IN_USE (409) is retried after its Retry-After and gets the result', async () => {
    const api = await scriptedServer(refusal(409, 'IDEMPOTENCY_KEY_IN_USE', { 'retry-after': '1' }), rendered(3));
    const document = await client(api.url, { minRetryDelayMs: 10 }).renderDocument(input);
    expect(document.documentCount).toBe(3);
    expect(gaps(api.arrivals)[0]).toBeGreaterThanOrEqual(1000);
  });

  it('IDEMPOTENCY_KEY_IN_USE is waited out within the deadline without using up maxRetries (an instance stopped mid-render holds the key until its claim lapses)', async () => {
    const inUse = refusal(409, 'IDEMPOTENCY_KEY_IN_USE', { 'retry-after': '0' });
    const api = await scriptedServer(inUse, inUse, inUse, inUse, rendered(5));
    const document = await client(api.url, { maxRetries: 1, minRetryDelayMs: 10, maxRetryDelayMs: 20 }).renderDocument(input);
    expect(document.documentCount).toBe(5);
    expect(api.arrivals).toHaveLength(5);
    expect(new Set(keysOf(api.arrivals)).size).toBe(1);
  });

  it('IDEMPOTENCY_KEY_IN_USE that outlasts the deadline ends the call at the deadline', async () => {
    const api = await scriptedServer(refusal(409, 'IDEMPOTENCY_KEY_IN_USE', { 'retry-after': '1' }));
    const failure = await failureOf(client(api.url, { maxRetries: 1, minRetryDelayMs: 10, timeoutMs: 2_500 }).renderDocument(input));
    // the refusal itself when the next wait would end past the deadline, or the deadline's
    // timeout when it passed during an attempt (a slow machine)
    if (failure instanceof PogodocTimeoutError) expect(failure.cause).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
    else expect(failure).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE', status: 409 });
    // one attempt a second, as Retry-After asks, within 2.5 s
    expect(api.arrivals.length).toBeGreaterThanOrEqual(2);
    expect(api.arrivals.length).toBeLessThanOrEqual(3);
  });

  it('maxRetries: 0 makes one attempt', async () => {
    const api = await scriptedServer(refusal(503, 'DATABASE_UNAVAILABLE', { 'retry-after': '0' }));
    const failure = await failureOf(client(api.url, { maxRetries: 0 }).renderDocument(input));
    expect(failure).toMatchObject({ code: 'DATABASE_UNAVAILABLE', attempts: 1 });
    expect(api.arrivals).toHaveLength(1);
  });
});

describe('the deadline', () => {
  it('ends a call whose answer does not come: PogodocTimeoutError, not before timeoutMs', async () => {
    const api = await scriptedServer(neverAnswer);
    const started = performance.now();
    const failure = await failureOf(client(api.url, { timeoutMs: 300 }).renderDocument(input));
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(failure).toBeInstanceOf(PogodocTimeoutError);
    expect(failure).toMatchObject({ code: 'TIMEOUT', attempts: 1 });
    expect(api.arrivals).toHaveLength(1);
  });

  it('covers retries and waits: a Retry-After past the deadline is not waited for, the refusal is thrown at once', async () => {
    const api = await scriptedServer(refusal(429, 'RATE_LIMITED', { 'retry-after': '30' }));
    const failure = await failureOf(client(api.url, { timeoutMs: 5_000 }).renderDocument(input));
    // had it waited, the deadline would have ended it as TIMEOUT instead
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 30, attempts: 1 });
    expect(api.arrivals).toHaveLength(1);
  });

  it("the caller's signal cancels a call while it waits to retry", async () => {
    const api = await scriptedServer(refusal(503, 'DATABASE_UNAVAILABLE', { 'retry-after': '20' }));
    const controller = new AbortController();
    const call = client(api.url).renderDocument(input, { signal: controller.signal });
    await expect.poll(() => api.arrivals.length).toBe(1);
    controller.abort();
    const failure = await failureOf(call);
    expect(failure).toMatchObject({ name: 'AbortError' });
    expect(api.arrivals).toHaveLength(1);
  });
});

describe('refusals', () => {
  it('a refused token is not retried: PogodocTokenError with the code and 401', async () => {
    const api = await scriptedServer(refusal(401, 'API_TOKEN_DELETED'));
    const failure = await failureOf(client(api.url).renderDocument(input));
    expect(failure).toBeInstanceOf(PogodocTokenError);
    expect(failure).toMatchObject({ code: 'API_TOKEN_DELETED', status: 401, retryable: false, attempts: 1, message: 'refused: API_TOKEN_DELETED' });
    expect(api.arrivals).toHaveLength(1);
  });

  it('a key reused for another request is PogodocIdempotencyError with 422, not retried', async () => {
    const api = await scriptedServer(refusal(422, 'IDEMPOTENCY_KEY_REUSED'));
    const failure = await failureOf(client(api.url).renderDocument(input, { idempotencyKey: 'invoice-42' }));
    expect(failure).toBeInstanceOf(PogodocIdempotencyError);
    expect(failure).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422, attempts: 1 });
    expect(keysOf(api.arrivals)).toEqual(['invoice-42']);
  });

  it('a template error (HTTP 200 with errors) is thrown with its code, not retried', async () => {
    const api = await scriptedServer(refusal(200, 'TEMPLATE_INVALID'));
    const failure = await failureOf(client(api.url).renderDocument(input));
    expect(failure).toMatchObject({ code: 'TEMPLATE_INVALID', status: 200, retryable: false });
    expect(api.arrivals).toHaveLength(1);
  });
});

describe('idempotency keys', () => {
  it('each call sends a key of its own; a key passed by the caller is sent as given', async () => {
    const api = await scriptedServer(rendered());
    const pogodoc = client(api.url);
    await pogodoc.renderDocument(input);
    await pogodoc.renderDocument(input);
    await pogodoc.renderDocument(input, { idempotencyKey: 'invoice-2024-0042' });
    const [first, second, third] = keysOf(api.arrivals);
    expect(first).not.toBe(second);
    expect(third).toBe('invoice-2024-0042');
  });
});

describe('the arithmetic', () => {
  it('backoff doubles per retry within [ceiling/2, ceiling], capped at maxRetryDelayMs', () => {
    const policy = { maxRetries: 9, baseDelayMs: 500, maxDelayMs: 8_000 };
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffMs(policy, retry, () => 0))).toEqual([250, 500, 1000, 2000, 4000, 4000]);
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffMs(policy, retry, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('Retry-After is read as seconds or as an HTTP date, else from extensions.retryAfter', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterSecondsOf('3', undefined, now)).toBe(3);
    expect(retryAfterSecondsOf('Tue, 01 Jan 2030 00:00:05 GMT', undefined, now)).toBe(5);
    expect(retryAfterSecondsOf(null, 2, now)).toBe(2);
    expect(retryAfterSecondsOf(null, undefined, now)).toBeUndefined();
  });
});
