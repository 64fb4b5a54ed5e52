// A token's lifecycle, rule by rule, through the public GraphQL API and the database: expiry,
// roll with a grace period, and where it was last used from. The clock is injected, so that
// "seven days later" is a line of the test, not a wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** The injected clock: real time plus however far a test has moved it. */
let offsetMs = 0;
/** When set: after this many more reads, the clock jumps by `jumpMs` (tokens expire mid-burst). */
let jump: { afterReads: number; jumpMs: number } | undefined;
const clockNow = () => {
  if (jump && jump.afterReads-- <= 0) {
    offsetMs += jump.jumpMs;
    jump = undefined;
  }
  return new Date(Date.now() + offsetMs);
};
const advance = (ms: number) => {
  offsetMs += ms;
};
/** Moves the clock so that it reads exactly `instant` (then it goes on ticking). */
const advanceTo = (instant: Date) => {
  offsetMs = instant.getTime() - Date.now();
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { clock: clockNow });
});
afterAll(() => t.close());

const TOKEN_FIELDS = 'id name preview documentCount status expiresAt deletedAt previousSecretWorksUntil lastUsedAt lastUsedAddress lastUsedUserAgent';
const GENERATE = `mutation($name: String!, $in: TokenExpiry, $at: DateTime) { generateToken(name: $name, expiresIn: $in, expiresAt: $at) { secret token { ${TOKEN_FIELDS} } } }`;
const LIST = `query($status: TokenStatus) { tokens(status: $status) { ${TOKEN_FIELDS} } }`;
const ROLL = `mutation($id: ID!, $grace: RollGracePeriod!) { rollToken(id: $id, gracePeriod: $grace) { secret token { ${TOKEN_FIELDS} } } }`;

async function generate(session: string, variables: { name?: string; in?: string; at?: string } = {}) {
  const result = await t.gql(GENERATE, { name: 'lifecycle', ...variables }, bearer(session));
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.generateToken as { secret: string; token: Record<string, any> };
}

async function roll(session: string, id: string, grace: string) {
  const result = await t.gql(ROLL, { id, grace }, bearer(session));
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.rollToken as { secret: string; token: Record<string, any> };
}

const listIds = async (session: string, status: string) =>
  ((await t.gql(LIST, { status }, bearer(session))).data.tokens as Array<{ id: string }>).map((token) => token.id);

function expectRefused(result: GraphQLResponse, code: string) {
  expect(codes(result)).toEqual([code]);
  expect(result.status).toBe(401);
  expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm="pogodoc", error="invalid_token"/);
}

