// The SDK against a real server whose tokens may make 3 documents a minute: it reads the RateLimit
// headers of each answer, knows after the third that the window is used up, and refuses the fourth
// itself (maxRateLimitWaitMs: 0 forbids the minute's wait) without sending it. What the server's
// request log holds shows what reached it. Assertions go through the SDK's parsed state, so they
// hold for the API's two windows ("per-second", "per-minute") as for its earlier single "token" one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PogodocClient, PogodocError } from '../../sdk/src/index.js';
import { limitsFromEnv } from '../src/config.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp({ limits: { ...limitsFromEnv({}), documentsPerTokenPerMinute: 3 } });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t?.close());

const input = { template: 'Invoice for {{ customer }}', data: { customer: 'Ada' } };

async function outcomesOf(session: string, tokenId: string): Promise<string[]> {
  await t.app.services.requestLog.flush();
  const answer = await t.gql('query($token: ID) { requestConnection(tokenId: $token, first: 100) { edges { node { outcome } } } }', { token: tokenId }, bearer(session));
  expect(answer.errors).toBeUndefined();
  return (answer.data.requestConnection.edges as Array<{ node: { outcome: string } }>).map((edge) => edge.node.outcome).sort();
}

describe('the SDK and the rate limit', () => {
  it('after 3 documents of 3 a minute the SDK knows none are left, and refuses the 4th without sending it', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'paced');
    const pogodoc = new PogodocClient({ token: token.secret, baseUrl: url, envFile: '/nonexistent/.env', maxRateLimitWaitMs: 0 });
    expect(pogodoc.rateLimit).toBeUndefined();

    const remaining: number[] = [];
    for (let document = 1; document <= 3; document++) {
      expect((await pogodoc.renderDocument(input)).documentCount).toBe(document);
      // the window of 3 a minute, whatever the API names it
      const limit = pogodoc.rateLimit!;
      const minute = limit.policies.find((policy) => policy.quota === 3 && policy.windowSeconds === 60);
      expect(minute, JSON.stringify(limit)).toBeDefined();
      remaining.push(limit.states.find((state) => state.name === minute!.name)!.remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const usedUp = pogodoc.rateLimit!.states.filter((state) => state.remaining === 0);
    expect(usedUp).toHaveLength(1);
    expect(usedUp[0]!.resetSeconds).toBeGreaterThan(0);
    expect(usedUp[0]!.resetSeconds).toBeLessThanOrEqual(60);
    expect(usedUp[0]!.resetsAt!.getTime()).toBeGreaterThan(Date.now());

    const failure = await pogodoc.renderDocument(input).then(
      () => expect.unreachable('the 4th document was made'),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PogodocError);
    // no status and no attempt: the SDK answered itself
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', status: undefined, retryable: true, attempts: 0 });
    expect((failure as PogodocError).retryAfterSeconds).toBeGreaterThan(0);
    expect((failure as PogodocError).retryAfterSeconds).toBeLessThanOrEqual(60);

    // the server agrees: a 4th request, sent by hand, is refused; and it is the only one after the 3 documents
    const byHand = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.secret}` },
      body: JSON.stringify({ query: 'mutation { renderDocument(template: "x", data: {}) { documentCount } }' }),
    });
    expect(byHand.status).toBe(429);
    await byHand.text();
    await expect.poll(() => outcomesOf(session, token.id).then((outcomes) => outcomes.length)).toBe(4);
    expect(await outcomesOf(session, token.id)).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
  });
});
