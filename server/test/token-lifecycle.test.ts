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
    // one statement, the token lookup by hash; nothing was counted
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/"secretHash" = .* OR .*"previousSecretHash" = /s);
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
