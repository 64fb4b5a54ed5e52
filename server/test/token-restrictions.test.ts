// What a token may do beyond being valid: an IP allowlist, a monthly document limit, and
// renaming, through the public GraphQL API and the database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

let offsetMs = 0;
const clockNow = () => new Date(Date.now() + offsetMs);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { clock: clockNow });
});
afterAll(() => t.close());

const FIELDS = 'id name allowedIps monthlyDocumentLimit documentsThisMonth documentCount lastUsedAddress';
const UPDATE = `mutation($id: ID!, $name: String, $ips: [String!], $limit: Int) { updateToken(id: $id, name: $name, allowedIps: $ips, monthlyDocumentLimit: $limit) { ${FIELDS} } }`;
const RENDER = 'mutation { renderDocument(template: "x", data: {}) { documentCount } }';

async function update(session: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
  return t.gql(UPDATE, variables, bearer(session));
}

async function tokenWithAllowlist(allowedIps: string[]) {
  const { session } = await t.signUp();
  const token = await t.generateToken(session, 'restricted');
  const updated = await update(session, { id: token.id, ips: allowedIps });
  expect(updated.errors).toBeUndefined();
  return { session, ...token };
}

/** A document request whose proxy (TRUST_PROXY=1 in the test app) says it came from `forwardedFor`. */
const renderFrom = (secret: string, forwardedFor: string) => t.gql(RENDER, {}, { ...bearer(secret), 'x-forwarded-for': forwardedFor });

async function countOf(id: string): Promise<number> {
  return (await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } })).documentCount;
}

