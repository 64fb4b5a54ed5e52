// Plans that mean something: the account's quota is kept exactly, usage is recorded in the
// transaction that counts each document, and the billing period resets on the injected clock.
// Runs on SQLite and on PostgreSQL (vitest.config.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let offsetMs = 0;
const clockNow = () => new Date(Date.now() + offsetMs);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { clock: clockNow });
});
afterAll(() => t.close());

const PERIOD = '{ viewer { currentPeriod { period used quota resetsAt } } }';
const USAGE = 'query($tokenId: ID, $from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!) { usage(tokenId: $tokenId, from: $from, to: $to, granularity: $granularity) { at documentCount } }';
const choosePlan = (session: string, plan: string) => t.gql('mutation($plan: ID!) { choosePlan(planId: $plan) { id } }', { plan }, bearer(session));
const currentPeriod = async (session: string) => (await t.gql(PERIOD, {}, bearer(session))).data.viewer.currentPeriod;
const nextMonthUtc = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

/** What the database holds for an account: its period rows, its tokens' counts and its hourly buckets. */
async function storedUsage(accountId: string) {
  const prisma = t.app.database.prisma;
  const periods = await prisma.accountPeriodUsage.findMany({ where: { accountId } });
  const tokens = await prisma.apiToken.findMany({ where: { accountId }, select: { id: true, documentCount: true } });
  const hours = await prisma.tokenUsageHour.findMany({ where: { accountId } });
  const days = await prisma.tokenUsageDay.findMany({ where: { accountId } });
  const bucketSum = (tokenId?: string) =>
    [...hours, ...days].filter((row) => tokenId === undefined || row.tokenId === tokenId).reduce((sum, row) => sum + row.documentCount, 0);
  return { periods, tokens, hours, days, bucketSum };
}

