// What an operator reads: the JSON log, one line per request with its id, operation, outcome and
// duration; and the Prometheus metrics, scraped over HTTP and read strictly, moving with real
// requests over HTTP and WebSocket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateSecret } from '../src/domain/secrets.js';
import { generateWebhookSecret } from '../src/domain/webhooks.js';
import { createLogger } from '../src/observability/logger.js';
import type { SqlDriver } from '../src/persistence/sql-driver.js';
import { captureLog, LEVEL, type LogLine } from './support/log-lines.js';
import { parsePrometheusText, type Scrape } from './support/prometheus-text.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RENDER = 'mutation($t: String!, $d: JSON!) { renderDocument(template: $t, data: $d) { documentCount } }';

const log = captureLog();
let t: TestApp;
let url: string;
// the next token lookup (the first statement of a document request) fails as a broken disk
// would: an unexpected error. Only that statement: the instance's background work (the webhook
// poll, the sweeps) reads through the same driver and must not take the failure meant for a request.
let failNextStatement = false;
// the same for the next list of active tokens (a dashboard's read, over WebSocket too)
let failNextTokenList = false;

beforeAll(async () => {
  t = await createTestApp(
    { logging: 'info', metrics: true },
    {
      logDestination: log.destination,
      wrapSqlDriver: (driver: SqlDriver): SqlDriver => ({
        rows(statement, params) {
          if (failNextStatement && statement.name === 'token_for_authentication') {
            failNextStatement = false;
            return Promise.reject(new Error('simulated disk failure'));
          }
          if (failNextTokenList && statement.name === 'tokens_active') {
            failNextTokenList = false;
            return Promise.reject(new Error('simulated disk failure on a list'));
          }
          return driver.rows(statement, params);
        },
        transaction: (steps) => driver.transaction(steps),
        onAuditCommitted: (listener) => driver.onAuditCommitted(listener),
      }),
    },
  );
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { requestId: response.headers.get('x-request-id'), body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
}

/** The lines written for one request. */
const linesOf = (requestId: string | null): LogLine[] => log.lines().filter((line) => line.reqId === requestId);

async function scrape(from = url): Promise<Scrape> {
  const response = await fetch(`${from}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe('logs', () => {
  it('are JSON lines; each request has one summary line with its id, operation, outcome code and duration', async () => {
    const { requestId } = await post('{ plans { id } }', {}, { 'x-request-id': 'edge-7f3a.01:trace' });
    expect(requestId).toBe('edge-7f3a.01:trace');
    const [summary, ...others] = linesOf(requestId).filter((line) => line.msg === 'request');
    expect(others).toEqual([]);
    expect(summary).toMatchObject({ level: LEVEL.info, reqId: 'edge-7f3a.01:trace', method: 'POST', path: '/graphql', status: 200, operation: 'plans', code: 'OK' });
    expect(summary!.durationMs).toBeTypeOf('number');

    const refused = await post(RENDER, { t: 'x', d: {} }, bearer('pgd_not-a-token'));
    expect(refused.requestId).toMatch(UUID); // none sent: one is made
    expect(linesOf(refused.requestId)).toMatchObject([{ msg: 'request', status: 401, operation: 'renderDocument', code: 'API_TOKEN_MALFORMED' }]);

    // expected errors are the client's: a summary line, and no error line
    const badVariable = await post('query($status: TokenStatus) { tokens(status: $status) { id } }', { status: 'NOPE' });
    expect(linesOf(badVariable.requestId)).toMatchObject([{ msg: 'request', status: 400, code: 'BAD_USER_INPUT' }]);
  });

  it('replace a hostile X-Request-Id with one of their own', async () => {
    const { session } = await t.signUp();
    const { secret } = await t.generateToken(session);
    const hostile = ['x'.repeat(129), 'two words', '"quoted"', 'a\tb', '{"level":60}', 'ünïcode', secret, `trace-${secret}`];
    for (const id of hostile) {
      const { requestId } = await post('{ plans { id } }', {}, { 'x-request-id': id });
      expect(requestId).toMatch(UUID);
      expect(linesOf(requestId)).toHaveLength(1);
    }
    expect(log.raw.join('\n')).not.toContain(secret);
  });

  it('give a WebSocket connection an id too, echoed in its upgrade response', async () => {
    const echoed = async (id: string) => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { 'x-request-id': id } });
      const header = await new Promise<string | string[] | undefined>((resolve, reject) => {
        socket.once('upgrade', (response) => resolve(response.headers['x-request-id']));
        socket.once('error', reject);
      });
      socket.close();
      return header;
    };
    expect(await echoed('ws-trace-42')).toBe('ws-trace-42');
    expect(await echoed('not safe; at all')).toMatch(UUID);
  });

  it("carry a WebSocket connection's id on the lines of its operations' unexpected errors", async () => {
    const { session } = await t.signUp();
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` }, headers: { 'x-request-id': 'ws-ops-7' } });
    failNextTokenList = true;
    const read = collect(client, '{ tokens { id } }');
    const errors = (await read.waitForError()) as Array<{ extensions?: { code?: string } }>;
    read.dispose();
    await client.dispose();
    expect(errors.map((error) => error.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    const failures = log.lines().filter((line) => line.level === LEVEL.error && JSON.stringify(line).includes('simulated disk failure on a list'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reqId: 'ws-ops-7', err: { message: 'simulated disk failure on a list' } });
  });

  it('carry the request id on the lines of an unexpected error too', async () => {
    const { session } = await t.signUp();
    const { secret } = await t.generateToken(session);
    failNextStatement = true;
    const { requestId, body } = await post(RENDER, { t: 'x', d: {} }, bearer(secret));
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    const lines = linesOf(requestId);
    expect(lines.find((line) => line.level === LEVEL.error)).toMatchObject({ err: { message: 'simulated disk failure' } });
    // once, with the id: Yoga, which masks it afterwards, does not log it again without one
    expect(log.lines().filter((line) => line.level === LEVEL.error && JSON.stringify(line).includes('"simulated disk failure"'))).toHaveLength(1);
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', operation: 'renderDocument' });
  });
});