describe('IP allowlist', () => {
  it('IPv4: a request from inside the CIDR works; from elsewhere it gets 403 API_TOKEN_IP_NOT_ALLOWED and counts nothing', async () => {
    const { id, secret } = await tokenWithAllowlist(['203.0.113.0/24']);
    expect((await renderFrom(secret, '203.0.113.9')).data?.renderDocument.documentCount).toBe(1);
    const refused = await renderFrom(secret, '198.51.100.7');
    expect(codes(refused)).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
    expect(refused.status).toBe(403);
    expect(refused.errors![0]!.message).toContain('198.51.100.7');
    expect(await countOf(id)).toBe(1);
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.lastUsedAddress).toBe('203.0.113.9');
  });

  it('honours TRUST_PROXY: the address our proxy saw counts, whatever the client wrote to its left', async () => {
    const { id, secret } = await tokenWithAllowlist(['203.0.113.0/24']);
    // the client claims an allowed address; our one proxy appended the real one
    expect(codes(await renderFrom(secret, '203.0.113.9, 198.51.100.7'))).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
    // the client claims anything; our proxy saw an allowed address
    expect((await renderFrom(secret, '198.51.100.7, 203.0.113.200')).data?.renderDocument.documentCount).toBe(1);
    // IPv4-mapped IPv6 is the IPv4 address it carries
    expect((await renderFrom(secret, '::ffff:203.0.113.5')).data?.renderDocument.documentCount).toBe(2);
    expect(await countOf(id)).toBe(2);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: the connection itself must be allowed', async () => {
    const direct = await createTestApp({ trustProxy: 0 });
    try {
      const { session } = await direct.signUp();
      const token = await direct.generateToken(session, 'direct');
      await direct.gql(UPDATE, { id: token.id, ips: ['203.0.113.0/24'] }, bearer(session));
      const refused = await direct.gql(RENDER, {}, { ...bearer(token.secret), 'x-forwarded-for': '203.0.113.9' });
      expect(codes(refused)).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
    } finally {
      await direct.close();
    }
  });

  it('IPv6: a /48 admits its addresses and refuses its neighbours', async () => {
    const { id, secret } = await tokenWithAllowlist(['2001:db8:abcd::/48', '203.0.113.9']);
    expect((await renderFrom(secret, '2001:db8:abcd:12::5')).data?.renderDocument.documentCount).toBe(1);
    expect((await renderFrom(secret, '[2001:DB8:ABCD:0:0:0:0:1]:443')).data?.renderDocument.documentCount).toBe(2);
    expect(codes(await renderFrom(secret, '2001:db8:abce::1'))).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
    // a single address is a /32 (or /128)
    expect((await renderFrom(secret, '203.0.113.9')).data?.renderDocument.documentCount).toBe(3);
    expect(codes(await renderFrom(secret, '203.0.113.10'))).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
    expect(await countOf(id)).toBe(3);
  });

  it('an IPv4-mapped IPv6 entry is stored as the IPv4 it carries, and matches that IPv4 client', async () => {
    const { id, secret } = await tokenWithAllowlist(['::ffff:203.0.113.7', '::FFFF:198.51.100.0/120', '::ffff:c000:0200/120']);
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.allowedIps).toBe('203.0.113.7/32,198.51.100.0/24,192.0.2.0/24');
    expect((await renderFrom(secret, '203.0.113.7')).data?.renderDocument.documentCount).toBe(1);
    expect((await renderFrom(secret, '198.51.100.200')).data?.renderDocument.documentCount).toBe(2);
    expect((await renderFrom(secret, '::ffff:192.0.2.1')).data?.renderDocument.documentCount).toBe(3);
    expect(codes(await renderFrom(secret, '203.0.113.8'))).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
    expect(await countOf(id)).toBe(3);
    // a mapped range with host bits set gets the same advice, in the IPv4 it will be stored as
    const { session } = await t.signUp();
    const other = await t.generateToken(session, 'typo');
    const refused = await update(session, { id: other.id, ips: ['::ffff:203.0.113.7/120'] });
    expect(codes(refused)).toEqual(['TOKEN_IP_ALLOWLIST_INVALID']);
    expect(refused.errors![0]!.message).toMatch(/has bits set past its \/120 prefix\. Did you mean 203\.0\.113\.0\/24\?/);
  });

  it('is validated with clear errors and stored normalised; an empty list allows any address again', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session, 'validated');
    const refusedWith = async (ips: string[], message: RegExp) => {
      const result = await update(session, { id, ips });
      expect(codes(result)).toEqual(['TOKEN_IP_ALLOWLIST_INVALID']);
      expect(result.errors![0]!.message).toMatch(message);
    };
    await refusedWith(['banana'], /"banana" is not an IP address or CIDR range/);
    await refusedWith(['10.0.0.1/8'], /Did you mean 10\.0\.0\.0\/8\?/);
    await refusedWith(['2001:db8::/129'], /is not an IP address or CIDR range/);
    await refusedWith(['10.1/16'], /"10\.1\/16" is not an IP address or CIDR range/);
    await refusedWith(Array.from({ length: 21 }, (_, i) => `10.0.${i}.0/24`), /at most 20 entries; this one has 21/);

    const twenty = Array.from({ length: 20 }, (_, i) => `10.0.${i}.0/24`);
    expect((await update(session, { id, ips: twenty })).data.updateToken.allowedIps).toEqual(twenty);
    const normalised = await update(session, { id, ips: [' 2001:DB8:0::/32 ', '203.0.113.9', '203.0.113.9/32'] });
    expect(normalised.data.updateToken.allowedIps).toEqual(['2001:db8::/32', '203.0.113.9/32']);
    expect(codes(await renderFrom(secret, '198.51.100.7'))).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);

    expect((await update(session, { id, ips: [] })).data.updateToken.allowedIps).toEqual([]);
    expect((await renderFrom(secret, '198.51.100.7')).data?.renderDocument.documentCount).toBe(1);
  });
});

