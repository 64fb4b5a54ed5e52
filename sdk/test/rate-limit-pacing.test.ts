// Pacing by the RateLimit headers: a client whose last answer said a window is used up waits for it
// to start again instead of sending requests the API can only refuse; its concurrent calls share
// the windows, so no more go than there is room for; a wait past maxRateLimitWaitMs or the deadline
// is refused at once, locally, with RATE_LIMITED. The pacer's arithmetic is tested on a clock the
// test moves; the client against small HTTP servers on loopback. Timings are only lower bounds.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PogodocClient, PogodocError, type PogodocClientOptions } from '../src/index.js';
import { RateLimitPacer, type RateLimitBlocked, type RateLimitSlot } from '../src/rate-limit-pacer.js';

const headersOf = (policy: string, state: string) => new Headers({ 'RateLimit-Policy': policy, RateLimit: state });
const isSlot = (result: RateLimitSlot | RateLimitBlocked): result is RateLimitSlot => 'done' in result;

function pacerAt(start = 1_000) {
  let now = start;
  const pacer = new RateLimitPacer(() => now);
  return { pacer, advance: (ms: number) => (now += ms) };
}

describe('the pacer', () => {
  it('lets every request go while nothing is known', () => {
    const { pacer } = pacerAt();
    const slots = Array.from({ length: 20 }, () => pacer.tryAcquire());
    expect(slots.every(isSlot)).toBe(true);
    expect(pacer.snapshot).toBeUndefined();
  });

  it('holds requests while a window is used up, until it starts again; then lets its quota go, and no more', () => {
    const { pacer, advance } = pacerAt();
    pacer.acquire().done(headersOf('"per-second";q=3;w=2', '"per-second";r=0;t=2'));
    expect(pacer.tryAcquire()).toEqual({ name: 'per-second', waitMs: 2000 });
    advance(1500);
    expect(pacer.tryAcquire()).toEqual({ name: 'per-second', waitMs: 500 });
    advance(500);
    // the window started again: its quota of 3, the requests on their way counted against it
    const slots = [pacer.tryAcquire(), pacer.tryAcquire(), pacer.tryAcquire()];
    expect(slots.every(isSlot)).toBe(true);
    expect(pacer.tryAcquire()).toEqual({ name: 'per-second', waitMs: 2000 });
  });

  it('counts requests on their way: with 2 left, the third waits; a request that ends without an answer frees its place', () => {
    const { pacer } = pacerAt();
    pacer.acquire().done(headersOf('"m";q=10;w=60', '"m";r=2;t=40'));
    const first = pacer.tryAcquire();
    const second = pacer.tryAcquire();
    expect(isSlot(first) && isSlot(second)).toBe(true);
    expect(pacer.tryAcquire()).toEqual({ name: 'm', waitMs: 40_000 });
    (first as RateLimitSlot).done();
    const third = pacer.tryAcquire();
    expect(isSlot(third)).toBe(true);
    // the second's answer: the API counted the second and, before it, the third
    (second as RateLimitSlot).done(headersOf('"m";q=10;w=60', '"m";r=0;t=39'));
    expect(pacer.tryAcquire()).toEqual({ name: 'm', waitMs: 39_000 });
  });

  it('waits for the longest of the used-up windows', () => {
    const { pacer } = pacerAt();
    pacer.acquire().done(headersOf('"per-second";q=10;w=1, "per-minute";q=600;w=60', '"per-second";r=0;t=1, "per-minute";r=0;t=42'));
    expect(pacer.tryAcquire()).toEqual({ name: 'per-minute', waitMs: 42_000 });
    pacer.acquire().done(headersOf('"per-second";q=10;w=1, "per-minute";q=600;w=60', '"per-second";r=0;t=1, "per-minute";r=599;t=42'));
    expect(pacer.tryAcquire()).toEqual({ name: 'per-second', waitMs: 1000 });
  });

  it('an answer without readable RateLimit headers keeps what the last one said', () => {
    const { pacer } = pacerAt();
    pacer.acquire().done(headersOf('"token";q=3;w=60', '"token";r=0;t=60'));
    const before = pacer.snapshot;
    pacer.acquire().done(new Headers());
    pacer.acquire().done(headersOf('garbage', '"token";r=lots'));
    pacer.acquire().done();
    expect(pacer.snapshot).toBe(before);
    expect(pacer.tryAcquire()).toEqual({ name: 'token', waitMs: 60_000 });
  });

  it('without t, a used-up window is taken to last a whole window (w); without either, the API decides', () => {
    const { pacer } = pacerAt();
    pacer.acquire().done(headersOf('"a";q=5;w=10', '"a";r=0'));
    expect(pacer.tryAcquire()).toEqual({ name: 'a', waitMs: 10_000 });
    pacer.acquire().done(headersOf('', '"a";r=0'));
    expect(isSlot(pacer.tryAcquire())).toBe(true);
  });

  it('its snapshot is what the last answer said, with when each window starts again, and cannot be changed', () => {
    const { pacer } = pacerAt();
    const before = Date.now();
    pacer.acquire().done(headersOf('"per-second";q=10;w=1, "per-minute";q=600;w=60', '"per-second";r=9;t=1, "per-minute";r=599;t=42'));
    const snapshot = pacer.snapshot!;
    expect(snapshot.policies).toEqual([
      { name: 'per-second', quota: 10, windowSeconds: 1 },
      { name: 'per-minute', quota: 600, windowSeconds: 60 },
    ]);
    expect(snapshot.states.map(({ name, remaining, resetSeconds }) => ({ name, remaining, resetSeconds }))).toEqual([
      { name: 'per-second', remaining: 9, resetSeconds: 1 },
      { name: 'per-minute', remaining: 599, resetSeconds: 42 },
    ]);
    expect(snapshot.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(snapshot.states[1]!.resetsAt!.getTime()).toBe(snapshot.receivedAt.getTime() + 42_000);
    expect(Object.isFrozen(snapshot) && Object.isFrozen(snapshot.states) && Object.isFrozen(snapshot.states[0])).toBe(true);
    expect(() => ((snapshot.states[0] as { remaining: number }).remaining = 10)).toThrow(TypeError);
  });
});

// A server with the API's two windows, counted as fixed windows that start at their first request
// (as the API's counters do); past the per-second quota it answers 429 with Retry-After.
async function limitedServer({ perSecond, perMinute = 600 }: { perSecond: number; perMinute?: number }) {
  const arrivals: number[] = [];
  let refusals = 0;
  const windows = [
    { name: 'per-second', quota: perSecond, ms: 1000, start: -Infinity, used: 0 },
    { name: 'per-minute', quota: perMinute, ms: 60_000, start: -Infinity, used: 0 },
  ];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const now = performance.now();
      arrivals.push(now);
      for (const window of windows) if (now - window.start >= window.ms) Object.assign(window, { start: now, used: 0 });
      const refused = windows.some((window) => window.used >= window.quota);
      if (!refused) for (const window of windows) window.used++;
      const resetOf = (window: (typeof windows)[number]) => Math.ceil((window.start + window.ms - now) / 1000);
      const headers = {
        'content-type': 'application/json',
        'ratelimit-policy': windows.map((window) => `"${window.name}";q=${window.quota};w=${window.ms / 1000}`).join(', '),
        ratelimit: windows.map((window) => `"${window.name}";r=${window.quota - window.used};t=${resetOf(window)}`).join(', '),
      };
      if (refused) {
        refusals++;
        const retryAfter = Math.max(...windows.filter((window) => window.used >= window.quota).map(resetOf));
        response
          .writeHead(429, { ...headers, 'retry-after': String(retryAfter) })
          .end(JSON.stringify({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfter } }] }));
        return;
      }
      response.writeHead(200, headers).end(JSON.stringify({ data: { renderDocument: { content: 'ok', tokenId: 'tok_1', documentCount: arrivals.length, replayed: false } } }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, refusals: () => refusals };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const input = { template: 'Invoice for {{ customer }}', data: { customer: 'Ada' } };
// maxRetries 0: a 429 would fail the call rather than be retried out of sight
const client = (url: string, options: PogodocClientOptions = {}) =>
  new PogodocClient({ token: 'pgd_test', baseUrl: url, envFile: '/nonexistent/.env', maxRetries: 0, ...options });
const failureOf = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('the call succeeded'), (error: unknown) => error);

