// Concurrent bursts against the sign-in limits: every attempt takes its point before the password
// is checked, so no burst gets more verifications than the limit allows, in memory and in Redis.
// Each test uses addresses and emails of its own: in the postgresql project the counters live in
// a Redis that every run shares.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { codes, createTestApp, type TestApp } from './support/test-app.js';

const SIGN_IN = 'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { sessionToken } }';
const limits = limitsFromEnv({});

/** An address in a /64 of this run's own. */
const freshAddress = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::7`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ limits: { ...limits, signInFailuresPerAccount: 10, signInFailuresPerIp: 10 } });
});
afterAll(() => t.close());

const signIn = (email: string, password: string, address: string) =>
  t.gql(SIGN_IN, { email, password }, { 'x-forwarded-for': address });

/** How many answers got each code; every INVALID_CREDENTIALS is one password verification. */
function tally(results: Array<Awaited<ReturnType<typeof signIn>>>) {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const code = codes(result)?.join(',') ?? 'OK';
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

describe('the sign-in limits under concurrent bursts', () => {
  it('30 concurrent wrong passwords for one account: exactly 10 are verified, 20 are RATE_LIMITED', async () => {
    const { email } = await t.signUp();
    // ten addresses, three attempts each: only the per-account limit (10) applies
    const addresses = Array.from({ length: 10 }, freshAddress);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(email, `wrong password ${i}`, addresses[i % 10]!)),
    );
    expect(tally(results)).toEqual({ INVALID_CREDENTIALS: 10, RATE_LIMITED: 20 });
    // the account is limited now, for the right password too
    expect(codes(await signIn(email, 'correct horse battery', freshAddress()))).toEqual(['RATE_LIMITED']);
  });

  it('a burst of 100 for one account still verifies exactly 10', async () => {
    const { email } = await t.signUp();
    const addresses = Array.from({ length: 20 }, freshAddress);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => signIn(email, `wrong password ${i}`, addresses[i % 20]!)),
    );
    expect(tally(results)).toEqual({ INVALID_CREDENTIALS: 10, RATE_LIMITED: 90 });
  });

  it('30 concurrent wrong passwords from one address, each for another email: exactly 10 are verified', async () => {
    const address = freshAddress();
    // successes are not failures: more of them than the limit leave the address its whole allowance
    const { email } = await t.signUp();
    for (let i = 0; i < 12; i++) expect(codes(await signIn(email, 'correct horse battery', address))).toBeUndefined();

    const results = await Promise.all(
      Array.from({ length: 30 }, () => signIn(`nobody-${randomUUID()}@example.com`, 'wrong password', address)),
    );
    expect(tally(results)).toEqual({ INVALID_CREDENTIALS: 10, RATE_LIMITED: 20 });
    // attempts refused by the address's limit take no point from the account's limit: after more
    // of them than that limit, the account still signs in from elsewhere
    for (let i = 0; i < 15; i++) expect(codes(await signIn(email, 'wrong password', address))).toEqual(['RATE_LIMITED']);
    expect(codes(await signIn(email, 'correct horse battery', freshAddress()))).toBeUndefined();
  });
});