describe('the logger itself', () => {
  it('redacts secrets, cookies, Authorization headers and passwords that an object or an error brings in', () => {
    const captured = captureLog();
    const logger = createLogger({ level: 'debug', destination: captured.destination });
    const secret = generateSecret('apiToken');
    const session = generateSecret('session');
    logger.info({ password: 'hunter22', headers: { authorization: `Bearer ${secret}`, cookie: `pogodoc_session=${session}` } }, 'an object');
    logger.warn({ req: { headers: { authorization: `Bearer ${secret}` } }, variables: { password: 'hunter22' }, secret }, 'nested');
    logger.error({ err: new Error(`the driver quoted ${secret}`) }, `a message quoting ${session}`);
    const lines = captured.lines();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ password: '[Redacted]', headers: { authorization: '[Redacted]', cookie: '[Redacted]' } });
    expect(lines[2]).toMatchObject({ msg: 'a message quoting [Redacted]', err: { message: 'the driver quoted [Redacted]' } });
    const text = captured.raw.join('\n');
    for (const leaked of [secret, session, 'hunter22']) expect(text).not.toContain(leaked);
  });

  it('scrubs a webhook signing secret quoted in a message or an error', () => {
    const captured = captureLog();
    const logger = createLogger({ level: 'debug', destination: captured.destination });
    const webhookSecret = generateWebhookSecret();
    logger.error({ err: new Error(`signing with ${webhookSecret} failed`) }, `endpoint secret ${webhookSecret}`);
    const [line] = captured.lines();
    expect(line).toMatchObject({ msg: 'endpoint secret [Redacted]', err: { message: 'signing with [Redacted] failed' } });
    expect(captured.raw.join('\n')).not.toContain(webhookSecret.slice('whsec_'.length));
  });
});

