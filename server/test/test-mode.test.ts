// Test-mode tokens: a pgd_test_ secret (still checksummed), watermarked documents counted on the
// token but never in the account's quota, usage or period meter, a small rate limit of their own,
// the mode in the API and the audit log, and no way to turn one into a live token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSecretShape } from '../src/domain/secrets.js';
import { TEST_MODE_WATERMARK } from '../src/domain/token-modes.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const GENERATE = 'mutation($name: String!, $mode: TokenMode) { generateToken(name: $name, mode: $mode) { secret token { id mode rateLimit { perSecond perMinute } } } }';
const RENDER = 'mutation { renderDocument(template: "Invoice {{ n }}", data: { n: 7 }) { content documentCount testMode } }';
const PERIOD = '{ viewer { currentPeriod { used quota } } }';

async function generate(session: string, name: string, mode?: 'LIVE' | 'TEST') {
  const answer = await t.gql(GENERATE, { name, mode }, bearer(session));
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return answer.data.generateToken as { secret: string; token: { id: string; mode: string; rateLimit: { perSecond: number; perMinute: number } } };
}

describe('a test-mode token', () => {
  it('has a pgd_test_ secret that is checksummed like a live one', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const test = await generate(session, 'ci', 'TEST');
    const live = await generate(session, 'production');
    expect(test.secret).toMatch(/^pgd_test_[0-9A-Za-z]{36}$/);
    expect(live.secret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    expect([test.token.mode, live.token.mode]).toEqual(['TEST', 'LIVE']);
    expect(checkSecretShape(test.secret, 'apiToken')).toBe('valid');
    // one character changed: refused before any lookup, like a live secret with a typo
    const typo = `${test.secret.slice(0, -1)}${test.secret.endsWith('A') ? 'B' : 'A'}`;
    const refused = await t.gql(RENDER, {}, bearer(typo));
    expect(codes(refused)).toEqual(['API_TOKEN_MALFORMED']);
    expect(refused.status).toBe(401);
    const listed = await t.gql('{ tokens { id mode preview } }', {}, bearer(session));
    expect(listed.data.tokens.find((token: { id: string }) => token.id === test.token.id)).toMatchObject({ mode: 'TEST', preview: expect.stringMatching(/^pgd_test_.{4}….{4}$/) });
  });

  it('makes watermarked documents that count on the token and use none of the quota, even once the quota is used up', async () => {
    const { session, accountId } = await t.signUp({ plan: 'free' });
    const test = await generate(session, 'ci', 'TEST');
    const first = await t.gql(RENDER, {}, bearer(test.secret));
    expect(first.errors).toBeUndefined();
    expect(first.data.renderDocument).toEqual({ content: `${TEST_MODE_WATERMARK}\nInvoice 7`, documentCount: 1, testMode: true });
    expect((await t.gql(PERIOD, {}, bearer(session))).data.viewer.currentPeriod).toEqual({ used: 0, quota: 100 });

    // the account's quota used up by live documents: the test token goes on, the live one stops
    await t.app.database.sql.rows(
      { name: 'test_mode_use_quota', text: `INSERT INTO "AccountPeriodUsage" ("accountId", "period", "documentCount") VALUES ($1, $2, 100) ON CONFLICT ("accountId", "period") DO UPDATE SET "documentCount" = 100` },
      [accountId, new Date().toISOString().slice(0, 7)],
    );
    const live = await generate(session, 'production');
    expect(codes(await t.gql(RENDER, {}, bearer(live.secret)))).toEqual(['QUOTA_EXCEEDED']);
    const second = await t.gql(RENDER, {}, bearer(test.secret));
    expect(second.data.renderDocument).toMatchObject({ documentCount: 2, testMode: true });
    // with an Idempotency-Key too: the stored result is the watermarked one
    const keyed = await t.gql(RENDER, {}, { ...bearer(test.secret), 'idempotency-key': 'ci-run-1' });
    const replayed = await t.gql(RENDER, {}, { ...bearer(test.secret), 'idempotency-key': 'ci-run-1' });
    expect(keyed.data.renderDocument).toMatchObject({ documentCount: 3, testMode: true });
    expect(replayed.data.renderDocument).toEqual(keyed.data.renderDocument);
    expect(replayed.data.renderDocument.content.startsWith(TEST_MODE_WATERMARK)).toBe(true);

    expect((await t.gql(PERIOD, {}, bearer(session))).data.viewer.currentPeriod).toEqual({ used: 100, quota: 100 });
    // nothing in the account's usage buckets either
    const now = Date.now();
    const usage = await t.gql(
      'query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to, granularity: HOUR) { documentCount } }',
      { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() },
      bearer(session),
    );
    expect(usage.data.usage.reduce((sum: number, point: { documentCount: number }) => sum + point.documentCount, 0)).toBe(0);
  });

  it('has an allowance of its own: past the account’s 1,000 test documents a month, TEST_QUOTA_EXCEEDED; live tokens go on', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const test = await generate(session, 'ci', 'TEST');
    const live = await generate(session, 'production');
    expect((await t.gql(RENDER, {}, bearer(test.secret))).errors).toBeUndefined();
    await t.app.database.sql.rows(
      { name: 'test_mode_use_allowance', text: `UPDATE "AccountPeriodUsage" SET "testDocumentCount" = 1000 WHERE "accountId" = $1` },
      [accountId],
    );
    const refused = await t.gql(RENDER, {}, bearer(test.secret));
    expect(codes(refused)).toEqual(['TEST_QUOTA_EXCEEDED']);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // with an Idempotency-Key too, and nothing is counted on the token
    expect(codes(await t.gql(RENDER, {}, { ...bearer(test.secret), 'idempotency-key': 'over-allowance' }))).toEqual(['TEST_QUOTA_EXCEEDED']);
    const token = await t.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id: test.token.id }, bearer(session));
    expect(token.data.token.documentCount).toBe(1);
    expect((await t.gql(RENDER, {}, bearer(live.secret))).errors).toBeUndefined();
    expect((await t.gql(PERIOD, {}, bearer(session))).data.viewer.currentPeriod.used).toBe(1);
  });

  it('has a small rate limit of its own, whatever the plan', async () => {
    const { session } = await t.signUp({ plan: 'business' });
    const test = await generate(session, 'ci', 'TEST');
    const live = await generate(session, 'production');
    expect(test.token.rateLimit).toEqual({ perSecond: 10, perMinute: 300 });
    expect(live.token.rateLimit.perSecond).toBeGreaterThan(10);
    const answer = await t.gql(RENDER, {}, bearer(test.secret));
    expect(answer.headers.get('ratelimit-policy')).toBe('"per-second";q=10;w=1, "per-minute";q=300;w=60');
    const over = await t.gql('mutation($id: ID!) { updateToken(id: $id, rateLimitPerMinute: 301) { id } }', { id: test.token.id }, bearer(session));
    expect(codes(over)).toEqual(['TOKEN_RATE_LIMIT_INVALID']);
  });

  it('is shown as such in the audit log, and stays a test token when rolled', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const test = await generate(session, 'ci', 'TEST');
    const events = await t.gql('query($id: ID!) { auditEventConnection(tokenId: $id) { edges { node { type details } } } }', { id: test.token.id }, bearer(session));
    const generated = events.data.auditEventConnection.edges.map((edge: { node: { type: string; details: string } }) => edge.node).find((event: { type: string }) => event.type === 'TOKEN_GENERATED');
    expect(JSON.parse(generated.details)).toMatchObject({ name: 'ci', mode: 'TEST' });

    const rolled = await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: NONE) { secret token { mode } } }', { id: test.token.id }, bearer(session));
    expect(rolled.data.rollToken.secret).toMatch(/^pgd_test_/);
    expect(rolled.data.rollToken.token.mode).toBe('TEST');
    expect((await t.gql(RENDER, {}, bearer(rolled.data.rollToken.secret))).data.renderDocument.testMode).toBe(true);
    // no argument turns it live: updateToken has no mode
    const changed = await t.gql('mutation($id: ID!) { updateToken(id: $id, mode: LIVE) { id } }', { id: test.token.id }, bearer(session));
    expect(codes(changed)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('with TOKENS_WRITE makes, changes, rolls and deletes only test tokens: it never leads to a live secret', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const live = await generate(session, 'production');
    const manager = (await t.gql(
      'mutation { generateToken(name: "ci manager", mode: TEST, scopes: [TOKENS_READ, TOKENS_WRITE, DOCUMENTS_RENDER]) { secret } }',
      {},
      bearer(session),
    )).data.generateToken.secret as string;
    // its tokens are test tokens unless it asks, and asking for a live one is refused
    const made = await t.gql('mutation { generateToken(name: "made by ci") { secret token { mode } } }', {}, bearer(manager));
    expect(made.data.generateToken.token.mode).toBe('TEST');
    expect(made.data.generateToken.secret).toMatch(/^pgd_test_/);
    expect(codes(await t.gql('mutation { generateToken(name: "live", mode: LIVE) { secret } }', {}, bearer(manager)))).toEqual(['API_TOKEN_RESTRICTED']);
    for (const mutation of [
      'rollToken(id: $id, gracePeriod: NONE) { secret }',
      'updateToken(id: $id, name: "renamed") { id }',
      'deleteToken(id: $id) { id }',
      'disableToken(id: $id) { id }',
    ]) {
      const refused = await t.gql(`mutation($id: ID!) { ${mutation} }`, { id: live.token.id }, bearer(manager));
      expect(codes(refused), mutation).toEqual(['API_TOKEN_RESTRICTED']);
    }
    // the live token is untouched
    expect((await t.gql(RENDER, {}, bearer(live.secret))).data.renderDocument.testMode).toBe(false);
  });

  it('a leaked test token is found and revoked like a live one', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const test = await generate(session, 'leaky ci', 'TEST');
    await t.app.services.leaks.respond([{ token: test.secret, type: 'pogodoc_api_token', url: 'https://github.com/example/ci/blob/main/.env', source: 'content' }], {
      type: 'SCANNER', id: 'key-1', clientAddress: '203.0.113.1', userAgent: 'scanner',
    });
    expect(codes(await t.gql(RENDER, {}, bearer(test.secret)))).toEqual(['API_TOKEN_DELETED']);
  });

  it('is what tokenInfo reports, with its rate limit, for a CI smoke test', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const test = await generate(session, 'ci', 'TEST');
    const info = await t.gql('{ tokenInfo { token { id mode rateLimit { perSecond perMinute } } team { currentPeriod { used } } } }', {}, bearer(test.secret));
    expect(info.data.tokenInfo).toEqual({ token: { id: test.token.id, mode: 'TEST', rateLimit: { perSecond: 10, perMinute: 300 } }, team: { currentPeriod: { used: 0 } } });
  });
});