describe('the quota of the plan', () => {
  it('150 concurrent documents on a fresh free account: exactly 100 succeed, 50 get 429 QUOTA_EXCEEDED and count nothing', async () => {
    offsetMs = 0;
    const { session, accountId } = await t.signUp({ plan: 'free' });
    const tokens = await Promise.all(Array.from({ length: 3 }, (_, i) => t.generateToken(session, `t${i}`)));
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => t.renderDocument(tokens[i % 3]!.secret)));
    const made = results.filter((result) => result.data?.renderDocument);
    const refused = results.filter((result) => !result.data?.renderDocument);
    expect(made).toHaveLength(100);
    expect(refused).toHaveLength(50);
    const resetsAt = nextMonthUtc(clockNow()).toISOString();
    for (const result of refused) {
      expect(codes(result)).toEqual(['QUOTA_EXCEEDED']);
      expect(result.status).toBe(429);
      expect(result.errors![0]!.extensions!.resetsAt).toBe(resetsAt);
      expect(result.errors![0]!.message).toMatch(/all 100 documents/);
      expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const stored = await storedUsage(accountId);
    expect(stored.periods.map((row) => row.documentCount)).toEqual([100]);
    expect(stored.tokens.reduce((sum, token) => sum + token.documentCount, 0)).toBe(100);
    expect(stored.bucketSum()).toBe(100);
    expect(await currentPeriod(session)).toEqual({ period: clockNow().toISOString().slice(0, 7), used: 100, quota: 100, resetsAt });
  });

  it('documents with Idempotency-Keys are held to the quota too, and a refused one frees its key', async () => {
    offsetMs = 0;
    const { session, accountId } = await t.signUp({ plan: 'free' });
    const { secret } = await t.generateToken(session, 'keys');
    const render = (key: string) => t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer(secret), 'idempotency-key': key });
    const results = await Promise.all(Array.from({ length: 110 }, () => render(randomUUID())));
    expect(results.filter((result) => result.data?.renderDocument)).toHaveLength(100);
    expect(results.filter((result) => codes(result)?.[0] === 'QUOTA_EXCEEDED')).toHaveLength(10);
    expect((await storedUsage(accountId)).periods[0]!.documentCount).toBe(100);
    const key = randomUUID();
    expect(codes(await render(key))).toEqual(['QUOTA_EXCEEDED']);
    await choosePlan(session, 'pro');
    expect((await render(key)).data?.renderDocument.documentCount).toBe(101);
  });

  it('resets when the period changes, on the injected clock', async () => {
    offsetMs = 0;
    const { session, accountId } = await t.signUp({ plan: 'free' });
    const { secret } = await t.generateToken(session, 'monthly');
    for (let i = 0; i < 100; i++) expect((await t.renderDocument(secret)).data?.renderDocument).toBeTruthy();
    expect(codes(await t.renderDocument(secret))).toEqual(['QUOTA_EXCEEDED']);

    const reset = nextMonthUtc(clockNow());
    offsetMs = reset.getTime() - 60_000 - Date.now(); // a minute before: still the old period
    expect(codes(await t.renderDocument(secret))).toEqual(['QUOTA_EXCEEDED']);
    offsetMs = reset.getTime() - Date.now();
    expect((await t.renderDocument(secret)).data?.renderDocument.documentCount).toBe(101);
    expect(await currentPeriod(session)).toMatchObject({ period: reset.toISOString().slice(0, 7), used: 1, quota: 100 });
    // the old period stays on record
    expect((await storedUsage(accountId)).periods.map((row) => row.documentCount).sort((a, b) => a - b)).toEqual([1, 100]);
    offsetMs = 0;
  });

  it('an upgrade lifts the wall at once; a downgrade below what was used blocks until the reset; cancelling keeps the usage', async () => {
    offsetMs = 0;
    const { session } = await t.signUp({ plan: 'free' });
    const { secret } = await t.generateToken(session, 'plans');
    for (let i = 0; i < 100; i++) await t.renderDocument(secret);
    expect(codes(await t.renderDocument(secret))).toEqual(['QUOTA_EXCEEDED']);

    await choosePlan(session, 'pro');
    expect((await t.renderDocument(secret)).data?.renderDocument.documentCount).toBe(101);
    expect(await currentPeriod(session)).toMatchObject({ used: 101, quota: 10_000 });

    await choosePlan(session, 'free');
    const blocked = await t.renderDocument(secret);
    expect(codes(blocked)).toEqual(['QUOTA_EXCEEDED']);
    expect(await currentPeriod(session)).toMatchObject({ used: 101, quota: 100 });

    await t.gql('mutation { cancelPlan { id } }', {}, bearer(session));
    await choosePlan(session, 'business');
    expect(await currentPeriod(session)).toMatchObject({ used: 101, quota: null });
    expect((await t.renderDocument(secret)).data?.renderDocument.documentCount).toBe(102);

    await t.gql('mutation { cancelPlan { id } }', {}, bearer(session));
    await choosePlan(session, 'free');
    expect(await currentPeriod(session)).toMatchObject({ used: 102, quota: 100 });
    expect(codes(await t.renderDocument(secret))).toEqual(['QUOTA_EXCEEDED']);

    offsetMs = nextMonthUtc(clockNow()).getTime() - Date.now();
    expect((await t.renderDocument(secret)).data?.renderDocument.documentCount).toBe(103);
    offsetMs = 0;
  });
});

describe('usage recorded with the count', () => {
  it('after a randomised concurrent load, every token’s buckets sum to its count and the period to their total', async () => {
    offsetMs = 0;
    const { session, accountId } = await t.signUp({ plan: 'business' });
    const tokens = await Promise.all(Array.from({ length: 4 }, (_, i) => t.generateToken(session, `load${i}`)));
    const requests = Array.from({ length: 120 }, () => {
      const token = tokens[Math.floor(Math.random() * tokens.length)]!;
      const withKey = Math.random() < 0.3;
      const failing = Math.random() < 0.1; // a render that fails counts nowhere
      const template = failing ? '{{ x | no_such_filter }}' : 'ok';
      return t.gql('mutation($template: String!) { renderDocument(template: $template, data: {}) { documentCount } }', { template }, {
        ...bearer(token.secret),
        ...(withKey ? { 'idempotency-key': randomUUID() } : {}),
      });
    });
    // a token deleted in the middle of the load: whatever it counted stays consistent
    const deleted = t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: tokens[3]!.id }, bearer(session));
    const results = await Promise.all([...requests, deleted]);
    const succeeded = results.slice(0, -1).filter((result) => result.data?.renderDocument).length;
    expect(succeeded).toBeGreaterThan(0);

    const stored = await storedUsage(accountId);
    const total = stored.tokens.reduce((sum, token) => sum + token.documentCount, 0);
    expect(total).toBe(succeeded);
    for (const token of stored.tokens) expect(stored.bucketSum(token.id)).toBe(token.documentCount);
    expect(stored.periods.map((row) => row.documentCount)).toEqual([total]);
  });
});