describe('a client paced by the RateLimit headers', () => {
  it('after the answer that used up the window, the next call waits for it to start again instead of meeting a 429', async () => {
    const api = await limitedServer({ perSecond: 2 });
    const pogodoc = client(api.url);
    await pogodoc.renderDocument(input);
    await pogodoc.renderDocument(input);
    expect(pogodoc.rateLimit?.states.find((state) => state.name === 'per-second')).toMatchObject({ remaining: 0, resetSeconds: 1 });
    await pogodoc.renderDocument(input);
    expect(api.refusals()).toBe(0);
    expect(api.arrivals[2]! - api.arrivals[1]!).toBeGreaterThanOrEqual(1000);
  });

  it('concurrent calls on a used-up window all wait for its reset, and only as many go as each window has room for', async () => {
    const api = await limitedServer({ perSecond: 2 });
    const pogodoc = client(api.url);
    await pogodoc.renderDocument(input);
    await pogodoc.renderDocument(input);
    const documents = await Promise.all(Array.from({ length: 5 }, () => pogodoc.renderDocument(input)));
    expect(documents).toHaveLength(5);
    expect(api.refusals()).toBe(0);
    // none went before the used-up window started again
    const waited = api.arrivals.slice(2);
    expect(Math.min(...waited) - api.arrivals[1]!).toBeGreaterThanOrEqual(1000);
    // 2 a second: the fifth of them is in the third window after the first two
    expect(waited[4]! - waited[0]!).toBeGreaterThanOrEqual(2000);
  });

  it('maxRateLimitWaitMs: 0 refuses a call on a used-up window at once with RATE_LIMITED, and sends nothing', async () => {
    const api = await limitedServer({ perSecond: 10, perMinute: 1 });
    const pogodoc = client(api.url, { maxRateLimitWaitMs: 0 });
    await pogodoc.renderDocument(input);
    const failure = await failureOf(pogodoc.renderDocument(input));
    expect(failure).toBeInstanceOf(PogodocError);
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', status: undefined, retryable: true, attempts: 0 });
    expect((failure as PogodocError).retryAfterSeconds).toBeGreaterThan(50);
    expect((failure as PogodocError).message).toContain('"per-minute"');
    expect(api.arrivals).toHaveLength(1);
  });

  it('a wait that would end past timeoutMs is not begun: RATE_LIMITED at once, not TIMEOUT', async () => {
    const api = await limitedServer({ perSecond: 10, perMinute: 1 });
    const pogodoc = client(api.url, { timeoutMs: 5_000 });
    await pogodoc.renderDocument(input);
    const started = performance.now();
    const failure = await failureOf(pogodoc.renderDocument(input));
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', attempts: 0 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(api.arrivals).toHaveLength(1);
  });

  it("the caller's signal cancels a call while it waits for the window", async () => {
    const api = await limitedServer({ perSecond: 10, perMinute: 1 });
    // room for the minute's whole wait, so that it is begun (the defaults put its end at the deadline)
    const pogodoc = client(api.url, { timeoutMs: 120_000, maxRateLimitWaitMs: 120_000 });
    await pogodoc.renderDocument(input);
    const controller = new AbortController();
    const call = pogodoc.renderDocument(input, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await failureOf(call)).toMatchObject({ name: 'AbortError' });
    expect(api.arrivals).toHaveLength(1);
  });

  it('respectRateLimit: false sends anyway, and the API refuses with 429', async () => {
    const api = await limitedServer({ perSecond: 1 });
    const pogodoc = client(api.url, { respectRateLimit: false });
    await pogodoc.renderDocument(input);
    const failure = await failureOf(pogodoc.renderDocument(input));
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', status: 429, attempts: 1 });
    expect(api.arrivals).toHaveLength(2);
    // the refusal's headers are read too
    expect(pogodoc.rateLimit?.states.find((state) => state.name === 'per-second')?.remaining).toBe(0);
  });
});