describe('expiry', () => {
  it('never is the default', async () => {
    const { session } = await t.signUp();
    const { token } = await generate(session);
    expect(token.expiresAt).toBeNull();
  });

  it('the presets are 7, 30, 60 and 90 days from generation', async () => {
    const { session } = await t.signUp();
    for (const [preset, days] of [['DAYS_7', 7], ['DAYS_30', 30], ['DAYS_60', 60], ['DAYS_90', 90]] as const) {
      const before = clockNow().getTime();
      const { token } = await generate(session, { in: preset });
      const expiresAt = new Date(token.expiresAt).getTime();
      expect(expiresAt - before).toBeGreaterThanOrEqual(days * DAY);
      expect(expiresAt - clockNow().getTime()).toBeLessThanOrEqual(days * DAY);
    }
    expect((await generate(session, { in: 'NEVER' })).token.expiresAt).toBeNull();
  });

  it('a custom date up to one year ahead; past, further, or together with a preset is refused', async () => {
    const { session } = await t.signUp();
    const inAYear = new Date(clockNow().getTime() + 365 * DAY - 60_000).toISOString();
    expect((await generate(session, { at: inAYear })).token.expiresAt).toBe(inAYear);
    for (const variables of [
      { at: new Date(clockNow().getTime() - 1000).toISOString() },
      { at: new Date(clockNow().getTime() + 366 * DAY).toISOString() },
      { at: new Date(clockNow().getTime() + DAY).toISOString(), in: 'DAYS_7' },
    ]) {
      const result = await t.gql(GENERATE, { name: 'bad expiry', ...variables }, bearer(session));
      expect(codes(result)).toEqual(['TOKEN_EXPIRY_INVALID']);
      expect(result.errors![0]!.message).toMatch(/expiry|expire/);
    }
    expect(await listIds(session, 'ACTIVE')).toHaveLength(1);
  });

  it('past its expiry a token answers 401 API_TOKEN_EXPIRED, decided in the one lookup that authenticates', async () => {
    offsetMs = 0;
    const { session } = await t.signUp();
    const { secret, token } = await generate(session, { in: 'DAYS_7' });
    const expiresAt = new Date(token.expiresAt);
    advanceTo(new Date(expiresAt.getTime() - 5_000));
    expect((await t.renderDocument(secret)).data?.renderDocument.documentCount).toBe(1);

    advanceTo(expiresAt);
    const before = t.sql.length;
    const refused = await t.renderDocument(secret);
    const statements = t.sql.slice(before);
    expectRefused(refused, 'API_TOKEN_EXPIRED');
    expect(refused.errors![0]!.message).toContain(expiresAt.toISOString());
    // the decision is the one lookup by hash; what follows is only the audit trail's "revoked
    // token presented" (at most once per token, address and hour), its webhook outbox row and its
    // notification's outbox row; nothing was counted
    expect(statements[0]).toMatch(/"secretHash" = .* OR .*"previousSecretHash" = /s);
    expect(statements.slice(1).map((statement) => statement.match(/^INSERT INTO "(\w+)"/)?.[1])).toEqual(['AuditEvent', 'WebhookMessage', 'MailMessage']);
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.documentCount).toBe(1);
    offsetMs = 0;
  });

  it('an expired token leaves the Active tab, is listed with the deleted ones marked EXPIRED, and frees its slot', async () => {
    offsetMs = 0;
    const { session } = await t.signUp();
    const expiring = await generate(session, { name: 'expiring', in: 'DAYS_7' });
    for (let i = 0; i < 9; i++) await generate(session, { name: `forever ${i}` });
    expect(codes(await t.gql(GENERATE, { name: 'eleventh' }, bearer(session)))).toEqual(['TOKEN_LIMIT_REACHED']);

    advance(7 * DAY);
    expect(await listIds(session, 'ACTIVE')).not.toContain(expiring.token.id);
    const deletedTab = (await t.gql(LIST, { status: 'DELETED' }, bearer(session))).data.tokens;
    expect(deletedTab).toEqual([expect.objectContaining({ id: expiring.token.id, status: 'EXPIRED', deletedAt: null, expiresAt: expiring.token.expiresAt })]);
    expect(await listIds(session, 'EXPIRED')).toEqual([expiring.token.id]);
    expect((await t.gql('{ viewer { activeTokenCount } }', {}, bearer(session))).data.viewer.activeTokenCount).toBe(9);

    // the expired token no longer counts: a tenth can be generated, an eleventh cannot
    await generate(session, { name: 'tenth' });
    expect(codes(await t.gql(GENERATE, { name: 'eleventh' }, bearer(session)))).toEqual(['TOKEN_LIMIT_REACHED']);
    const slot = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: expiring.token.id }, select: { activeSlot: true } });
    expect(slot.activeSlot).toBeNull();
    // and it still answers "expired", not "deleted" or "invalid"
    expectRefused(await t.renderDocument(expiring.secret), 'API_TOKEN_EXPIRED');
    offsetMs = 0;
  });

  it('the 10-slot rule stays exact when tokens expire while 50 generateToken calls race', async () => {
    offsetMs = 0;
    const { session, accountId } = await t.signUp();
    const first: Array<{ secret: string }> = [];
    for (let i = 0; i < 5; i++) first.push(await generate(session, { name: `expiring ${i}`, in: 'DAYS_7' }));
    for (let i = 0; i < 5; i++) first.push(await generate(session, { name: `forever ${i}` }));

    // generateToken reads the clock once: the first 25 calls of the burst see the five tokens
    // unexpired, the other 25 see them expired and race for their five slots
    jump = { afterReads: 25, jumpMs: 7 * DAY + 1000 };
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => t.gql(GENERATE, { name: `burst ${i}` }, bearer(session))));
    expect(jump).toBeUndefined();
    const created = burst.filter((result) => result.data?.generateToken).map((result) => result.data.generateToken.secret as string);
    const refused = burst.filter((result) => !result.data?.generateToken);
    for (const result of refused) expect(codes(result)).toEqual(['TOKEN_LIMIT_REACHED']);
    expect(created).toHaveLength(5);

    // exactly 10 usable tokens, by the API, by the database and by using every secret
    const secrets = [...first.map((token) => token.secret), ...created];
    expect(codes(await t.gql(GENERATE, { name: 'eleventh' }, bearer(session)))).toEqual(['TOKEN_LIMIT_REACHED']);
    expect(await listIds(session, 'ACTIVE')).toHaveLength(10);
    const usable = (await Promise.all(secrets.map((secret) => t.renderDocument(secret)))).filter((result) => result.data?.renderDocument);
    expect(usable).toHaveLength(10);
    const holdingSlots = await t.app.database.prisma.apiToken.count({ where: { accountId, activeSlot: { not: null } } });
    expect(holdingSlots).toBe(10);
    offsetMs = 0;
  });
});

