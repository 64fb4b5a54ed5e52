// The request log: every HTTP request that presents a token this service knows, with its outcome,
// refusals included, readable by the token's team (requestConnection, requestSummary), kept by
// plan. Over real HTTP: the log is written where a request ends, which yoga.fetch never reaches.
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { generateSecret } from '../src/domain/secrets.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// this run's own address: refused credentials are limited per address, in the Redis every run shares
// (groups without a leading zero: the service keeps addresses in their short form, 2001:db8:a2::)
const group = () => randomInt(0x1000, 0x10000).toString(16);
const CLIENT_ADDRESS = `2001:db8:${group()}:${group()}::7`;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp({ limits: { ...limitsFromEnv({}), documentsPerTokenPerMinute: 3 } }, { clock });
  url = `${await t.app.start(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await t?.close();
});

interface Answer {
  status: number;
  requestId: string | null;
  errors?: Array<{ extensions?: { code?: string } }>;
  data?: Record<string, unknown> | null;
}

async function post(secret: string | undefined, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': CLIENT_ADDRESS,
      'user-agent': 'nightly-export/2.0',
      ...(secret ? bearer(secret) : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<Answer, 'status' | 'requestId'>;
  return { status: response.status, requestId: response.headers.get('x-request-id'), ...body };
}

// a loop the render's time limit ends
const ENDLESS_LOOP = '{% assign r = (1..100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}';
const RENDER = 'mutation($template: String!, $data: JSON!) { renderDocument(template: $template, data: $data) { documentCount } }';
const render = (secret: string, template = 'Hello {{ name }}', data: unknown = { name: 'Ada' }, headers: Record<string, string> = {}) =>
  post(secret, RENDER, { template, data }, headers);

const ENTRY = 'id tokenId at operation outcome httpStatus clientAddress userAgent durationMs requestId';
const REQUESTS = `query($token: ID, $outcomes: [String!], $refused: Boolean, $first: Int, $after: String) {
  requestConnection(tokenId: $token, outcomes: $outcomes, refusedOnly: $refused, first: $first, after: $after) {
    edges { cursor node { ${ENTRY} } } pageInfo { hasNextPage endCursor } } }`;

interface Entry {
  id: string;
  tokenId: string;
  at: string;
  operation: string;
  outcome: string;
  httpStatus: number;
  clientAddress: string;
  userAgent: string | null;
  durationMs: number;
  requestId: string;
}

async function requests(session: string, variables: Record<string, unknown> = {}): Promise<Entry[]> {
  await t.app.services.requestLog.flush();
  const answer = await t.gql(REQUESTS, { first: 100, ...variables }, bearer(session));
  expect(answer.errors).toBeUndefined();
  return (answer.data.requestConnection.edges as Array<{ node: Entry }>).map((edge) => edge.node);
}

const codeOf = (answer: Answer) => answer.errors?.map((error) => error.extensions?.code);

async function generate(session: string, name: string, options: { scopes?: string[]; expiresIn?: string }): Promise<{ id: string; secret: string }> {
  const answer = await t.gql(
    'mutation($name: String!, $scopes: [TokenScope!], $expiresIn: TokenExpiry) { generateToken(name: $name, scopes: $scopes, expiresIn: $expiresIn) { secret token { id } } }',
    { name, ...options },
    bearer(session),
  );
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return { id: answer.data.generateToken.token.id, secret: answer.data.generateToken.secret };
}

describe('the request log', () => {
  it('records a document request with its operation, outcome, status, address, User-Agent, duration and request id', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'exports');
    const answer = await render(token.secret, 'Hello {{ name }}', { name: 'Ada' }, { 'x-request-id': 'job-42' });
    expect(answer.errors).toBeUndefined();
    const [entry, ...others] = await requests(session);
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      tokenId: token.id,
      operation: 'renderDocument',
      outcome: 'OK',
      httpStatus: 200,
      clientAddress: CLIENT_ADDRESS,
      userAgent: 'nightly-export/2.0',
      requestId: 'job-42',
    });
    expect(entry!.durationMs).toBeGreaterThan(0);
    expect(Math.abs(Date.parse(entry!.at) - clock().getTime())).toBeLessThan(60_000);
  });

  it('records every refusal of a known token with its code and status, on the token that was presented', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const refusedWith = async (secret: string, code: string) => {
      const answer = await render(secret);
      expect(codeOf(answer)).toEqual([code]);
      return answer;
    };
    const seen: Array<{ tokenId: string; outcome: string; httpStatus: number }> = [];

    const deleted = await t.generateToken(session, 'deleted');
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: deleted.id }, bearer(session));
    seen.push({ tokenId: deleted.id, outcome: 'API_TOKEN_DELETED', httpStatus: (await refusedWith(deleted.secret, 'API_TOKEN_DELETED')).status });

    const disabled = await t.generateToken(session, 'disabled');
    await t.gql('mutation($id: ID!) { disableToken(id: $id) { id } }', { id: disabled.id }, bearer(session));
    seen.push({ tokenId: disabled.id, outcome: 'API_TOKEN_DISABLED', httpStatus: (await refusedWith(disabled.secret, 'API_TOKEN_DISABLED')).status });

    const rolled = await t.generateToken(session, 'rolled');
    await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }', { id: rolled.id }, bearer(session));
    seen.push({ tokenId: rolled.id, outcome: 'API_TOKEN_ROLLED', httpStatus: (await refusedWith(rolled.secret, 'API_TOKEN_ROLLED')).status });

    const fenced = await t.generateToken(session, 'fenced');
    await t.gql('mutation($id: ID!) { updateToken(id: $id, allowedIps: ["203.0.113.0/24"]) { id } }', { id: fenced.id }, bearer(session));
    seen.push({ tokenId: fenced.id, outcome: 'API_TOKEN_IP_NOT_ALLOWED', httpStatus: (await refusedWith(fenced.secret, 'API_TOKEN_IP_NOT_ALLOWED')).status });

    const capped = await t.generateToken(session, 'capped');
    await t.gql('mutation($id: ID!) { updateToken(id: $id, monthlyDocumentLimit: 1) { id } }', { id: capped.id }, bearer(session));
    expect((await render(capped.secret)).errors).toBeUndefined();
    seen.push({ tokenId: capped.id, outcome: 'OK', httpStatus: 200 });
    seen.push({ tokenId: capped.id, outcome: 'TOKEN_LIMIT_EXCEEDED', httpStatus: (await refusedWith(capped.secret, 'TOKEN_LIMIT_EXCEEDED')).status });

    const busy = await t.generateToken(session, 'busy');
    for (let document = 0; document < 3; document++) {
      expect((await render(busy.secret)).errors).toBeUndefined();
      seen.push({ tokenId: busy.id, outcome: 'OK', httpStatus: 200 });
    }
    seen.push({ tokenId: busy.id, outcome: 'RATE_LIMITED', httpStatus: (await refusedWith(busy.secret, 'RATE_LIMITED')).status });

    const careless = await t.generateToken(session, 'careless');
    seen.push({ tokenId: careless.id, outcome: 'TEMPLATE_INVALID', httpStatus: (await render(careless.secret, '{% if %}')).status });
    seen.push({ tokenId: careless.id, outcome: 'DATA_INVALID', httpStatus: (await render(careless.secret, 'x', [1, 2])).status });
    const endless = await render(careless.secret, ENDLESS_LOOP);
    expect(codeOf(endless)![0]).toMatch(/^RENDER_/);
    seen.push({ tokenId: careless.id, outcome: codeOf(endless)![0]!, httpStatus: endless.status });

    const manager = await generate(session, 'manager', { scopes: ['TOKENS_READ'] });
    seen.push({ tokenId: manager.id, outcome: 'API_TOKEN_SCOPE_MISSING', httpStatus: (await refusedWith(manager.secret, 'API_TOKEN_SCOPE_MISSING')).status });
    const listed = await post(manager.secret, '{ tokens { id } }');
    expect(listed.errors).toBeUndefined();
    seen.push({ tokenId: manager.id, outcome: 'OK', httpStatus: 200 });

    // a secret this service never issued, and no secret, belong to nobody's log
    expect(codeOf(await render(generateSecret('apiToken')))).toEqual(['API_TOKEN_INVALID']);
    await post(undefined, RENDER, { template: 'x', data: {} });

    const entries = await requests(session);
    const logged = entries.map(({ tokenId, outcome, httpStatus }) => ({ tokenId, outcome, httpStatus }));
    expect(logged.reverse()).toEqual(seen);
    // the statuses a client saw: 401 for the credential, 403 for the address and scope, 429 for limits
    expect(Object.fromEntries(seen.map(({ outcome, httpStatus }) => [outcome, httpStatus]))).toMatchObject({
      API_TOKEN_DELETED: 401,
      API_TOKEN_DISABLED: 401,
      API_TOKEN_ROLLED: 401,
      API_TOKEN_IP_NOT_ALLOWED: 403,
      API_TOKEN_SCOPE_MISSING: 403,
      TOKEN_LIMIT_EXCEEDED: 429,
      RATE_LIMITED: 429,
    });
    expect(entries.find((entry) => entry.tokenId === manager.id && entry.outcome === 'OK')!.operation).toBe('tokens');
  });

  it('moves live: requestLogged delivers each entry once its batch is written, only the token asked for, only to its own team', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const watched = await t.generateToken(session, 'watched');
    const other = await t.generateToken(session, 'other');
    const stranger = await t.signUp({ plan: 'pro' });
    const strangerToken = await t.generateToken(stranger.session, 'theirs');
    const client = wsClient(url.replace(/\/graphql$/, ''), { connectionParams: { authorization: `Bearer ${session}` } });
    const live = collect<{ requestLogged: Entry }>(client, `subscription($token: ID) { requestLogged(tokenId: $token) { ${ENTRY} } }`, { token: watched.id });
    // joining the account's channel is asynchronous (a Redis SUBSCRIBE with PostgreSQL): requests
    // until one arrives, so that what follows is seen for certain
    for (let attempt = 0; attempt < 100 && live.values.length === 0; attempt++) {
      await post(watched.secret, '{ tokenInfo { token { id } } }');
      await t.app.services.requestLog.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await live.waitFor(1);
    const seen = live.values.length;
    await render(other.secret);
    await render(strangerToken.secret);
    const refused = await render(watched.secret, '{% if %}');
    await t.app.services.requestLog.flush();
    const [arrived] = (await live.waitFor(seen + 1)).slice(seen).map((value) => value.requestLogged);
    expect(arrived).toMatchObject({ tokenId: watched.id, outcome: 'TEMPLATE_INVALID', operation: 'renderDocument', requestId: refused.requestId });
    // nothing else came: the other token's and the stranger's requests were written in the same batch
    await render(watched.secret);
    await t.app.services.requestLog.flush();
    const [next] = (await live.waitFor(seen + 2)).slice(seen + 1).map((value) => value.requestLogged);
    expect(next).toMatchObject({ tokenId: watched.id, outcome: 'OK' });
    expect(live.errors).toEqual([]);
    live.dispose();
    await client.dispose();
  });

  it('records QUOTA_EXCEEDED once the account has used its quota', async () => {
    const { session, accountId } = await t.signUp({ plan: 'free' });
    const token = await t.generateToken(session, 'quota');
    const period = clock().toISOString().slice(0, 7);
    await t.app.database.sql.rows(
      { name: 'test_use_quota', text: `INSERT INTO "AccountPeriodUsage" ("accountId", "period", "documentCount") VALUES ($1, $2, 100) ON CONFLICT ("accountId", "period") DO UPDATE SET "documentCount" = 100` },
      [accountId, period],
    );
    const refused = await render(token.secret);
    expect(codeOf(refused)).toEqual(['QUOTA_EXCEEDED']);
    const [entry] = await requests(session);
    expect(entry).toMatchObject({ tokenId: token.id, outcome: 'QUOTA_EXCEEDED', httpStatus: 429 });
  });

  it('is the team’s own: another account sees none of it, nor its tokens', async () => {
    const owner = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(owner.session, 'private');
    expect((await render(token.secret)).errors).toBeUndefined();
    const stranger = await t.signUp({ plan: 'pro' });
    expect(await requests(stranger.session)).toEqual([]);
    const asked = await t.gql(REQUESTS, { token: token.id }, bearer(stranger.session));
    expect(codes(asked)).toEqual(['TOKEN_NOT_FOUND']);
  });

  it('pages newest first with cursors, filters by token and outcome, and refuses a cursor it did not give out', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const first = await t.generateToken(session, 'first');
    const second = await t.generateToken(session, 'second');
    for (const secret of [first.secret, second.secret, first.secret]) expect((await render(secret)).errors).toBeUndefined();
    await render(second.secret, '{% if %}');
    const all = await requests(session);
    expect(all.map((entry) => entry.tokenId)).toEqual([second.id, first.id, second.id, first.id]);

    const pageOne = await t.gql(REQUESTS, { first: 3 }, bearer(session));
    expect(pageOne.data.requestConnection.pageInfo.hasNextPage).toBe(true);
    const pageTwo = await t.gql(REQUESTS, { first: 3, after: pageOne.data.requestConnection.pageInfo.endCursor }, bearer(session));
    const ids = [...pageOne.data.requestConnection.edges, ...pageTwo.data.requestConnection.edges].map((edge: { node: Entry }) => edge.node.id);
    expect(ids).toEqual(all.map((entry) => entry.id));
    expect(pageTwo.data.requestConnection.pageInfo.hasNextPage).toBe(false);

    expect((await requests(session, { token: first.id })).map((entry) => entry.tokenId)).toEqual([first.id, first.id]);
    expect((await requests(session, { refused: true })).map((entry) => entry.outcome)).toEqual(['TEMPLATE_INVALID']);
    expect((await requests(session, { outcomes: ['OK'] })).length).toBe(3);

    const bad = await t.gql(REQUESTS, { after: 'not-a-cursor' }, bearer(session));
    expect(codes(bad)).toEqual(['REQUEST_LOG_CURSOR_INVALID']);
  });

  it('sums requests per hour by outcome for the refusal chart', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'chart');
    expect((await render(token.secret)).errors).toBeUndefined();
    await render(token.secret, '{% if %}');
    await render(token.secret, '{% if %}');
    // the fourth in a minute, past this suite's limit of 3
    expect(codeOf(await render(token.secret))).toEqual(['RATE_LIMITED']);
    await t.app.services.requestLog.flush();
    const now = clock();
    const summary = await t.gql(
      `query($token: ID, $from: DateTime!, $to: DateTime!) { requestSummary(tokenId: $token, from: $from, to: $to, granularity: HOUR) {
        okCount refusedCount refusals { outcome count } buckets { at okCount refusals { outcome count } } } }`,
      { token: token.id, from: new Date(now.getTime() - 3 * 3_600_000).toISOString(), to: new Date(now.getTime() + 1).toISOString() },
      bearer(session),
    );
    expect(summary.errors).toBeUndefined();
    const { okCount, refusedCount, refusals, buckets } = summary.data.requestSummary;
    expect({ okCount, refusedCount, refusals }).toEqual({ okCount: 1, refusedCount: 3, refusals: [{ outcome: 'TEMPLATE_INVALID', count: 2 }, { outcome: 'RATE_LIMITED', count: 1 }] });
    expect(buckets).toHaveLength(4);
    expect(buckets.at(-1)).toMatchObject({ okCount: 1, refusals: [{ outcome: 'TEMPLATE_INVALID', count: 2 }, { outcome: 'RATE_LIMITED', count: 1 }] });
    expect(buckets.slice(0, 3).every((bucket: { okCount: number; refusals: unknown[] }) => bucket.okCount === 0 && bucket.refusals.length === 0)).toBe(true);
  });

  it('keeps a free team’s requests 7 days and a paid team’s 30, then prunes them (and their counts)', async () => {
    const free = await t.signUp({ plan: 'free' });
    const paid = await t.signUp({ plan: 'pro' });
    const freeToken = await t.generateToken(free.session, 'free');
    const paidToken = await t.generateToken(paid.session, 'paid');
    expect((await render(freeToken.secret)).errors).toBeUndefined();
    expect((await render(paidToken.secret)).errors).toBeUndefined();
    await t.app.services.requestLog.flush();
    const countRows = async (table: string, tokenId: string) =>
      (await t.app.database.sql.rows<{ n: number | string }>({ name: `test_count_${table}`, text: `SELECT COUNT(*) AS "n" FROM "${table}" WHERE "tokenId" = $1` }, [tokenId])).map((row) => Number(row.n))[0];

    offsetMs += 6 * DAY_MS;
    await t.app.services.requestLog.prune();
    expect(await countRows('RequestLogEntry', freeToken.id)).toBe(1);

    offsetMs += 2 * DAY_MS;
    await t.app.services.requestLog.prune();
    expect(await countRows('RequestLogEntry', freeToken.id)).toBe(0);
    expect(await countRows('RequestOutcomeHour', freeToken.id)).toBe(0);
    expect(await countRows('RequestLogEntry', paidToken.id)).toBe(1);
    expect(await countRows('RequestOutcomeHour', paidToken.id)).toBe(1);

    offsetMs += 23 * DAY_MS;
    await t.app.services.requestLog.prune();
    expect(await countRows('RequestLogEntry', paidToken.id)).toBe(0);
    expect(await countRows('RequestOutcomeHour', paidToken.id)).toBe(0);
  });

  it('records API_TOKEN_EXPIRED for a token past its expiry', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const expiring = await generate(session, 'expiring', { expiresIn: 'DAYS_7' });
    offsetMs += 8 * DAY_MS;
    expect(codeOf(await render(expiring.secret))).toEqual(['API_TOKEN_EXPIRED']);
    const [entry] = await requests(session, { token: expiring.id });
    expect(entry).toMatchObject({ outcome: 'API_TOKEN_EXPIRED', httpStatus: 401 });
  });
});
