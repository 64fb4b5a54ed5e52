// Sign-ups are limited per client address: one address cannot mint accounts (each with its own
// tokens and quota) without end. Addresses are random per run: in the postgresql project the
// counters live in a Redis that every run shares.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { codes, createTestApp, type TestApp } from './support/test-app.js';

const SIGN_UP = 'mutation($email: String!, $password: String!) { signUp(email: $email, password: $password) { sessionToken } }';
const limits = limitsFromEnv({});
const freshAddress = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const signUp = (address: string, email = `new-${randomUUID()}@example.com`) =>
  t.gql(SIGN_UP, { email, password: 'a long enough password' }, { 'x-forwarded-for': address });

describe('sign-ups per address', () => {
  it('by default, the 21st sign-up from one address in an hour is RATE_LIMITED; another address is not', async () => {
    const address = freshAddress();
    for (let i = 0; i < 20; i++) expect(codes(await signUp(address))).toBeUndefined();
    const refused = await signUp(address);
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.errors![0]!.message).toMatch(/Too many sign-ups from your address/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(codes(await signUp(freshAddress()))).toBeUndefined();
    expect(limits.signUpsPerIpPerHour).toBe(20); // SIGN_UPS_PER_IP_PER_HOUR's default, as docs/configuration.md says
  });

  it('the limit is per /64, and invalid input costs nothing', async () => {
    const few = await createTestApp({ limits: { ...limits, signUpsPerIpPerHour: 2 } });
    try {
      const prefix = freshAddress().replace(/::1$/, '');
      const signUpOnFew = (address: string, email: string) =>
        few.gql(SIGN_UP, { email, password: 'a long enough password' }, { 'x-forwarded-for': address });
      expect(codes(await signUpOnFew(`${prefix}::1`, 'not-an-email'))).toEqual(['EMAIL_INVALID']);
      expect(codes(await signUpOnFew(`${prefix}::1`, `a-${randomUUID()}@example.com`))).toBeUndefined();
      expect(codes(await signUpOnFew(`${prefix}::2`, `b-${randomUUID()}@example.com`))).toBeUndefined();
      expect(codes(await signUpOnFew(`${prefix}::3`, `c-${randomUUID()}@example.com`))).toEqual(['RATE_LIMITED']);
    } finally {
      await few.close();
    }
  });
});
