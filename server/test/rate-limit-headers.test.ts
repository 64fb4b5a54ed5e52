// Every document answer says where its token stands in each window of its rate limit, in the IETF
// httpapi draft's RateLimit-Policy and RateLimit headers; the refusal past one is a 429 with
// Retry-After. A token's limits are its plan's share of the service's, or lower where the team
// set them. In the PostgreSQL project the counts are Redis's, shared by every instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ limits: { ...limitsFromEnv({}), documentsPerTokenPerMinute: 3, documentsPerTokenPerSecond: 1000 } });
});
afterAll(async () => {
  await t?.close();
});

/** The RateLimit header's items, by policy name. */
const parse = (header: string | null) => {
  const items = (header ?? '').split(', ').map((item) => /^"([a-z-]+)";r=(\d+);t=(\d+)$/.exec(item));
  expect(items.every(Boolean), `RateLimit: ${header}`).toBe(true);
  return Object.fromEntries(items.map((match) => [match![1], { remaining: Number(match![2]), reset: Number(match![3]) }]));
};

const UPDATE = 'mutation($id: ID!, $second: Int, $minute: Int) { updateToken(id: $id, rateLimitPerSecond: $second, rateLimitPerMinute: $minute) { rateLimitPerSecond rateLimitPerMinute rateLimit { perSecond perMinute } rateLimitCeiling { perSecond perMinute } } }';

