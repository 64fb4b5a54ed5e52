// Every document answer says where its token stands in its rate limit, in the IETF httpapi draft's
// RateLimit-Policy and RateLimit headers; the refusal past it is a 429 with Retry-After. In the
// PostgreSQL project the limiter is Redis's, shared by every instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ limits: { ...limitsFromEnv({}), documentsPerTokenPerMinute: 3 } });
});
afterAll(async () => {
  await t?.close();
});

const parse = (header: string | null) => {
  const match = /^"token";r=(\d+);t=(\d+)$/.exec(header ?? '');
  expect(match, `RateLimit: ${header}`).not.toBeNull();
  return { remaining: Number(match![1]), reset: Number(match![2]) };
};

describe('RateLimit headers', () => {
  it('count down on each document, and the refusal past the limit is a 429 with Retry-After and nothing left', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const { secret } = await t.generateToken(session, 'limited');
    const remaining: number[] = [];
    for (let document = 0; document < 3; document++) {
      const answer = await t.renderDocument(secret);
      expect(answer.errors).toBeUndefined();
      expect(answer.headers.get('ratelimit-policy')).toBe('"token";q=3;w=60');
      const state = parse(answer.headers.get('ratelimit'));
      expect(state.reset).toBeLessThanOrEqual(60);
      remaining.push(state.remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const refused = await t.renderDocument(secret);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-policy')).toBe('"token";q=3;w=60');
    expect(parse(refused.headers.get('ratelimit'))).toEqual({ remaining: 0, reset: retryAfter });
  });

  it('are not sent before a token is known: a refused credential has none', async () => {
    const missing = await t.renderDocument(undefined);
    expect(codes(missing)).toEqual(['API_TOKEN_MISSING']);
    expect(missing.headers.get('ratelimit')).toBeNull();
  });
});
