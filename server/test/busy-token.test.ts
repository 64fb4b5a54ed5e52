// A busy token's documents share work without sharing a result. Those that queue while its count
// commits are counted together, in one transaction (persistence/document-count-batcher.ts), and
// each still gets a count of its own; at the quota's thresholds, the wall and the token's monthly
// limit every document is decided alone, exactly as without groups. Document requests of one
// secret read in the same turn of the event loop share one lookup, sent after all of them arrived
// (domain/api-tokens.ts), and each is still checked on its own. And the token's rate-limit windows count a burst with one
// increment (rate-limiting/rate-limiters.ts), each request still with a count of its own. The calls are made against the store and the service
// themselves, many at once, so that they overlap whatever the machine's speed.
// Runs on SQLite and on PostgreSQL (vitest.config.ts).
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { GroupWhileBusy } from '../src/domain/group-while-busy.js';
import { createRateLimiters } from '../src/rate-limiting/rate-limiters.js';
import type { RecordDocumentResult, TokenUse } from '../src/domain/ports.js';
import { MAX_QUIET_DOCUMENTS } from '../src/persistence/metering-statements.js';
import { RECORD_DOCUMENT } from '../src/persistence/token-sql.js';
import { DatabaseTokenStore } from '../src/persistence/token-store.js';
import { bearer, codes, type TestApp, createTestApp } from './support/test-app.js';

let t: TestApp;
let store: DatabaseTokenStore;
beforeAll(async () => {
  t = await createTestApp();
  store = new DatabaseTokenStore(t.app.database.prisma, t.app.database.sql);
});
afterAll(() => t.close());

const use = (at = new Date(), previousSecret = false): TokenUse => ({ at, clientAddress: '192.0.2.7', userAgent: 'group test', previousSecret });

/** `count` documents of the token at once, and how many RECORD_DOCUMENT statements they took. */
async function countAtOnce(tokenId: string, count: number, useOf: (index: number) => TokenUse = () => use()) {
  const sentBefore = t.sql.filter((text) => text === RECORD_DOCUMENT.text).length;
  const results = await Promise.all(Array.from({ length: count }, (_, index) => store.recordDocument(tokenId, useOf(index))));
  return { results, statements: t.sql.filter((text) => text === RECORD_DOCUMENT.text).length - sentBefore };
}

const counted = (results: RecordDocumentResult[]) => results.filter((result) => result.outcome === 'counted') as Extract<RecordDocumentResult, { outcome: 'counted' }>[];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
const sorted = (values: (number | null)[]) => [...values].sort((a, b) => a! - b!);

async function stored(accountId: string, tokenId: string) {
  const prisma = t.app.database.prisma;
  const token = await prisma.apiToken.findUniqueOrThrow({ where: { id: tokenId } });
  const periods = await prisma.accountPeriodUsage.findMany({ where: { accountId } });
  const hours = await prisma.tokenUsageHour.findMany({ where: { tokenId } });
  const events = await prisma.auditEvent.findMany({ where: { accountId, type: { in: ['QUOTA_WARNING', 'QUOTA_REACHED'] } }, orderBy: { id: 'asc' } });
  return { token, period: periods.reduce((sum, row) => sum + row.documentCount, 0), hours: hours.reduce((sum, row) => sum + row.documentCount, 0), events };
}

