// The SDK against a real server: an account over its plan's quota gets PogodocQuotaExceededError
// with resetsAt, and the SDK does not retry it despite the 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PogodocClient, PogodocError, PogodocQuotaExceededError } from '../../sdk/src/index.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t?.close());

describe('the SDK and the quota', () => {
  it('QUOTA_EXCEEDED: PogodocQuotaExceededError with resetsAt, 429, not retried; a larger plan lifts it', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    const { secret } = await t.generateToken(session, 'sdk');
    const client = new PogodocClient({ token: secret, baseUrl: url, envFile: '/nonexistent/.env', minRetryDelayMs: 1, maxRetryDelayMs: 2 });
    const input = { template: 'x', data: {} };
    for (let i = 0; i < 100; i++) await client.renderDocument(input);
    const error = await client.renderDocument(input).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(PogodocQuotaExceededError);
    expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 429, retryable: false, attempts: 1 });
    const now = new Date();
    expect((error as PogodocQuotaExceededError).resetsAt).toEqual(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)));
    expect((error as PogodocError).retryAfterSeconds).toBeGreaterThan(0);

    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, bearer(session));
    expect((await client.renderDocument(input)).documentCount).toBe(101);
  });
});