describe('the usage query', () => {
  it('returns every bucket of the range, by hour and by day, for a token (deleted too) and for the account', async () => {
    const base = Date.UTC(2026, 5, 10, 12); // 10 June 2026, 12:00 UTC
    const { session } = await t.signUp({ plan: 'pro' });
    const first = await t.generateToken(session, 'first');
    const second = await t.generateToken(session, 'second');
    const at = (hours: number) => (offsetMs = base + hours * 3_600_000 + 60_000 - Date.now());
    at(0);
    await t.renderDocument(first.secret);
    await t.renderDocument(first.secret);
    at(2);
    await t.renderDocument(first.secret);
    await t.renderDocument(second.secret);
    at(26); // the next day
    await t.renderDocument(second.secret);
    offsetMs = 0;
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: first.id }, bearer(session));

    const query = (variables: Record<string, unknown>) => t.gql(USAGE, variables, bearer(session));
    const from = new Date(base).toISOString();
    const hourly = await query({ tokenId: first.id, from, to: new Date(base + 4 * 3_600_000).toISOString(), granularity: 'HOUR' });
    expect(hourly.errors).toBeUndefined();
    expect(hourly.data.usage.map((point: { documentCount: number }) => point.documentCount)).toEqual([2, 0, 1, 0]);
    expect(hourly.data.usage[1].at).toBe(new Date(base + 3_600_000).toISOString());

    const day = Date.UTC(2026, 5, 10);
    const daily = await query({ from: new Date(day).toISOString(), to: new Date(day + 3 * 86_400_000).toISOString(), granularity: 'DAY' });
    expect(daily.data.usage.map((point: { documentCount: number }) => point.documentCount)).toEqual([4, 1, 0]);
    expect(daily.data.usage[0].at).toBe(new Date(Date.UTC(2026, 5, 10)).toISOString());

    const other = await t.signUp({ plan: 'pro' });
    expect(codes(await t.gql(USAGE, { tokenId: first.id, from, to: from, granularity: 'DAY' }, bearer(other.session)))).toEqual(['USAGE_RANGE_INVALID']);
    const theirs = await t.gql(USAGE, { tokenId: first.id, from, to: new Date(base + 3_600_000).toISOString(), granularity: 'HOUR' }, bearer(other.session));
    expect(codes(theirs)).toEqual(['TOKEN_NOT_FOUND']);
    const tooLong = await query({ from, to: new Date(base + 91 * 86_400_000).toISOString(), granularity: 'HOUR' });
    expect(codes(tooLong)).toEqual(['USAGE_RANGE_INVALID']);
    expect(codes(await t.gql(USAGE, { from, to: from, granularity: 'DAY' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('rolls hours older than 90 days up into days: the daily sums do not change and the hourly rows go', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const { id, secret } = await t.generateToken(session, 'old');
    const old = Date.UTC(2026, 0, 5, 3);
    for (const hours of [0, 0, 5, 30]) {
      offsetMs = old + hours * 3_600_000 - Date.now();
      await t.renderDocument(secret);
    }
    offsetMs = 0;
    const dailyBefore = (await t.gql(USAGE, { tokenId: id, from: '2026-01-05T00:00:00.000Z', to: '2026-01-08T00:00:00.000Z', granularity: 'DAY' }, bearer(session))).data.usage;
    expect(dailyBefore.map((point: { documentCount: number }) => point.documentCount)).toEqual([3, 1, 0]);

    offsetMs = old + 100 * 86_400_000 - Date.now();
    const removed = await t.app.services.usage.rollUpOldUsage();
    offsetMs = 0;
    expect(removed).toBeGreaterThanOrEqual(3);
    const stored = await storedUsage(accountId);
    expect(stored.hours).toHaveLength(0);
    expect(stored.days.map((row) => row.documentCount).sort()).toEqual([1, 3]);
    expect(stored.bucketSum(id)).toBe(4);
    const dailyAfter = (await t.gql(USAGE, { tokenId: id, from: '2026-01-05T00:00:00.000Z', to: '2026-01-08T00:00:00.000Z', granularity: 'DAY' }, bearer(session))).data.usage;
    expect(dailyAfter).toEqual(dailyBefore);
  });
});