describe('monthly document limit per token', () => {
  it('is exact under concurrency: 20 simultaneous documents against a limit of 5 make exactly 5', async () => {
    offsetMs = 0;
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session, 'capped');
    expect((await update(session, { id, limit: 5 })).data.updateToken).toMatchObject({ monthlyDocumentLimit: 5, documentsThisMonth: 0 });

    const results = await Promise.all(Array.from({ length: 20 }, () => t.renderDocument(secret)));
    const made = results.filter((result) => result.data?.renderDocument);
    const refused = results.filter((result) => !result.data?.renderDocument);
    expect(made.map((result) => result.data.renderDocument.documentCount).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(refused).toHaveLength(15);
    const now = clockNow();
    const resetsAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    for (const result of refused) {
      expect(codes(result)).toEqual(['TOKEN_LIMIT_EXCEEDED']);
      expect(result.status).toBe(429);
      expect(result.errors![0]!.extensions!.resetsAt).toBe(resetsAt);
      expect(result.errors![0]!.message).toContain(resetsAt);
      expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await countOf(id)).toBe(5);

    // the next month starts again
    offsetMs = new Date(resetsAt).getTime() - Date.now();
    expect((await t.renderDocument(secret)).data?.renderDocument.documentCount).toBe(6);
    const listed = (await t.gql(`{ tokens { ${FIELDS} } }`, {}, bearer(session))).data.tokens[0];
    expect(listed).toMatchObject({ documentsThisMonth: 1, documentCount: 6 });
    offsetMs = 0;
  });

  it('holds for documents with Idempotency-Keys too, where the count and the stored result commit together', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session, 'capped keys');
    await update(session, { id, limit: 3 });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.gql(RENDER, {}, { ...bearer(secret), 'idempotency-key': randomUUID() })),
    );
    expect(results.filter((result) => result.data?.renderDocument)).toHaveLength(3);
    for (const result of results.filter((result) => !result.data?.renderDocument)) expect(codes(result)).toEqual(['TOKEN_LIMIT_EXCEEDED']);
    expect(await countOf(id)).toBe(3);
  });

  it('a retry of a document made with an Idempotency-Key gets its stored result after the limit is reached; a new key is refused', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session, 'limited retry');
    await update(session, { id, limit: 1 });
    const key = randomUUID();
    const first = await t.gql(RENDER, {}, { ...bearer(secret), 'idempotency-key': key });
    expect(first.data?.renderDocument.documentCount).toBe(1);
    // the month is used up; the answer that was lost on the way is still the client's to fetch
    const retried = await t.gql(RENDER, {}, { ...bearer(secret), 'idempotency-key': key });
    expect(retried.errors).toBeUndefined();
    expect(retried.data.renderDocument.documentCount).toBe(1);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(codes(await t.gql(RENDER, {}, { ...bearer(secret), 'idempotency-key': randomUUID() }))).toEqual(['TOKEN_LIMIT_EXCEEDED']);
    expect(await countOf(id)).toBe(1);
  });

  it('must be at least 1 and at most the plan quota; null removes it', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    const { id, secret } = await t.generateToken(session, 'limits');
    for (const limit of [0, -3, 101]) {
      const result = await update(session, { id, limit });
      expect(codes(result)).toEqual(['TOKEN_MONTHLY_LIMIT_INVALID']);
    }
    expect((await update(session, { id, limit: 101 })).errors![0]!.message).toContain('quota of 100');
    await update(session, { id, limit: 1 });
    await t.renderDocument(secret);
    expect(codes(await t.renderDocument(secret))).toEqual(['TOKEN_LIMIT_EXCEEDED']);
    expect((await update(session, { id, limit: null })).data.updateToken.monthlyDocumentLimit).toBeNull();
    expect((await t.renderDocument(secret)).data?.renderDocument.documentCount).toBe(2);
  });
});