describe('metrics', () => {
  it('scrape and parse, and move with documents, refused tokens, renders and database errors', async () => {
    const { session } = await t.signUp();
    const { secret } = await t.generateToken(session);
    const before = await scrape();
    const value = (scrape: Scrape, name: string, labels?: Record<string, string>) => scrape.value(name, labels) ?? 0;

    expect((await post(RENDER, { t: 'Hello {{ n }}', d: { n: 'Ada' } }, bearer(secret))).body.data.renderDocument.documentCount).toBe(1);
    // a typo: the last checksum character changed, so the checksum fails. Changed, not set: a
    // secret whose checksum already ends in the character set would be the token itself, and
    // render (1 secret in 62; once seen as pogodoc_documents_rendered_total moving by 2)
    const typo = `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`;
    await post(RENDER, { t: 'x', d: {} }, bearer(typo));
    await post(RENDER, { t: 'x', d: {} }, bearer(generateSecret('apiToken'))); // well formed, but no such token
    await post(RENDER, { t: '{% if %}', d: {} }, bearer(secret));
    failNextStatement = true;
    await post(RENDER, { t: 'x', d: {} }, bearer(secret));

    const after = await scrape();
    const moved = (name: string, labels?: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(moved('pogodoc_documents_rendered_total')).toBe(1);
    expect(moved('pogodoc_graphql_requests_total', { operation: 'renderDocument', code: 'OK' })).toBe(1);
    expect(moved('pogodoc_graphql_requests_total', { operation: 'renderDocument', code: 'TEMPLATE_INVALID' })).toBe(1);
    expect(moved('pogodoc_graphql_request_duration_seconds_count', { operation: 'renderDocument' })).toBe(5);
    expect(after.types.get('pogodoc_graphql_request_duration_seconds')).toBe('histogram');
    expect(moved('pogodoc_api_token_auth_failures_total', { code: 'API_TOKEN_MALFORMED' })).toBe(1);
    expect(moved('pogodoc_api_token_auth_failures_total', { code: 'API_TOKEN_INVALID' })).toBe(1);
    expect(moved('pogodoc_graphql_requests_total', { operation: 'renderDocument', code: 'API_TOKEN_INVALID' })).toBe(1);
    expect(moved('pogodoc_render_duration_seconds_count', { outcome: 'OK' })).toBe(1);
    expect(moved('pogodoc_render_duration_seconds_count', { outcome: 'TEMPLATE_INVALID' })).toBe(1);
    expect(moved('pogodoc_database_errors_total', { kind: 'other' })).toBe(1);
    expect(moved('pogodoc_database_errors_total', { kind: 'unavailable' })).toBe(0);
    // the event-loop delay is there, a real measurement
    expect(after.value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
  });

  it('count WebSocket connections and live subscriptions, over WebSocket and over HTTP', async () => {
    const { session } = await t.signUp();
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    await t.generateToken(session);
    const updates = collect(client, 'subscription { documentCount { tokenId documentCount } }');
    await updates.waitFor(1);
    let now = await scrape();
    expect(now.value('pogodoc_websocket_connections')).toBe(1);
    expect(now.value('pogodoc_live_subscriptions', { transport: 'websocket' })).toBe(1);
    expect(now.value('pogodoc_live_subscriptions', { transport: 'http' })).toBe(0);

    const sse = new AbortController();
    const stream = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(session) },
      body: JSON.stringify({ query: 'subscription { documentCount { tokenId documentCount } }' }),
      signal: sse.signal,
    });
    await stream.body!.getReader().read(); // the first event: the subscription is live
    expect((await scrape()).value('pogodoc_live_subscriptions', { transport: 'http' })).toBe(1);

    sse.abort();
    updates.dispose();
    await client.dispose();
    await expect.poll(async () => {
      now = await scrape();
      return [now.value('pogodoc_websocket_connections'), now.value('pogodoc_live_subscriptions', { transport: 'websocket' }), now.value('pogodoc_live_subscriptions', { transport: 'http' })];
    }).toEqual([0, 0, 0]);
  });

  it('are off by default, and on a port of their own with METRICS_PORT', async () => {
    const plain = await createTestApp();
    const separate = await createTestApp({ metrics: true, metricsPort: 0 });
    try {
      const plainUrl = await plain.app.start(0, '127.0.0.1');
      expect(await (await fetch(`${plainUrl}/metrics`)).text()).not.toContain('# TYPE');
      const separateUrl = await separate.app.start(0, '127.0.0.1');
      expect(await (await fetch(`${separateUrl}/metrics`)).text()).not.toContain('# TYPE');
      const metricsUrl = separate.app.metricsUrl();
      expect(metricsUrl).toBeDefined();
      expect(metricsUrl).not.toBe(separateUrl);
      const { session } = await separate.signUp();
      const { secret } = await separate.generateToken(session);
      expect((await separate.renderDocument(secret)).errors).toBeUndefined();
      expect((await scrape(metricsUrl)).value('pogodoc_documents_rendered_total')).toBe(1);
    } finally {
      await plain.close();
      await separate.close();
    }
  });
});
