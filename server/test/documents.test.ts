// Using a token: document requests with Authorization: Bearer, counted per token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_MAX_BYTES, TEMPLATE_MAX_BYTES } from '../src/domain/documents.js';
import { generateSecret } from '../src/domain/secrets.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function documentCountOf(session: string, tokenId: string): Promise<number> {
  const result = await t.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id: tokenId }, bearer(session));
  return result.data.token.documentCount;
}

describe('a document request', () => {
  it('renders the template with the data and counts one document on the token', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const result = await t.renderDocument(secret, 'Dear {{ customer.name }}, you owe {{ amount | times: 2 }}.', {
      customer: { name: 'Ada' },
      amount: 21,
    });
    expect(result.status).toBe(200);
    expect(result.data.renderDocument).toEqual({ content: 'Dear Ada, you owe 42.', tokenId: id, documentCount: 1 });
    const token = await t.gql('query($id: ID!) { token(id: $id) { documentCount lastUsedAt } }', { id }, bearer(session));
    expect(token.data.token.documentCount).toBe(1);
    expect(Date.now() - new Date(token.data.token.lastUsedAt).getTime()).toBeLessThan(60_000);
  });

  it('stamps lastUsedAt in UTC whatever the process time zone, read back alike by every query', async () => {
    // lastUsedAt is written by the hot path's own SQL and read by Prisma (token) and by the hot
    // path (tokens); a time-zone slip in either would show as an offset of hours.
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Kathmandu'; // +05:45, so that no whole-hour coincidence hides a slip
    try {
      const { session } = await t.signUp();
      const { id, secret } = await t.generateToken(session);
      const before = Date.now();
      await t.renderDocument(secret);
      const after = Date.now();
      const one = await t.gql('query($id: ID!) { token(id: $id) { lastUsedAt createdAt } }', { id }, bearer(session));
      const list = await t.gql('{ tokens { id lastUsedAt createdAt } }', {}, bearer(session));
      const listed = list.data.tokens.find((token: { id: string }) => token.id === id);
      expect(listed).toEqual({ id, ...one.data.token });
      const usedAt = new Date(one.data.token.lastUsedAt).getTime();
      expect(usedAt).toBeGreaterThanOrEqual(before);
      expect(usedAt).toBeLessThanOrEqual(after);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('counts per token: each token has its own document count', async () => {
    const { session } = await t.signUp();
    const first = await t.generateToken(session, 'first');
    const second = await t.generateToken(session, 'second');
    await t.renderDocument(first.secret);
    await t.renderDocument(first.secret);
    await t.renderDocument(second.secret);
    expect(await documentCountOf(session, first.id)).toBe(2);
    expect(await documentCountOf(session, second.id)).toBe(1);
  });

  it('1,000 concurrent document requests on one token end with the count exactly 1,000 higher', async () => {
    // Business: no quota, so that only the counting is tested here (metering.test.ts tests the quota)
    const { session } = await t.signUp({ plan: 'business' });
    const { id, secret } = await t.generateToken(session);
    await t.renderDocument(secret);
    const before = await documentCountOf(session, id);
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => t.renderDocument(secret, '#{{ n }}', { n: i })));
    expect(results.filter((result) => result.errors)).toEqual([]);
    // every response carries a distinct count: no two increments saw the same value
    const counts = new Set(results.map((result) => result.data.renderDocument.documentCount));
    expect(counts.size).toBe(1000);
    expect(await documentCountOf(session, id)).toBe(before + 1000);
  });

  it('a failed render counts nothing', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const unparsable = await t.renderDocument(secret, 'Hello {% if %}', {});
    expect(codes(unparsable)).toEqual(['TEMPLATE_INVALID']);
    const unknownFilter = await t.renderDocument(secret, '{{ name | no_such_filter }}', { name: 'x' });
    expect(codes(unknownFilter)).toEqual(['TEMPLATE_INVALID']);
    expect(await documentCountOf(session, id)).toBe(0);
  });

  it('size limits on template and data give clear errors and count nothing', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const hugeTemplate = await t.renderDocument(secret, 'x'.repeat(TEMPLATE_MAX_BYTES + 1), {});
    expect(codes(hugeTemplate)).toEqual(['TEMPLATE_TOO_LARGE']);
    expect(hugeTemplate.errors![0]!.message).toMatch(/at most 64 KiB/);
    const hugeData = await t.renderDocument(secret, '{{ a }}', { a: 'y'.repeat(DATA_MAX_BYTES) });
    expect(codes(hugeData)).toEqual(['DATA_TOO_LARGE']);
    const notAnObject = await t.renderDocument(secret, '{{ a }}', [1, 2, 3]);
    expect(codes(notAnObject)).toEqual(['DATA_INVALID']);
    expect(await documentCountOf(session, id)).toBe(0);
  });

  it('templates cannot reach JavaScript, files or prototypes', async () => {
    const { session } = await t.signUp();
    const { secret } = await t.generateToken(session);
    const probes = [
      '{{ constructor.constructor }}',
      '{{ __proto__ }}',
      '{{ name.constructor }}',
      "{% assign x = 'constructor' %}{{ name[x] }}",
    ];
    for (const template of probes) {
      const result = await t.renderDocument(secret, template, { name: 'Ada' });
      expect(result.errors).toBeUndefined();
      expect(result.data.renderDocument.content).toBe('');
    }
    // prototype pollution through the data and through the template: nothing reaches Object.prototype
    const pollution = [
      { data: JSON.parse('{"__proto__": {"polluted": "yes"}}'), template: '{{ polluted }}' },
      { data: { constructor: { prototype: { polluted: 'yes' } } }, template: '{{ constructor.prototype.polluted }}' },
      { data: {}, template: "{% assign __proto__ = 'yes' %}{% assign constructor = 'yes' %}{{ __proto__ }}" },
    ];
    for (const { data, template } of pollution) {
      const result = await t.renderDocument(secret, template, data);
      expect(result.status).toBe(200);
    }
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const include = await t.renderDocument(secret, "{% include '/etc/passwd' %}", {});
    expect(codes(include)).toEqual(['RENDER_FAILED']);
    expect(JSON.stringify(include)).not.toContain('root:');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('API token failures are 401 with a Bearer challenge and a distinct code', () => {
  const expectChallenge = (result: { status: number; headers: Headers }, error?: string) => {
    expect(result.status).toBe(401);
    const challenge = result.headers.get('www-authenticate');
    expect(challenge).toMatch(/^Bearer realm="pogodoc"/);
    if (error) expect(challenge).toContain(`error="${error}"`);
  };

  it('missing: no Authorization header', async () => {
    const result = await t.renderDocument(undefined);
    expect(codes(result)).toEqual(['API_TOKEN_MISSING']);
    expectChallenge(result);
  });

  it('malformed: a typo fails its checksum before any database lookup', async () => {
    const { session } = await t.signUp();
    const { secret } = await t.generateToken(session);
    const typo = secret.slice(0, 10) + (secret[10] === 'A' ? 'B' : 'A') + secret.slice(11);
    const before = t.sql.length;
    const result = await t.renderDocument(typo);
    expect(t.sql.length).toBe(before);
    expect(codes(result)).toEqual(['API_TOKEN_MALFORMED']);
    expectChallenge(result, 'invalid_request');
    expect(codes(await t.renderDocument('not-a-token'))).toEqual(['API_TOKEN_MALFORMED']);
  });

  it('unknown: a well-formed token that was never issued', async () => {
    const result = await t.renderDocument(generateSecret('apiToken'));
    expect(codes(result)).toEqual(['API_TOKEN_INVALID']);
    expectChallenge(result, 'invalid_token');
  });

  it('deleted: a deleted token stops working immediately', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, bearer(session));
    const result = await t.renderDocument(secret);
    expect(codes(result)).toEqual(['API_TOKEN_DELETED']);
    expectChallenge(result, 'invalid_token');
  });

  it('no active plan: a token of an account whose plan was cancelled stops authenticating, and says so', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const { id, secret } = await t.generateToken(session);
    expect((await t.renderDocument(secret)).errors).toBeUndefined();
    const paused = '{ planActive planCancelledAt plan { id } tokensPaused { reason message since } }';
    expect((await t.gql(`query { viewer ${paused} }`, {}, bearer(session))).data.viewer.tokensPaused).toBeNull();
    const cancelled = await t.gql(`mutation { cancelPlan ${paused} }`, {}, bearer(session));
    expect(cancelled.data.cancelPlan).toMatchObject({ planActive: false, plan: { id: 'pro' } });
    const refused = await t.renderDocument(secret);
    expect(codes(refused)).toEqual(['PLAN_REQUIRED']);
    expect(refused.errors![0]!.message).toMatch(/plan of this account was cancelled/);
    // the account says so before any call fails: the tokens are paused, with the code and words a call would get
    expect(cancelled.data.cancelPlan.tokensPaused).toEqual({
      reason: 'PLAN_REQUIRED',
      message: refused.errors![0]!.message,
      since: cancelled.data.cancelPlan.planCancelledAt,
    });
    expectChallenge(refused, 'invalid_token');
    expect(await documentCountOf(session, id)).toBe(1);
    // choosing a plan again brings the token back
    const chosen = await t.gql('mutation { choosePlan(planId: "free") { tokensPaused { reason } } }', {}, bearer(session));
    expect(chosen.data.choosePlan.tokensPaused).toBeNull();
    expect((await t.renderDocument(secret)).data.renderDocument.documentCount).toBe(2);
  });

  it('a session token is not an API token', async () => {
    const { session } = await t.signUp();
    const result = await t.renderDocument(session);
    expect(codes(result)).toEqual(['API_TOKEN_MALFORMED']);
    expectChallenge(result);
  });

  it('the 401 reaches HTTP clients as sent over the wire', async () => {
    const url = await t.app.start(0, '127.0.0.1');
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer pgd_nope' },
      body: JSON.stringify({ query: 'mutation { renderDocument(template: "x", data: {}) { content } }' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('API_TOKEN_MALFORMED');
  });
});

describe('what the database holds', () => {
  it('the count in the database is the count the API reports', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    for (let i = 0; i < 5; i++) await t.renderDocument(secret);
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id }, select: { documentCount: true } });
    expect(row.documentCount).toBe(5);
  });
});
