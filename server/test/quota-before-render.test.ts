// A document on an account that has used its quota is refused before it is rendered: it takes no
// render slot (the resource every account shares) and writes nothing. The renders are read where
// an operator reads them, from the Prometheus metrics (pogodoc_render_duration_seconds, one sample
// per render whatever its outcome). Runs on SQLite and on PostgreSQL (vitest.config.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { configFromEnv } from '../src/config.js';
import { parsePrometheusText } from './support/prometheus-text.js';
import { appGql, bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp({ metrics: true });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

/** Renders this app has run so far, whatever their outcome. */
async function renders(): Promise<number> {
  const scrape = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
  return scrape.samples.filter((sample) => sample.name === 'pogodoc_render_duration_seconds_count').reduce((sum, sample) => sum + sample.value, 0);
}

const RENDER = 'mutation($template: String!) { renderDocument(template: $template, data: { customer: "Ada" }) { documentCount replayed } }';
const render = (secret: string, key?: string, gql: TestApp['gql'] = t.gql) =>
  gql(RENDER, { template: 'Invoice for {{ customer }}' }, { ...bearer(secret), ...(key ? { 'idempotency-key': key } : {}) });
const choosePlan = (session: string, plan: string) => t.gql('mutation($plan: ID!) { choosePlan(planId: $plan) { id } }', { plan }, bearer(session));
const nextMonthUtc = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

function expectQuotaExceeded(result: GraphQLResponse) {
  expect(codes(result)).toEqual(['QUOTA_EXCEEDED']);
  expect(result.status).toBe(429);
  expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(result.errors![0]!.extensions!.resetsAt).toBe(nextMonthUtc(new Date()).toISOString());
  expect(result.errors![0]!.message).toMatch(/all 100 documents/);
}

/** A free account at 100 of 100, its last document made with `lastKey`. */
async function accountAtQuota() {
  const { session, accountId } = await t.signUp({ plan: 'free' });
  const { secret } = await t.generateToken(session, 'at-quota');
  for (let batch = 0; batch < 9; batch++) {
    const made = await Promise.all(Array.from({ length: 11 }, () => render(secret)));
    for (const result of made) expect(result.data?.renderDocument).toBeTruthy();
  }
  const lastKey = randomUUID();
  expect((await render(secret, lastKey)).data?.renderDocument).toEqual({ documentCount: 100, replayed: false });
  return { session, accountId, secret, lastKey };
}

describe('a document over the quota', () => {
  it('is refused with QUOTA_EXCEEDED without being rendered, with an Idempotency-Key too; an upgrade lets the next one through', async () => {
    const { session, accountId, secret } = await accountAtQuota();
    const before = await renders();
    const refused = await Promise.all([...Array.from({ length: 5 }, () => render(secret)), ...Array.from({ length: 5 }, () => render(secret, randomUUID()))]);
    for (const result of refused) expectQuotaExceeded(result);
    expect(await renders()).toBe(before);
    const stored = await t.app.database.prisma.accountPeriodUsage.findMany({ where: { accountId } });
    expect(stored.map((row) => row.documentCount)).toEqual([100]);

    await choosePlan(session, 'pro');
    expect((await render(secret)).data?.renderDocument).toEqual({ documentCount: 101, replayed: false });
    expect((await render(secret, randomUUID())).data?.renderDocument).toEqual({ documentCount: 102, replayed: false });
    expect(await renders()).toBe(before + 2);

    // a downgrade below what was used: refused before rendering again
    await choosePlan(session, 'free');
    expectQuotaExceeded(await render(secret));
    expect(await renders()).toBe(before + 2);
  });

  it('costs the one read that authenticates it: no write, no second read', async () => {
    const { secret } = await accountAtQuota();
    const start = t.sql.length;
    expectQuotaExceeded(await render(secret));
    const statements = t.sql.slice(start);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/FROM "ApiToken" t JOIN "Account" a/);
  });

  it('a retry of a document that was made still gets its stored result, and a refused key is free for later', async () => {
    const { session, secret, lastKey } = await accountAtQuota();
    const before = await renders();
    expect((await render(secret, lastKey)).data?.renderDocument).toEqual({ documentCount: 100, replayed: true });
    const refusedKey = randomUUID();
    expectQuotaExceeded(await render(secret, refusedKey));
    expect(await renders()).toBe(before);

    await choosePlan(session, 'pro');
    expect((await render(secret, refusedKey)).data?.renderDocument).toEqual({ documentCount: 101, replayed: false });
    expect(await renders()).toBe(before + 1);
  });

  it('an upgrade made through another instance lifts the wall at once on this one', async () => {
    const { session, secret } = await accountAtQuota();
    const other: App = await buildApp({ ...configFromEnv({}), databaseUrl: t.database.url, redisUrl: process.env.TEST_REDIS_URL, logging: false });
    try {
      expectQuotaExceeded(await render(secret));
      const upgraded = await appGql(other, 'mutation { choosePlan(planId: "pro") { id } }', {}, bearer(session));
      expect(upgraded.data?.choosePlan).toBeTruthy();
      expect((await render(secret)).data?.renderDocument).toEqual({ documentCount: 101, replayed: false });
    } finally {
      await other.stop();
    }
  });
});