describe('documents counted together', () => {
  it('40 at once on one token: counted in 4 transactions (1 alone, then 16, 16 and 7), each with a count of its own, nothing lost', async () => {
    const { session, accountId } = await t.signUp({ plan: 'business' });
    const { id } = await t.generateToken(session);
    const uses = Array.from({ length: 40 }, (_, index) => use(new Date(Date.now() + index)));
    const { results, statements } = await countAtOnce(id, 40, (index) => uses[index]!);

    expect(MAX_QUIET_DOCUMENTS).toBe(16);
    expect(statements).toBe(4);
    expect(sorted(counted(results).map((result) => result.documentCount))).toEqual(range(1, 40));
    expect(sorted(counted(results).map((result) => result.periodDocumentCount))).toEqual(range(1, 40));
    // in the order they were counted: each later document has the higher count
    expect(counted(results).map((result) => result.documentCount)).toEqual(range(1, 40));
    const after = await stored(accountId, id);
    expect(after.token.documentCount).toBe(40);
    expect(after.token.monthlyDocumentCount).toBe(40);
    expect(after.period).toBe(40);
    expect(after.hours).toBe(40);
    // stamped with the last document's use, as one at a time would have left it
    expect(after.token.lastUsedAt?.toISOString()).toBe(uses[39]!.at.toISOString());
    expect(after.token.lastUsedAddress).toBe('192.0.2.7');
  });

  it('documents through the previous secret and the current one are counted apart: the previous secret\'s uses stay exact', async () => {
    const { session, accountId } = await t.signUp({ plan: 'business' });
    const { id } = await t.generateToken(session);
    const { results } = await countAtOnce(id, 30, (index) => use(new Date(), index % 3 === 0));
    expect(counted(results)).toHaveLength(30);
    expect(sorted(counted(results).map((result) => result.documentCount))).toEqual(range(1, 30));
    const after = await stored(accountId, id);
    expect(after.token.documentCount).toBe(30);
    expect(after.token.previousSecretUseCount).toBe(10);
    expect(after.hours).toBe(30);
  });

  it('150 at once on a free plan: exactly 100 counted, each count once, one 80% warning at 80 and one quota event at 100; 50 refused', async () => {
    const { session, accountId } = await t.signUp({ plan: 'free' });
    const { id } = await t.generateToken(session);
    const { results, statements } = await countAtOnce(id, 150);

    expect(counted(results)).toHaveLength(100);
    expect(results.filter((result) => result.outcome === 'quota-exceeded')).toHaveLength(50);
    expect(sorted(counted(results).map((result) => result.documentCount))).toEqual(range(1, 100));
    expect(sorted(counted(results).map((result) => result.periodDocumentCount))).toEqual(range(1, 100));
    // groups below the warning, then documents one at a time across it and at the wall
    expect(statements).toBeLessThan(150);
    const after = await stored(accountId, id);
    expect(after.token.documentCount).toBe(100);
    expect(after.period).toBe(100);
    expect(after.hours).toBe(100);
    expect(after.events.map((event) => [event.type, JSON.parse(event.details!).used])).toEqual([
      ['QUOTA_WARNING', 80],
      ['QUOTA_REACHED', 100],
    ]);
  });

  it('a monthly limit of 30 and 50 at once: exactly 30 counted, 20 refused as unusable', async () => {
    const { session, accountId } = await t.signUp({ plan: 'business' });
    const { id } = await t.generateToken(session);
    const limited = await t.gql('mutation($id: ID!) { updateToken(id: $id, monthlyDocumentLimit: 30) { monthlyDocumentLimit } }', { id }, bearer(session));
    expect(limited.data.updateToken.monthlyDocumentLimit).toBe(30);
    const { results } = await countAtOnce(id, 50);
    expect(counted(results)).toHaveLength(30);
    expect(results.filter((result) => result.outcome === 'unusable')).toHaveLength(20);
    expect(sorted(counted(results).map((result) => result.documentCount))).toEqual(range(1, 30));
    const after = await stored(accountId, id);
    expect(after.token.documentCount).toBe(30);
    expect(after.token.monthlyDocumentCount).toBe(30);
    expect(after.period).toBe(30);
    expect(after.hours).toBe(30);
  });

  it('a deleted token: every document of a group is refused and nothing is counted', async () => {
    const { session, accountId } = await t.signUp({ plan: 'business' });
    const { id } = await t.generateToken(session);
    await countAtOnce(id, 5);
    const deleted = await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, bearer(session));
    expect(deleted.errors).toBeUndefined();
    const { results } = await countAtOnce(id, 20);
    expect(results.every((result) => result.outcome === 'unusable')).toBe(true);
    const after = await stored(accountId, id);
    expect(after.token.documentCount).toBe(5);
    expect(after.period).toBe(5);
    expect(after.hours).toBe(5);
  });
});