describe('roll with a grace period', () => {
  it('issues a new secret for the same token, shown once; both secrets count on it during the grace period', async () => {
    offsetMs = 0;
    const { session } = await t.signUp();
    const { secret: oldSecret, token } = await generate(session, { name: 'rolling' });
    expect((await t.renderDocument(oldSecret)).data?.renderDocument.documentCount).toBe(1);

    const rolled = await roll(session, token.id, 'ONE_HOUR');
    expect(rolled.secret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    expect(rolled.secret).not.toBe(oldSecret);
    expect(rolled.token).toMatchObject({ id: token.id, name: 'rolling', documentCount: 1, status: 'ACTIVE' });
    expect(rolled.token.preview).toBe(`${rolled.secret.slice(0, 8)}…${rolled.secret.slice(-4)}`);
    const worksUntil = new Date(rolled.token.previousSecretWorksUntil).getTime();
    expect(worksUntil - clockNow().getTime()).toBeGreaterThan(HOUR - 60_000);
    expect(worksUntil - clockNow().getTime()).toBeLessThanOrEqual(HOUR);
    // the new secret is never returned again
    expect(JSON.stringify(await t.gql(LIST, {}, bearer(session)))).not.toContain(rolled.secret);

    const counts = [];
    for (const secret of [oldSecret, rolled.secret, oldSecret, rolled.secret]) {
      const result = await t.renderDocument(secret);
      expect(result.data?.renderDocument.tokenId).toBe(token.id);
      counts.push(result.data?.renderDocument.documentCount);
    }
    expect(counts).toEqual([2, 3, 4, 5]);

    // the grace period ends: the old secret answers API_TOKEN_ROLLED, the new one still works
    advanceTo(new Date(worksUntil - 1000));
    expect(codes(await t.renderDocument(oldSecret))).toBeUndefined();
    advanceTo(new Date(worksUntil));
    const refused = await t.renderDocument(oldSecret);
    expectRefused(refused, 'API_TOKEN_ROLLED');
    expect(refused.errors![0]!.message).toMatch(/new secret/);
    expect((await t.renderDocument(rolled.secret)).data?.renderDocument.documentCount).toBe(7);
    const listed = (await t.gql(LIST, {}, bearer(session))).data.tokens.find((item: { id: string }) => item.id === token.id);
    expect(listed).toMatchObject({ documentCount: 7, previousSecretWorksUntil: null, status: 'ACTIVE' });
    offsetMs = 0;
  });

  it('with no grace period the old secret stops at once (a leaked secret)', async () => {
    const { session } = await t.signUp();
    const { secret: oldSecret, token } = await generate(session);
    const rolled = await roll(session, token.id, 'NONE');
    expect(rolled.token.previousSecretWorksUntil).toBeNull();
    expectRefused(await t.renderDocument(oldSecret), 'API_TOKEN_ROLLED');
    expect((await t.renderDocument(rolled.secret)).data?.renderDocument.documentCount).toBe(1);
  });

  it('the grace choices are none, 1 hour, 24 hours and 7 days', async () => {
    const { session } = await t.signUp();
    const { token } = await generate(session);
    for (const [grace, ms] of [['ONE_HOUR', HOUR], ['ONE_DAY', DAY], ['SEVEN_DAYS', 7 * DAY]] as const) {
      const before = clockNow().getTime();
      const rolled = await roll(session, token.id, grace);
      const until = new Date(rolled.token.previousSecretWorksUntil).getTime();
      expect(until - before).toBeGreaterThanOrEqual(ms);
      expect(until - clockNow().getTime()).toBeLessThanOrEqual(ms);
    }
  });

  it('rolling again during a grace period ends the older secret at once: never more than two working secrets', async () => {
    const { session } = await t.signUp();
    const first = await generate(session);
    const second = await roll(session, first.token.id, 'SEVEN_DAYS');
    const third = await roll(session, first.token.id, 'SEVEN_DAYS');
    expect(codes(await t.renderDocument(first.secret))).toEqual(['API_TOKEN_INVALID']);
    expect((await t.renderDocument(second.secret)).data?.renderDocument.documentCount).toBe(1);
    expect((await t.renderDocument(third.secret)).data?.renderDocument.documentCount).toBe(2);
  });

  it('concurrent rolls of one token lose none and leave exactly two working secrets', async () => {
    const { session } = await t.signUp();
    const original = await generate(session);
    const rolls = await Promise.all(Array.from({ length: 10 }, () => t.gql(ROLL, { id: original.token.id, grace: 'ONE_DAY' }, bearer(session))));
    for (const result of rolls) expect(result.errors).toBeUndefined();
    const secrets = [original.secret, ...rolls.map((result) => result.data.rollToken.secret as string)];
    const working = [];
    for (const secret of secrets) if ((await t.renderDocument(secret)).data?.renderDocument) working.push(secret);
    expect(working).toHaveLength(2);
  });

  it('a deleted, an expired, and another account\'s token cannot be rolled', async () => {
    offsetMs = 0;
    const { session } = await t.signUp();
    const deleted = await generate(session, { name: 'deleted' });
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: deleted.token.id }, bearer(session));
    expect(codes(await t.gql(ROLL, { id: deleted.token.id, grace: 'NONE' }, bearer(session)))).toEqual(['TOKEN_ALREADY_DELETED']);

    const expiring = await generate(session, { name: 'expiring', in: 'DAYS_7' });
    advance(7 * DAY);
    expect(codes(await t.gql(ROLL, { id: expiring.token.id, grace: 'NONE' }, bearer(session)))).toEqual(['TOKEN_EXPIRED']);
    offsetMs = 0;

    const other = await t.signUp();
    const theirs = await generate(other.session, { name: 'theirs' });
    expect(codes(await t.gql(ROLL, { id: theirs.token.id, grace: 'NONE' }, bearer(session)))).toEqual(['TOKEN_NOT_FOUND']);
    expect((await t.renderDocument(theirs.secret)).data?.renderDocument.documentCount).toBe(1);
    // and rolling needs a session or TOKENS_WRITE, which a document token does not have
    expect(codes(await t.gql(ROLL, { id: theirs.token.id, grace: 'NONE' }, bearer(theirs.secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
  });

  it('the database holds only hashes of both secrets', async () => {
    const { session } = await t.signUp();
    const first = await generate(session);
    const second = await roll(session, first.token.id, 'ONE_HOUR');
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: first.token.id } });
    const { createHash } = await import('node:crypto');
    expect(row.secretHash).toBe(createHash('sha256').update(second.secret).digest('hex'));
    expect(row.previousSecretHash).toBe(createHash('sha256').update(first.secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(first.secret.slice(4, 34));
    expect(JSON.stringify(row)).not.toContain(second.secret.slice(4, 34));
  });
});

describe('last used, from where', () => {
  it('records the client address (through TRUST_PROXY) and the user agent with the time, in the statement that counts', async () => {
    const { session } = await t.signUp();
    const { secret, token } = await generate(session);
    const before = t.sql.length;
    const result = await t.gql(
      'mutation { renderDocument(template: "x", data: {}) { documentCount } }',
      {},
      { ...bearer(secret), 'x-forwarded-for': '198.51.100.7, 203.0.113.9', 'user-agent': 'pogodoc-js/1.2' },
    );
    expect(result.data?.renderDocument.documentCount).toBe(1);
    const writes = t.sql.slice(before).filter((statement) => /^\s*(UPDATE|INSERT)/i.test(statement));
    // one transaction: the account's period usage, the token's count with its use, the hour's usage
    expect(writes).toHaveLength(3);
    expect(writes[1]).toMatch(/"documentCount" = "documentCount" \+ CAST\(\$7 AS INTEGER\).*"lastUsedAddress"/s);

    const listed = (await t.gql(LIST, {}, bearer(session))).data.tokens.find((item: { id: string }) => item.id === token.id);
    // TRUST_PROXY=1 (the test app's setting): the right-most entry, which our proxy added
    expect(listed).toMatchObject({ lastUsedAddress: '203.0.113.9', lastUsedUserAgent: 'pogodoc-js/1.2' });
    expect(listed.lastUsedAt).not.toBeNull();

    await t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, {
      ...bearer(secret),
      'x-forwarded-for': '2001:DB8:0:0::7',
      'user-agent': 'x'.repeat(1000),
    });
    const again = (await t.gql(LIST, {}, bearer(session))).data.tokens.find((item: { id: string }) => item.id === token.id);
    expect(again.lastUsedAddress).toBe('2001:db8::7');
    expect(again.lastUsedUserAgent).toHaveLength(200);
  });

  it('a request without a User-Agent records none', async () => {
    const { session } = await t.signUp();
    const { secret, token } = await generate(session);
    await t.renderDocument(secret);
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.lastUsedUserAgent).toBeNull();
    expect(row.lastUsedAddress).toMatch(/^2001:db8:/);
  });
});
