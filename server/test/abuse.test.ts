// Abuse and bad input at the HTTP and GraphQL level: every case gets a defined answer,
// and the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let url: string;
const limits = limitsFromEnv({});

beforeAll(async () => {
  t = await createTestApp({
    limits: { ...limits, signInFailuresPerAccount: 3, signInFailuresPerIp: 6, apiTokenFailuresPerIpPerMinute: 5, documentsPerTokenPerMinute: 4 },
  });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, extra: RequestInit = {}) =>
  fetch(`${url}/graphql`, { method: 'POST', headers, body, ...extra });

describe('GraphQL limits', () => {
  it('refuses a query deeper than the depth limit', async () => {
    // our types nest at most four levels, so the limit is shown lowered to three
    const shallow = await createTestApp({ limits: { ...limits, maxDepth: 3 } });
    try {
      const result = await shallow.gql('mutation { signUp(email: "deep@example.com", password: "long password") { account { plan { id } } } }');
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0]?.message).toMatch(/depth limit of 3 exceeded/i);
      // nothing ran: the account was not created
      const again = await shallow.gql('mutation { signUp(email: "deep@example.com", password: "long password") { account { id } } }');
      expect(again.data.signUp.account.id).toBeTruthy();
    } finally {
      await shallow.close();
    }
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from({ length: limits.maxAliases + 1 }, (_, i) => `a${i}: plans { id }`).join(' ');
    const result = await t.gql(`{ ${aliases} }`);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it('refuses too many tokens', async () => {
    const fields = Array.from({ length: limits.maxTokens }, () => 'id').join(' ');
    const result = await t.gql(`{ plans { ${fields} } }`);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/token/i);
  });

  it('refuses too many directives', async () => {
    const directives = Array.from({ length: limits.maxDirectives + 1 }, () => '@include(if: true)').join(' ');
    const result = await t.gql(`{ plans ${directives} { id } }`);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/directive/i);
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await post(JSON.stringify({ query: '{ plans { id } }', variables: { pad: 'x'.repeat(limits.maxRequestBodyBytes) } }));
    expect(response.status).toBe(413);
  });

  it('counts a chunked body (no Content-Length) as it streams: under the limit it runs, over it is 413', async () => {
    const chunked = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
          controller.close();
        },
      });
      return post('', { 'content-type': 'application/json' }, { body, duplex: 'half' } as RequestInit);
    };
    const small = await chunked(JSON.stringify({ query: '{ plans { id } }' }));
    expect(small.headers.get('content-length')).not.toBeNull(); // the answer's, not the request's
    expect(small.status).toBe(200);
    expect(((await small.json()) as { data: { plans: unknown[] } }).data.plans.length).toBeGreaterThan(0);

    const large = await chunked(JSON.stringify({ query: '{ plans { id } }', variables: { pad: 'x'.repeat(limits.maxRequestBodyBytes) } }));
    expect(large.status).toBe(413);
    const result = (await large.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(result.errors[0]!.extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(result.errors[0]!.message).toContain(`${limits.maxRequestBodyBytes} bytes`);
  });

  it('answers malformed JSON and wrong content types with 4xx, never 500', async () => {
    for (const [body, type] of [
      ['{"query": ', 'application/json'],
      ['not json at all', 'application/json'],
      ['[]', 'application/json'],
      ['{"query": 42}', 'application/json'],
      ['{ plans { id } }', 'text/plain'],
      ['query=%7B+plans+%7B+id+%7D+%7D', 'application/x-www-form-urlencoded'],
    ] as const) {
      const response = await post(body, { 'content-type': type });
      expect(response.status, `${type}: ${body}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${type}: ${body}`).toBeLessThan(500);
    }
  });

  it('batching is off: an array of operations is refused', async () => {
    const response = await post(JSON.stringify([{ query: '{ plans { id } }' }, { query: '{ plans { id } }' }]));
    expect(response.status).toBe(400);
  });
});

describe('cookies and browsers', () => {
  it('a cross-site "simple" request carrying the session cookie is refused (CSRF)', async () => {
    const { session } = await t.signUp();
    const viaGet = await fetch(`${url}/graphql?query=${encodeURIComponent('{ tokens { id } }')}`, {
      headers: { cookie: `pogodoc_session=${session}` },
    });
    expect(viaGet.status).toBe(403);
    // the same request from our own client, with the header, is served
    const ours = await fetch(`${url}/graphql?query=${encodeURIComponent('{ tokens { id } }')}`, {
      headers: { cookie: `pogodoc_session=${session}`, 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
    });
    expect(ours.status).toBe(200);
  });

  it('sends the security headers a JSON API and a dashboard should', async () => {
    const api = await post(JSON.stringify({ query: '{ plans { id } }' }));
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api.headers.get('x-frame-options')).toBe('DENY');
    expect(api.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('introspection can be turned off for production', async () => {
    const closed = await createTestApp({ introspection: false });
    try {
      const result = await closed.gql('{ __schema { types { name } } }');
      expect(result.errors?.[0]?.message).toMatch(/introspection/i);
      expect((await closed.gql('{ plans { id } }')).data.plans.length).toBeGreaterThan(0);
    } finally {
      await closed.close();
    }
  });
});

describe('rate limits', () => {
  it('failed sign-ins are limited per account, with 429 and Retry-After, even for the right password', async () => {
    const { email } = await t.signUp();
    const signIn = (password: string) =>
      t.gql('mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { sessionToken } }', { e: email, p: password });
    for (let i = 0; i < 3; i++) expect(codes(await signIn('wrong password'))).toEqual(['INVALID_CREDENTIALS']);
    const limited = await signIn('correct horse battery');
    expect(limited.status).toBe(429);
    expect(codes(limited)).toEqual(['RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.errors![0]!.extensions!.retryAfter).toBe(Number(limited.headers.get('retry-after')));
  });

  it('failed API-token authentications are limited per address', async () => {
    const fresh = await createTestApp({ limits: { ...limits, apiTokenFailuresPerIpPerMinute: 5 } });
    try {
      const { session } = await fresh.signUp();
      const { secret } = await fresh.generateToken(session);
      for (let i = 0; i < 5; i++) expect((await fresh.renderDocument('pgd_guess')).status).toBe(401);
      const limited = await fresh.renderDocument('pgd_guess');
      expect(limited.status).toBe(429);
      expect(codes(limited)).toEqual(['RATE_LIMITED']);
      // failures are limited, successes never are: a valid token still works from that address
      expect((await fresh.renderDocument(secret)).errors).toBeUndefined();
      expect(codes(await fresh.renderDocument('pgd_guess'))).toEqual(['RATE_LIMITED']);
    } finally {
      await fresh.close();
    }
  });

  it('document requests are limited per token; other tokens are unaffected', async () => {
    // a paid plan: the free plan's tokens get a quarter of the service's limit (token-rate-limits.ts)
    const { session } = await t.signUp({ plan: 'pro' });
    const busy = await t.generateToken(session, 'busy');
    const other = await t.generateToken(session, 'other');
    for (let i = 0; i < 4; i++) expect((await t.renderDocument(busy.secret)).errors).toBeUndefined();
    const limited = await t.renderDocument(busy.secret);
    expect(limited.status).toBe(429);
    expect(limited.errors![0]!.message).toMatch(/Too many document requests with this API token. Try again in \d+ seconds?\./);
    expect((await t.renderDocument(other.secret)).errors).toBeUndefined();
    // a refused request counts nothing
    const count = await t.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id: busy.id }, bearer(session));
    expect(count.data.token.documentCount).toBe(4);
  });
});