describe('document requests of one secret at once', () => {
  // the lookup's statement, by a column no other statement returns
  const lookups = () => t.sql.filter((text) => text.includes('AS "matchedPreviousSecret"')).length;

  it('arriving in the same turn, share one lookup; other requests of the token (forDocument off) each send their own', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const { id, secret } = await t.generateToken(session);
    const apiTokens = t.app.services.apiTokens;

    const before = lookups();
    const shared = await Promise.all(Array.from({ length: 10 }, () => apiTokens.authenticate(secret, '192.0.2.7', 'ua', { forDocument: true })));
    expect(lookups() - before).toBe(1);
    expect(shared.map((authenticated) => authenticated.token.id)).toEqual(Array(10).fill(id));

    const between = lookups();
    await Promise.all(Array.from({ length: 10 }, () => apiTokens.authenticate(secret, '192.0.2.7', 'ua')));
    expect(lookups() - between).toBe(10);

    // once settled, the next request looks the token up again: a change made since is seen
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, bearer(session));
    await expect(apiTokens.authenticate(secret, '192.0.2.7', 'ua', { forDocument: true })).rejects.toMatchObject({ code: 'API_TOKEN_DELETED' });
  });

  it('a request that arrives once the lookup has gone out sends its own, which sees a change made in between', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const { id, secret } = await t.generateToken(session);
    const apiTokens = t.app.services.apiTokens;
    const before = lookups();
    const first = apiTokens.authenticate(secret, '192.0.2.7', 'ua', { forDocument: true });
    // the lookups gathered in this turn go out in its check phase
    await new Promise((resolve) => setImmediate(resolve));
    expect(lookups() - before).toBe(1);
    const second = apiTokens.authenticate(secret, '192.0.2.7', 'ua', { forDocument: true });
    await Promise.all([first, second]);
    expect(lookups() - before).toBe(2);

    const restricted = await t.gql('mutation($id: ID!) { updateToken(id: $id, allowedIps: ["198.51.100.0/24"]) { allowedIps } }', { id }, bearer(session));
    expect(restricted.errors).toBeUndefined();
    await expect(apiTokens.authenticate(secret, '192.0.2.7', 'ua', { forDocument: true })).rejects.toMatchObject({ code: 'API_TOKEN_IP_NOT_ALLOWED' });
  });

  it('each request sharing a lookup is still checked on its own: an address outside the allowlist is refused, one inside is not', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const { id, secret } = await t.generateToken(session);
    const restricted = await t.gql('mutation($id: ID!) { updateToken(id: $id, allowedIps: ["192.0.2.0/24"]) { allowedIps } }', { id }, bearer(session));
    expect(restricted.errors).toBeUndefined();
    const before = lookups();
    const [inside, outside] = await Promise.allSettled([
      t.app.services.apiTokens.authenticate(secret, '192.0.2.7', 'ua', { forDocument: true }),
      t.app.services.apiTokens.authenticate(secret, '198.51.100.7', 'ua', { forDocument: true }),
    ]);
    expect(lookups() - before).toBe(1);
    expect(inside.status).toBe('fulfilled');
    expect(outside).toMatchObject({ status: 'rejected', reason: { code: 'API_TOKEN_IP_NOT_ALLOWED' } });
  });

  it('over HTTP, 24 documents at once are each made and counted once', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const { id, secret } = await t.generateToken(session);
    const made = await Promise.all(Array.from({ length: 24 }, () => t.renderDocument(secret)));
    expect(made.flatMap((response) => codes(response) ?? [])).toEqual([]);
    expect(sorted(made.map((response) => response.data.renderDocument.documentCount))).toEqual(range(1, 24));
    const token = await t.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id }, bearer(session));
    expect(token.data.token.documentCount).toBe(24);
  });
});