describe('rename and edit with updateToken', () => {
  it('renames with the same rules as generating; left-out fields stay', async () => {
    const { session } = await t.signUp();
    const { id } = await t.generateToken(session, 'before');
    await update(session, { id, ips: ['203.0.113.0/24'], limit: 50 });
    const renamed = await update(session, { id, name: '  Production 🔑 ' });
    expect(renamed.data.updateToken).toMatchObject({ name: 'Production 🔑', allowedIps: ['203.0.113.0/24'], monthlyDocumentLimit: 50 });
    expect(codes(await update(session, { id, name: '   ' }))).toEqual(['TOKEN_NAME_REQUIRED']);
    expect(codes(await update(session, { id, name: 'x'.repeat(21) }))).toEqual(['TOKEN_NAME_TOO_LONG']);
    expect(codes(await update(session, { id, name: 'bad\u202Ename' }))).toEqual(['TOKEN_NAME_INVALID']);
    expect(codes(await update(session, { id, name: 'Produc\u200Btion' }))).toEqual(['TOKEN_NAME_INVALID']);
    expect((await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id } })).name).toBe('Production 🔑');
    // normalised to NFC on rename too
    expect((await update(session, { id, name: 'Cafe\u0301' })).data.updateToken.name).toBe('Caf\u00E9');
    expect((await update(session, { id, name: 'x'.repeat(20) })).data.updateToken.name).toBe('x'.repeat(20));
  });

  it("a deleted token and another account's token cannot be edited", async () => {
    const { session } = await t.signUp();
    const { id } = await t.generateToken(session, 'gone');
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, bearer(session));
    expect(codes(await update(session, { id, name: 'back' }))).toEqual(['TOKEN_ALREADY_DELETED']);
    const other = await t.signUp();
    const theirs = await t.generateToken(other.session, 'theirs');
    expect(codes(await update(session, { id: theirs.id, name: 'mine' }))).toEqual(['TOKEN_NOT_FOUND']);
    expect(codes(await update(session, { id: theirs.id, ips: ['0.0.0.0/32'] }))).toEqual(['TOKEN_NOT_FOUND']);
  });
});

describe('restrictions set when the token is made', () => {
  const GENERATE = 'mutation($name: String!, $ips: [String!], $limit: Int, $scopes: [TokenScope!]) { generateToken(name: $name, allowedIps: $ips, monthlyDocumentLimit: $limit, scopes: $scopes) { secret token { id allowedIps monthlyDocumentLimit } } }';

  it('generateToken takes an allowlist and a monthly limit, in the same transaction as the token', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const made = await t.gql(GENERATE, { name: 'fenced', ips: ['203.0.113.0/24', '2001:db8::/48'], limit: 50 }, bearer(session));
    expect(made.data.generateToken.token).toMatchObject({ allowedIps: ['203.0.113.0/24', '2001:db8::/48'], monthlyDocumentLimit: 50 });
    const refused = await t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer(made.data.generateToken.secret), 'x-forwarded-for': '198.51.100.1' });
    expect(codes(refused)).toEqual(['API_TOKEN_IP_NOT_ALLOWED']);
  });

  it('refuses a bad allowlist or limit and makes nothing', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    const count = async () => (await t.gql('{ tokens { id } }', {}, bearer(session))).data.tokens.length;
    expect(codes(await t.gql(GENERATE, { name: 'bad ips', ips: ['banana'] }, bearer(session)))).toEqual(['TOKEN_IP_ALLOWLIST_INVALID']);
    expect(codes(await t.gql(GENERATE, { name: 'too many', limit: 101 }, bearer(session)))).toEqual(['TOKEN_MONTHLY_LIMIT_INVALID']);
    expect(await count()).toBe(0);
  });

  it('a token with an allowlist of its own passes it on and may not choose another', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const manager = await t.gql(GENERATE, { name: 'manager', ips: ['203.0.113.0/24'], scopes: ['TOKENS_WRITE', 'DOCUMENTS_RENDER'] }, bearer(session));
    const secret = manager.data.generateToken.secret as string;
    const asked = await t.gql(GENERATE, { name: 'wider', ips: ['0.0.0.0/0'] }, { ...bearer(secret), 'x-forwarded-for': '203.0.113.9' });
    expect(codes(asked)).toEqual(['API_TOKEN_RESTRICTED']);
    const child = await t.gql(GENERATE, { name: 'child' }, { ...bearer(secret), 'x-forwarded-for': '203.0.113.9' });
    expect(child.data.generateToken.token.allowedIps).toEqual(['203.0.113.0/24']);
  });
});