describe('RateLimit headers', () => {
  it('count down each window on each document, and the refusal past the limit is a 429 with Retry-After and nothing left', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const { secret } = await t.generateToken(session, 'limited');
    const remaining: number[] = [];
    for (let document = 0; document < 3; document++) {
      const answer = await t.renderDocument(secret);
      expect(answer.errors).toBeUndefined();
      expect(answer.headers.get('ratelimit-policy')).toBe('"per-second";q=1000;w=1, "per-minute";q=3;w=60');
      const state = parse(answer.headers.get('ratelimit'));
      expect(state['per-minute']!.reset).toBeLessThanOrEqual(60);
      expect(state['per-second']!.reset).toBeLessThanOrEqual(1);
      remaining.push(state['per-minute']!.remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const refused = await t.renderDocument(secret);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-policy')).toBe('"per-second";q=1000;w=1, "per-minute";q=3;w=60');
    expect(parse(refused.headers.get('ratelimit'))['per-minute']).toEqual({ remaining: 0, reset: retryAfter });
  });

  it('are not sent before a token is known: a refused credential has none', async () => {
    const missing = await t.renderDocument(undefined);
    expect(codes(missing)).toEqual(['API_TOKEN_MISSING']);
    expect(missing.headers.get('ratelimit')).toBeNull();
  });
});

describe('a token’s own rate limit', () => {
  it('is settable per second within the plan’s ceiling, holds the token to it, and can be removed again', async () => {
    // an app whose minute allows plenty, so that only the second's limit refuses
    const roomy = await createTestApp({ limits: { ...limitsFromEnv({}), documentsPerTokenPerMinute: 1000, documentsPerTokenPerSecond: 1000 } });
    try {
      const { session } = await roomy.signUp({ plan: 'pro' });
      const token = await roomy.generateToken(session, 'paced');
      const set = await roomy.gql(UPDATE, { id: token.id, second: 2 }, bearer(session));
      expect(set.data.updateToken).toEqual({ rateLimitPerSecond: 2, rateLimitPerMinute: null, rateLimit: { perSecond: 2, perMinute: 1000 }, rateLimitCeiling: { perSecond: 1000, perMinute: 1000 } });
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 10 }, () => roomy.renderDocument(token.secret)));
      // a window starts at its first request and lasts a second: the burst spans at most this many
      const windows = Math.floor((performance.now() - started) / 1000) + 1;
      const made = answers.filter((answer) => !answer.errors);
      expect(made.length).toBeGreaterThanOrEqual(2);
      expect(made.length).toBeLessThanOrEqual(2 * windows);
      for (const refusal of answers.filter((answer) => answer.errors)) {
        expect(codes(refusal)).toEqual(['RATE_LIMITED']);
        expect(refusal.status).toBe(429);
        expect(refusal.headers.get('ratelimit-policy')).toBe('"per-second";q=2;w=1, "per-minute";q=1000;w=60');
        expect(Number(refusal.headers.get('retry-after'))).toBe(1);
        expect(parse(refusal.headers.get('ratelimit'))['per-second']!.remaining).toBe(0);
      }
      // every attempt counts in the minute, refused ones too
      let attempts = answers.length + 1;
      let after = await roomy.renderDocument(token.secret);
      if (after.errors) {
        // still in the burst's second: the next one starts within a second
        await new Promise((resolve) => setTimeout(resolve, 1100));
        after = await roomy.renderDocument(token.secret);
        attempts++;
      }
      expect(after.errors).toBeUndefined();
      expect(parse(after.headers.get('ratelimit'))['per-minute']!.remaining).toBe(1000 - attempts);
      const removed = await roomy.gql(UPDATE, { id: token.id, second: null }, bearer(session));
      expect(removed.data.updateToken).toMatchObject({ rateLimitPerSecond: null, rateLimit: { perSecond: 1000, perMinute: 1000 } });
    } finally {
      await roomy.close();
    }
  });

  it('cannot pass the plan’s ceiling, nor be under 1: TOKEN_RATE_LIMIT_INVALID says what the ceiling is', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'greedy');
    const over = await t.gql(UPDATE, { id: token.id, minute: 4 }, bearer(session));
    expect(codes(over)).toEqual(['TOKEN_RATE_LIMIT_INVALID']);
    expect(over.errors![0]!.message).toContain("plan's 3");
    expect(codes(await t.gql(UPDATE, { id: token.id, second: 0 }, bearer(session)))).toEqual(['TOKEN_RATE_LIMIT_INVALID']);
    // more a second than a minute says nothing a person could mean
    await t.gql(UPDATE, { id: token.id, minute: 2 }, bearer(session));
    const inverted = await t.gql(UPDATE, { id: token.id, second: 3 }, bearer(session));
    expect(codes(inverted)).toEqual(['TOKEN_RATE_LIMIT_INVALID']);
    expect(inverted.errors![0]!.message).toContain('a second (3) than a minute (2)');
  });

  it('is inherited by a token a restricted token makes, which cannot lift it', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const manager = (await t.gql('mutation { generateToken(name: "paced manager", scopes: [TOKENS_READ, TOKENS_WRITE, DOCUMENTS_RENDER]) { secret token { id } } }', {}, bearer(session))).data.generateToken;
    await t.gql(UPDATE, { id: manager.token.id, second: 5 }, bearer(session));
    const child = await t.gql('mutation { generateToken(name: "child") { token { id rateLimitPerSecond } } }', {}, bearer(manager.secret));
    expect(child.data.generateToken.token.rateLimitPerSecond).toBe(5);
    // neither on itself nor on its child
    expect(codes(await t.gql(UPDATE, { id: manager.token.id, second: null }, bearer(manager.secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    expect(codes(await t.gql(UPDATE, { id: child.data.generateToken.token.id, second: 50 }, bearer(manager.secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    // and a token with a higher limit is out of its reach
    const free = await t.generateToken(session, 'unpaced');
    expect(codes(await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret } }', { id: free.id }, bearer(manager.secret)))).toEqual(['API_TOKEN_RESTRICTED']);
  });

  it('on the free plan is a quarter of the service’s', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    const token = await t.generateToken(session, 'free');
    const read = await t.gql('query($id: ID!) { token(id: $id) { rateLimit { perSecond perMinute } } }', { id: token.id }, bearer(session));
    // a quarter of 1000 a second; 3 a minute has no smaller whole quarter than 1
    expect(read.data.token.rateLimit).toEqual({ perSecond: 250, perMinute: 1 });
    const answer = await t.renderDocument(token.secret);
    expect(answer.headers.get('ratelimit-policy')).toBe('"per-second";q=250;w=1, "per-minute";q=1;w=60');
  });
});