describe("a token's rate-limit windows under a burst", () => {
  const redisUrl = process.env.TEST_REDIS_URL;
  const windowCounts = (counted: ReadonlyArray<ReadonlyArray<{ used: number }>>, window: number) => counted.map((windows) => windows[window]!.used);

  it(`count 100 requests at once each with a count of its own, 1 to 100, in both windows, in ${redisUrl ? 'Redis' : 'memory'}`, async () => {
    const limiters = createRateLimiters(limitsFromEnv({}), redisUrl);
    try {
      const counter = limiters.documentsPerToken;
      expect(counter.windowsSeconds).toEqual([1, 60]);
      const key = `burst-${Date.now()}-${Math.random()}`;
      const counted = await Promise.all(Array.from({ length: 100 }, () => counter.count(key)));
      // the one-second window may turn over during the burst on a slow machine; the minute's counts every one
      expect(windowCounts(counted, 1)).toEqual(range(1, 100));
      // and the second's counts each one too, from where its window began: within the minute's, and
      // once it turned over at most once (a 100-request burst is over in far less than two seconds)
      const seconds = windowCounts(counted, 0);
      expect(seconds.every((used, index) => used >= 1 && used <= index + 1)).toBe(true);
      expect(seconds.filter((used, index) => index > 0 && used !== seconds[index - 1]! + 1).length).toBeLessThanOrEqual(1);
      expect(counted.every(([second, minute]) => second!.resetSeconds >= 0 && second!.resetSeconds <= 1 && minute!.resetSeconds >= 0 && minute!.resetSeconds <= 60)).toBe(true);
      // and the next one, alone, continues from there
      expect((await counter.count(key))[1]!.used).toBe(101);
    } finally {
      await limiters.close();
    }
  });

  it.runIf(redisUrl)('count in Redis: two instances count one token together, in keys that expire with their window', async () => {
    const [first, second] = [createRateLimiters(limitsFromEnv({}), redisUrl), createRateLimiters(limitsFromEnv({}), redisUrl)];
    const redis = new Redis(redisUrl!);
    try {
      const key = `shared-${Date.now()}-${Math.random()}`;
      await Promise.all(Array.from({ length: 5 }, () => first!.documentsPerToken.count(key)));
      const [oneSecond, minute] = await second!.documentsPerToken.count(key);
      expect(minute!.used).toBe(6);
      expect(oneSecond!.used).toBeGreaterThanOrEqual(1);
      expect(oneSecond!.used).toBeLessThanOrEqual(6);
      const secondLeft = await redis.pttl(`pogodoc:documents:token:second:${key}`);
      const minuteLeft = await redis.pttl(`pogodoc:documents:token:minute:${key}`);
      // -1 would be a key without an expiry; -2, one already gone with its second (a slow machine)
      expect(secondLeft).not.toBe(-1);
      expect(secondLeft).toBeLessThanOrEqual(1000);
      expect(minuteLeft).toBeGreaterThan(1000);
      expect(minuteLeft).toBeLessThanOrEqual(60_000);
      // once the second's window is over, its count starts again and the minute's goes on
      while ((await redis.pttl(`pogodoc:documents:token:second:${key}`)) !== -2) await new Promise((resolve) => setTimeout(resolve, 100));
      const [nextSecond, sameMinute] = await first!.documentsPerToken.count(key);
      expect([nextSecond!.used, sameMinute!.used]).toEqual([1, 7]);
    } finally {
      redis.disconnect();
      await Promise.all([first!.close(), second!.close()]);
    }
  });

  it.runIf(redisUrl)('count in Redis on from what an instance of the version before counted (rate-limiter-flexible, the same keys)', async () => {
    const redis = new Redis(redisUrl!);
    const limiters = createRateLimiters(limitsFromEnv({}), redisUrl);
    try {
      const key = `rolling-${Date.now()}-${Math.random()}`;
      const before = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'pogodoc:documents:token:minute', points: 2 ** 31 - 1, duration: 60 });
      await before.consume(key, 3);
      const [, minute] = await limiters.documentsPerToken.count(key);
      expect(minute!.used).toBe(4);
      expect((await before.consume(key, 1)).consumedPoints).toBe(5);
    } finally {
      redis.disconnect();
      await limiters.close();
    }
  });

  it('count in this process while Redis cannot be reached', async () => {
    // nothing listens on port 9 of loopback (discard): the connection is refused at once
    const limiters = createRateLimiters(limitsFromEnv({}), 'redis://127.0.0.1:9');
    try {
      const key = `fallback-${Date.now()}`;
      const counted = await Promise.all(Array.from({ length: 3 }, () => limiters.documentsPerToken.count(key)));
      expect(windowCounts(counted, 1)).toEqual([1, 2, 3]);
    } finally {
      await limiters.close();
    }
  });
});

describe('work grouped while its key is busy', () => {
  /** A run that records each group's items, and finishes when told to. */
  function recorder() {
    const groups: number[][] = [];
    const pending: Array<() => void> = [];
    const queue = new GroupWhileBusy<number, number>(async (group) => {
      groups.push(group.map(({ item }) => item));
      await new Promise<void>((resolve) => pending.push(resolve));
      for (const waiting of group) waiting.resolve(waiting.item * 10);
    }, 3);
    const finishOne = () => pending.shift()?.();
    return { groups, queue, finishOne };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('runs an item that finds its key idle at once, alone; those that arrive meanwhile go together next, up to the maximum', async () => {
    const { groups, queue, finishOne } = recorder();
    const results = [1, 2, 3, 4, 5].map((item) => queue.submit('a', item));
    const other = queue.submit('b', 9);
    await settle();
    expect(groups).toEqual([[1], [9]]);
    finishOne();
    await settle();
    expect(groups).toEqual([[1], [9], [2, 3, 4]]);
    for (let i = 0; i < 3; i++) {
      finishOne();
      await settle();
    }
    expect(groups).toEqual([[1], [9], [2, 3, 4], [5]]);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(await other).toBe(90);
    // idle again: the next item runs alone, at once
    const later = queue.submit('a', 6);
    await settle();
    expect(groups.at(-1)).toEqual([6]);
    finishOne();
    expect(await later).toBe(60);
  });

  it('fails the items a failed run left unsettled, and goes on with the next group', async () => {
    let runs = 0;
    const queue = new GroupWhileBusy<number, number>(async (group) => {
      runs++;
      await Promise.resolve();
      if (runs === 2) {
        group[0]!.resolve(group[0]!.item);
        throw new Error('the database went away');
      }
      for (const waiting of group) waiting.resolve(waiting.item);
    }, 10);
    const results = await Promise.allSettled([1, 2, 3, 4].map((item) => queue.submit('k', item)));
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([1, 2, 'the database went away', 'the database went away']);
    expect(await queue.submit('k', 5)).toBe(5);
  });
});
