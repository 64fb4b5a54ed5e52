// Behind a proxy, the limits key on the hop our own proxy saw, not on what the client wrote into
// X-Forwarded-For; a valid API token is never refused for its address's failures; an IPv6 /64 is
// one client. Addresses are random per run: in the postgresql project the counters live in a
// Redis that every run shares.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { generateSecret } from '../src/domain/secrets.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

const limits = limitsFromEnv({});
const RENDER = 'mutation { renderDocument(template: "Hello", data: {}) { content } }';
const SIGN_IN = 'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { sessionToken } }';

const randomIPv4 = () => `100.${64 + randomInt(64)}.${randomInt(256)}.${randomInt(1, 255)}`;
/** A token with a valid shape and checksum that no account holds: it reaches the lookup. */
const unknownToken = () => generateSecret('apiToken');

let t: TestApp;
let validToken: string;
beforeAll(async () => {
  t = await createTestApp(); // one trusted proxy hop, and the default limits
  const { session } = await t.signUp();
  validToken = (await t.generateToken(session)).secret;
});
afterAll(() => t.close());

const render = (token: string, forwardedFor: string) => t.gql(RENDER, {}, { ...bearer(token), 'x-forwarded-for': forwardedFor });

describe('TRUST_PROXY reads the hop our proxy saw', () => {
  it('31 bad tokens sent with "X-Forwarded-For: <integrator>, <attacker>" do not lock the integrator out', async () => {
    const integrator = randomIPv4();
    const attacker = randomIPv4();
    const failures = limits.apiTokenFailuresPerIpPerMinute;
    for (let i = 0; i < failures; i++) expect(codes(await render(unknownToken(), `${integrator}, ${attacker}`))).toEqual(['API_TOKEN_INVALID']);
    // the failures were the attacker's own: that is who is limited now
    const limited = await render(unknownToken(), `${integrator}, ${attacker}`);
    expect(limited.status).toBe(429);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);

    // the integrator's valid token works, and its own typo is an ordinary failure
    expect(codes(await render(validToken, integrator))).toBeUndefined();
    expect(codes(await render(unknownToken(), integrator))).toEqual(['API_TOKEN_INVALID']);
  });

  it('a valid token keeps working from an address that hit the failure limit', async () => {
    const shared = randomIPv4(); // a NAT or a proxy that some script hammers with bad tokens
    for (let i = 0; i < limits.apiTokenFailuresPerIpPerMinute; i++) await render(unknownToken(), shared);
    expect(codes(await render(unknownToken(), shared))).toEqual(['RATE_LIMITED']);
    for (let i = 0; i < 3; i++) expect(codes(await render(validToken, shared))).toBeUndefined();
    // …and its successes gave the failures no allowance back
    expect(codes(await render(unknownToken(), shared))).toEqual(['RATE_LIMITED']);
  });

  it('60 failed sign-ins, each with another left-most entry but one real hop, are limited after 50', async () => {
    const realHop = randomIPv4();
    const answers: string[] = [];
    for (let i = 0; i < 60; i++) {
      const result = await t.gql(
        SIGN_IN,
        // another email each time, so that only the per-address limit applies
        { email: `nobody-${randomUUID()}@example.com`, password: 'wrong password' },
        { 'x-forwarded-for': `${randomIPv4()}, ${realHop}` },
      );
      answers.push(codes(result)!.join());
    }
    const limit = limits.signInFailuresPerIp;
    expect(answers.slice(0, limit)).toEqual(Array(limit).fill('INVALID_CREDENTIALS'));
    expect(answers.slice(limit)).toEqual(Array(60 - limit).fill('RATE_LIMITED'));
  });
});

describe('one client, one spelling', () => {
  it('IPv6 addresses in one /64 share a limit; the next /64 has its own', async () => {
    const [a, b] = [randomInt(0x10000).toString(16), randomInt(0x10000)];
    const prefix = `2001:db8:${a}:${b.toString(16)}`;
    const nextPrefix = `2001:db8:${a}:${(b ^ 1).toString(16)}`;
    const failures = limits.apiTokenFailuresPerIpPerMinute;
    // a different address of the /64 each time, in every spelling
    for (let i = 0; i < failures; i++) {
      const address = i % 2 ? `${prefix}::${(i + 1).toString(16)}` : `${prefix.toUpperCase()}:0:0:${randomBytes(2).toString('hex')}:${i + 1}`;
      expect(codes(await render(unknownToken(), address))).toEqual(['API_TOKEN_INVALID']);
    }
    expect(codes(await render(unknownToken(), `${prefix}:ffff:ffff:ffff:ffff`))).toEqual(['RATE_LIMITED']);
    expect(codes(await render(unknownToken(), `${nextPrefix}::1`))).toEqual(['API_TOKEN_INVALID']);
  });

  it('an IPv4-mapped IPv6 address is the IPv4 address', async () => {
    const address = randomIPv4();
    for (let i = 0; i < limits.apiTokenFailuresPerIpPerMinute; i++) {
      await render(unknownToken(), i % 2 ? address : `::ffff:${address}`);
    }
    expect(codes(await render(unknownToken(), address))).toEqual(['RATE_LIMITED']);
  });
});

describe('over real HTTP, behind two proxies of our own', () => {
  it('the client is the entry the outer proxy added; rotating the left-most entry does not escape the limit', async () => {
    const behindTwo = await createTestApp({ trustProxy: 2 });
    try {
      const { session } = await behindTwo.signUp();
      const { secret } = await behindTwo.generateToken(session);
      const url = await behindTwo.app.start(0, '127.0.0.1'); // the socket's peer, 127.0.0.1, is the inner proxy
      const client = randomIPv4();
      const innerProxy = '10.0.0.2';
      const send = (token: string) =>
        fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(token), 'x-forwarded-for': `${randomIPv4()}, ${client}, ${innerProxy}` },
          body: JSON.stringify({ query: RENDER }),
        });
      for (let i = 0; i < limits.apiTokenFailuresPerIpPerMinute; i++) expect((await send(unknownToken())).status).toBe(401);
      expect((await send(unknownToken())).status).toBe(429);
      expect((await send(secret)).status).toBe(200);
    } finally {
      await behindTwo.close();
    }
  });
});
