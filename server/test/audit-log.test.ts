// The audit trail: every security-relevant event recorded once, with who did it, from where and
// with what; the revoked-token throttle; the auditEventConnection (and the deprecated auditEvents); retention.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvent, SYSTEM_ACTOR } from '../src/domain/audit.js';
import { DatabaseTokenStore } from '../src/persistence/token-store.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
// the token rules' clock: real time, moved ahead by `offset` where a test needs hours or days to pass
let offset = 0;
const now = () => new Date(Date.now() + offset);
// addresses of this run's own: the PostgreSQL project shares Redis, and with it the sign-up limit per address
const randomPrefix = () => `2001:db8:${randomBytes(2).toString('hex').replace(/^0+(?=.)/, '')}:${randomBytes(2).toString('hex').replace(/^0+(?=.)/, '')}`;
const ADDRESS = `${randomPrefix()}::7`;
const OTHER_1 = `${randomPrefix()}::1`;
const OTHER_2 = `${randomPrefix()}::2`;
const UNKNOWN_EMAIL_ADDRESS = `${randomPrefix()}::99`;
const AGENT = 'audit-test/1.0';
const from = (address = ADDRESS) => ({ 'x-forwarded-for': address, 'user-agent': AGENT });

beforeAll(async () => {
  t = await createTestApp({}, { clock: now });
});
afterAll(async () => {
  await t?.close();
});

const eventsOf = (accountId: string) =>
  t.app.database.prisma.auditEvent.findMany({ where: { accountId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });

let counter = 0;
async function signUp(address = ADDRESS) {
  const email = `audit-${process.pid}-${++counter}@example.com`;
  const result = await t.gql('mutation($e: String!) { signUp(email: $e, password: "correct horse battery") { sessionToken account { id } } }', { e: email }, from(address));
  return { email, session: result.data.signUp.sessionToken as string, accountId: result.data.signUp.account.id as string };
}
const as = (session: string, address = ADDRESS) => ({ ...bearer(session), ...from(address) });

describe('every event type is recorded once, with its actor, address and user agent', () => {
  it('accounts, sessions, plans and tokens', async () => {
    const { email, session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "free") { id } }', {}, as(session));
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const wrong = await t.gql('mutation($e: String!) { signIn(email: $e, password: "wrong password!") { sessionToken } }', { e: email }, from());
    expect(codes(wrong)).toEqual(['INVALID_CREDENTIALS']);
    const signIn = await t.gql('mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { sessionToken } }', { e: email }, from());
    const second = signIn.data.signIn.sessionToken as string;
    const generated = await t.gql('mutation { generateToken(name: "audited") { secret token { id } } }', {}, as(session));
    const tokenId = generated.data.generateToken.token.id as string;
    await t.gql(`mutation { updateToken(id: "${tokenId}", name: "renamed") { id } }`, {}, as(session));
    await t.gql(`mutation { updateToken(id: "${tokenId}", allowedIps: ["10.0.0.0/8"], monthlyDocumentLimit: 5) { id } }`, {}, as(session));
    await t.gql(`mutation { rollToken(id: "${tokenId}", gracePeriod: NONE) { secret } }`, {}, as(session));
    await t.gql(`mutation { deleteToken(id: "${tokenId}") { id } }`, {}, as(session));
    // a second delete changes nothing, so it records nothing
    expect(codes(await t.gql(`mutation { deleteToken(id: "${tokenId}") { id } }`, {}, as(session)))).toEqual(['TOKEN_ALREADY_DELETED']);
    await t.gql('mutation { signOut }', {}, as(second));
    await t.gql('mutation { cancelPlan { id } }', {}, as(session));

    const events = await eventsOf(accountId);
    expect(events.map((event) => event.type)).toEqual([
      'SIGN_UP',
      'SIGN_IN_SUCCEEDED',
      'PLAN_CHOSEN',
      'PLAN_CHANGED',
      'SIGN_IN_FAILED',
      'SIGN_IN_SUCCEEDED',
      'TOKEN_GENERATED',
      'TOKEN_RENAMED',
      'TOKEN_RESTRICTED',
      'TOKEN_ROLLED',
      'TOKEN_DELETED',
      'SIGN_OUT',
      'PLAN_CANCELLED',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ actorType: 'SESSION', clientAddress: ADDRESS, userAgent: AGENT });
    }
    const sessionId = (await t.app.database.prisma.session.findMany({ where: { accountId } })).map((row) => row.id);
    // the operations made with a session name it
    for (const event of events.filter((event) => event.type.startsWith('TOKEN_') || event.type.startsWith('PLAN_'))) {
      expect(sessionId).toContain(event.actorId);
    }
    expect(events.filter((event) => event.tokenId === tokenId)).toHaveLength(5);
    expect(JSON.parse(events.find((event) => event.type === 'TOKEN_RENAMED')!.details!)).toEqual({ name: 'renamed' });
    expect(JSON.parse(events.find((event) => event.type === 'PLAN_CHANGED')!.details!)).toEqual({ planId: 'pro', previousPlanId: 'free' });
  });

  it('a sign-in failure with an unknown email is recorded without an account', async () => {
    const email = `nobody-${process.pid}@example.com`;
    await t.gql('mutation($e: String!) { signIn(email: $e, password: "whatever it is") { sessionToken } }', { e: email }, from(UNKNOWN_EMAIL_ADDRESS));
    const failures = await t.app.database.prisma.auditEvent.findMany({ where: { type: 'SIGN_IN_FAILED', clientAddress: UNKNOWN_EMAIL_ADDRESS } });
    expect(failures).toHaveLength(1);
    expect(failures[0]!.accountId).toBeNull();
  });

  it('an expired session presented is recorded once', async () => {
    const { session, accountId } = await signUp();
    await t.app.database.prisma.session.updateMany({ where: { accountId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    for (let i = 0; i < 3; i++) expect(codes(await t.gql('{ tokens { id } }', {}, as(session)))).toEqual(['SESSION_EXPIRED']);
    const expired = (await eventsOf(accountId)).filter((event) => event.type === 'SESSION_EXPIRED');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ actorType: 'SESSION', clientAddress: ADDRESS, userAgent: AGENT });
  });

  it('a token past its expiry is recorded once by the system, dated when it expired', async () => {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const expiring = await t.gql('mutation { generateToken(name: "short", expiresIn: DAYS_7) { token { id expiresAt } } }', {}, as(session));
    const tokenId = expiring.data.generateToken.token.id as string;
    expect(await t.app.services.audit.recordExpiredTokens()).toBe(0);
    offset = 8 * 24 * 60 * 60 * 1000;
    try {
      expect(await t.app.services.audit.recordExpiredTokens()).toBeGreaterThanOrEqual(1);
      expect(await t.app.services.audit.recordExpiredTokens()).toBe(0);
    } finally {
      offset = 0;
    }
    const expired = (await eventsOf(accountId)).filter((event) => event.type === 'TOKEN_EXPIRED');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ tokenId, actorType: 'SYSTEM', clientAddress: null });
    expect(expired[0]!.createdAt.toISOString()).toBe(expiring.data.generateToken.token.expiresAt);
  });
});

describe('quota events: once per account and period, with the token that crossed the threshold', () => {
  const render = (secret: string, address = ADDRESS) =>
    t.gql('mutation { renderDocument(template: "Hi {{ n }}", data: {n: 1}) { documentCount } }', {}, { ...bearer(secret), ...from(address) });

  it('QUOTA_WARNING at 80% and QUOTA_REACHED at 100% of a free plan, under 130 concurrent documents, each once', async () => {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "free") { id } }', {}, as(session));
    const tokens = await Promise.all([0, 1].map((i) => t.gql(`mutation { generateToken(name: "q${i}") { secret token { id } } }`, {}, as(session))));
    const secrets = tokens.map((result) => result.data.generateToken.secret as string);
    const tokenIds = tokens.map((result) => result.data.generateToken.token.id as string);
    const results = await Promise.all(Array.from({ length: 130 }, (_, i) => render(secrets[i % 2]!)));
    expect(results.filter((result) => !result.errors)).toHaveLength(100);
    const quotaEvents = (await eventsOf(accountId)).filter((event) => event.type.startsWith('QUOTA_'));
    expect(quotaEvents.map((event) => event.type)).toEqual(['QUOTA_WARNING', 'QUOTA_REACHED']);
    for (const event of quotaEvents) {
      // the API token that made the document, from where and with what
      expect(event).toMatchObject({ actorType: 'API_TOKEN', clientAddress: ADDRESS, userAgent: AGENT });
      expect(tokenIds).toContain(event.actorId);
      expect(event.tokenId).toBe(event.actorId);
    }
    expect(JSON.parse(quotaEvents[0]!.details!)).toMatchObject({ used: 80, quota: 100 });
    expect(JSON.parse(quotaEvents[1]!.details!)).toMatchObject({ used: 100, quota: 100 });
    // the 100th document is the one the database counted as the 100th: the event and the count agree
    const usage = await t.app.database.prisma.accountPeriodUsage.findMany({ where: { accountId } });
    expect(usage.map((row) => row.documentCount)).toEqual([100]);
  });

  it('are dated when their document counted, so the trail keeps counting order when request times do not', async () => {
    // A document's time is read before its transaction waits for the period's lock: under load the
    // document counted 100th can carry an earlier time than the 80th. Here each one's time runs
    // backwards, an hour earlier than the last; the trail must still read 80% then 100%.
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "free") { id } }', {}, as(session));
    const tokenId = (await t.gql('mutation { generateToken(name: "backwards") { token { id } } }', {}, as(session))).data.generateToken.token.id as string;
    const store = new DatabaseTokenStore(t.app.database.prisma, t.app.database.sql, now);
    const start = now().getTime();
    for (let i = 0; i < 100; i++) {
      const recorded = await store.recordDocument(tokenId, { at: new Date(start - i * 60_000), clientAddress: ADDRESS, userAgent: AGENT });
      expect(recorded.outcome).toBe('counted');
    }
    const quotaEvents = (await eventsOf(accountId)).filter((event) => event.type.startsWith('QUOTA_'));
    expect(quotaEvents.map((event) => [event.type, JSON.parse(event.details!).used])).toEqual([
      ['QUOTA_WARNING', 80],
      ['QUOTA_REACHED', 100],
    ]);
    // and the newest-first page an account reads has them the other way round
    const page = await t.gql('{ auditEvents(first: 5) { nodes { type } } }', {}, as(session));
    expect(page.data.auditEvents.nodes.map((node: { type: string }) => node.type).slice(0, 2)).toEqual(['QUOTA_REACHED', 'QUOTA_WARNING']);
  });

  it('a downgrade below what was used records QUOTA_REACHED at the change, by the session that made it; once', async () => {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const secret = (await t.gql('mutation { generateToken(name: "big") { secret } }', {}, as(session))).data.generateToken.secret as string;
    for (let i = 0; i < 100; i++) expect((await render(secret)).errors).toBeUndefined();
    expect((await eventsOf(accountId)).filter((event) => event.type.startsWith('QUOTA_'))).toEqual([]);
    await t.gql('mutation { choosePlan(planId: "free") { id } }', {}, as(session, OTHER_1));
    // blocked now, and no second event for the same wall
    expect((await render(secret)).errors?.[0]?.extensions?.code).toBe('QUOTA_EXCEEDED');
    await t.gql('mutation { choosePlan(planId: "free") { id } }', {}, as(session, OTHER_1));
    const quotaEvents = (await eventsOf(accountId)).filter((event) => event.type.startsWith('QUOTA_'));
    expect(quotaEvents).toHaveLength(1);
    expect(quotaEvents[0]).toMatchObject({ type: 'QUOTA_REACHED', actorType: 'SESSION', clientAddress: OTHER_1, userAgent: AGENT });
    expect(JSON.parse(quotaEvents[0]!.details!)).toMatchObject({ used: 100, quota: 100 });
  });
});

describe('token expiry notices', () => {
  it('TOKEN_EXPIRING 7 days and 1 day before, once each, by the system; none for a token made to live less', async () => {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const month = await t.gql('mutation { generateToken(name: "month", expiresIn: DAYS_30) { token { id expiresAt } } }', {}, as(session));
    const week = await t.gql('mutation { generateToken(name: "week", expiresIn: DAYS_7) { token { id } } }', {}, as(session));
    const monthId = month.data.generateToken.token.id as string;
    const weekId = week.data.generateToken.token.id as string;
    const DAY = 24 * 60 * 60 * 1000;
    const noticesOf = async () => (await eventsOf(accountId)).filter((event) => event.type === 'TOKEN_EXPIRING');
    try {
      await t.app.services.audit.recordExpiringTokens();
      // the week token never hears "7 days left"; its 1-day notice comes
      expect(await noticesOf()).toEqual([]);
      offset = 6.5 * DAY;
      await t.app.services.audit.recordExpiringTokens();
      expect((await noticesOf()).map((event) => [event.tokenId, JSON.parse(event.details!).daysBefore])).toEqual([[weekId, 1]]);
      // 6.5 days before the month token's end: its 7-day notice, once however often the sweep runs
      offset = 23.5 * DAY;
      await t.app.services.audit.recordExpiringTokens();
      await t.app.services.audit.recordExpiringTokens();
      offset = 29.5 * DAY;
      await t.app.services.audit.recordExpiringTokens();
      await t.app.services.audit.recordExpiringTokens();
    } finally {
      offset = 0;
    }
    const notices = await noticesOf();
    expect(notices.map((event) => [event.tokenId, JSON.parse(event.details!).daysBefore])).toEqual([
      [weekId, 1],
      [monthId, 7],
      [monthId, 1],
    ]);
    for (const notice of notices) expect(notice).toMatchObject({ actorType: 'SYSTEM', actorId: null, clientAddress: null });
    expect(JSON.parse(notices[2]!.details!).expiresAt).toBe(month.data.generateToken.token.expiresAt);
  });
});

describe('token expiry notices behind many short-lived tokens', () => {
  it('a token due its 7-day notice gets it, however many 7-day tokens (never due one) expire before it', async () => {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const DAY = 24 * 60 * 60 * 1000;
    const at = Date.now();
    // 1,010 active tokens made to live exactly 7 days, expiring before the month token (101
    // accounts: 10 active each), inserted directly; more than one sweep reads at a time
    const accounts = Array.from({ length: 101 }, (_, i) => ({ id: `wk${i}${accountId}`, email: `wk${i}.${accountId}@example.com`, passwordHash: 'x', planId: 'pro' }));
    await t.app.database.prisma.account.createMany({ data: accounts });
    await t.app.database.prisma.apiToken.createMany({
      data: accounts.flatMap((account, a) =>
        Array.from({ length: 10 }, (_, slot) => ({
          id: `wk${a}x${slot}${accountId}`,
          accountId: account.id,
          name: `week ${slot}`,
          secretHash: `wk-hash-${a}-${slot}-${accountId}`,
          preview: 'pgd_wk…',
          // made 7 days before they expire, and expiring inside the sweep's 7-day window
          // before the month token (at 30 days): first in the window's order
          createdAt: new Date(at + 22.9 * DAY + a * 1000 + slot),
          expiresAt: new Date(at + 29.9 * DAY + a * 1000 + slot),
          activeSlot: slot + 1,
        })),
      ),
    });
    const month = await t.gql('mutation { generateToken(name: "month", expiresIn: DAYS_30) { token { id } } }', {}, as(session));
    const monthId = month.data.generateToken.token.id as string;
    try {
      offset = 23.5 * DAY;
      await t.app.services.audit.recordExpiringTokens();
    } finally {
      offset = 0;
    }
    const notices = (await eventsOf(accountId)).filter((event) => event.type === 'TOKEN_EXPIRING');
    expect(notices.map((event) => [event.tokenId, JSON.parse(event.details!).daysBefore])).toEqual([[monthId, 7]]);
  });
});

describe('a revoked token presented', () => {
  it('is recorded at most once per token, address and hour', async () => {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const token = await t.generateToken(session, 'revoked');
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, as(session));
    const present = (address: string) =>
      t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer(token.secret), ...from(address) });
    for (let i = 0; i < 5; i++) expect(codes(await present(OTHER_1))).toEqual(['API_TOKEN_DELETED']);
    await Promise.all(Array.from({ length: 5 }, () => present(OTHER_1)));
    await present(OTHER_2);
    const presented = async () => (await eventsOf(accountId)).filter((event) => event.type === 'REVOKED_TOKEN_PRESENTED');
    expect((await presented()).map((event) => [event.clientAddress, event.actorType, event.actorId, event.userAgent])).toEqual([
      [OTHER_1, 'API_TOKEN', token.id, AGENT],
      [OTHER_2, 'API_TOKEN', token.id, AGENT],
    ]);
    // the next hour, the same address is recorded again
    offset = 60 * 60 * 1000;
    try {
      await present(OTHER_1);
      await present(OTHER_1);
    } finally {
      offset = 0;
    }
    expect(await presented()).toHaveLength(3);
    expect(JSON.parse((await presented())[0]!.details!)).toEqual({ reason: 'API_TOKEN_DELETED' });
  });

  it('rolled-out and expired secrets count too; a token that never existed does not', async () => {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const token = await t.generateToken(session, 'rolled');
    await t.gql(`mutation { rollToken(id: "${token.id}", gracePeriod: NONE) { secret } }`, {}, as(session));
    expect(codes(await t.renderDocument(token.secret))).toEqual(['API_TOKEN_ROLLED']);
    const reasons = (await eventsOf(accountId)).filter((event) => event.type === 'REVOKED_TOKEN_PRESENTED').map((event) => JSON.parse(event.details!).reason);
    expect(reasons).toEqual(['API_TOKEN_ROLLED']);
  });
});

describe('a revoked token cannot flood its owner\'s log', () => {
  async function revokedToken() {
    const { session, accountId } = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const token = await t.generateToken(session, 'flooded');
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, as(session));
    const present = (address: string) =>
      t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer(token.secret), ...from(address) });
    const presented = async () => (await eventsOf(accountId)).filter((event) => event.type === 'REVOKED_TOKEN_PRESENTED');
    return { present, presented };
  }

  it('counts an IPv6 /64 as one client, as the rate limits do', async () => {
    const { present, presented } = await revokedToken();
    const prefix = randomPrefix();
    for (const host of ['::1', '::2', ':abcd::1', ':ffff:ffff:ffff:ffff']) expect(codes(await present(`${prefix}${host}`))).toEqual(['API_TOKEN_DELETED']);
    expect(await presented()).toHaveLength(1);
  });

  it('records nothing for a client past its failure limit', async () => {
    const { present, presented } = await revokedToken();
    const address = `${randomPrefix()}::5`;
    // use up the address's failure allowance with secrets that never existed
    let answer: string[] | undefined = [];
    for (let i = 0; i < 200 && answer?.[0] !== 'RATE_LIMITED'; i++) answer = codes(await t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer('not-a-token'), ...from(address) }));
    expect(answer).toEqual(['RATE_LIMITED']);
    expect(codes(await present(address))).toEqual(['RATE_LIMITED']);
    expect(await presented()).toHaveLength(0);
  });

  it('writes at most 20 events a token an hour, however many clients present it', async () => {
    const { present, presented } = await revokedToken();
    for (let i = 0; i < 25; i++) expect(codes(await present(`${randomPrefix()}::${i + 1}`))).toEqual(['API_TOKEN_DELETED']);
    expect(await presented()).toHaveLength(20);
  });
});

describe('the auditEvents connection', () => {
  it('pages newest first with a cursor, filters by type, token and time, and shows only the account\'s own', async () => {
    const { session } = await signUp();
    const other = await signUp();
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    const a = await t.generateToken(session, 'a');
    const b = await t.generateToken(session, 'b');
    await t.gql(`mutation { updateToken(id: "${a.id}", name: "a2") { id } }`, {}, as(session));
    const query = `query($first: Int, $after: String, $types: [AuditEventType!], $tokenId: ID, $from: DateTime, $to: DateTime) {
      auditEvents(first: $first, after: $after, types: $types, tokenId: $tokenId, from: $from, to: $to) { nodes { id type tokenId createdAt } hasNextPage endCursor } }`;
    const all = (await t.gql(query, { first: 100 }, as(session))).data.auditEvents;
    expect(all.nodes.map((node: { type: string }) => node.type)).toEqual(['TOKEN_RENAMED', 'TOKEN_GENERATED', 'TOKEN_GENERATED', 'PLAN_CHOSEN', 'SIGN_IN_SUCCEEDED', 'SIGN_UP']);
    expect(all.hasNextPage).toBe(false);

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { nodes: Array<{ id: string }>; hasNextPage: boolean; endCursor: string } = (await t.gql(query, { first: 4, after }, as(session))).data.auditEvents;
      seen.push(...page.nodes.map((node) => node.id));
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    expect(seen).toEqual(all.nodes.map((node: { id: string }) => node.id));

    const ofA = (await t.gql(query, { tokenId: a.id }, as(session))).data.auditEvents.nodes;
    expect(ofA.map((node: { type: string }) => node.type)).toEqual(['TOKEN_RENAMED', 'TOKEN_GENERATED']);
    const generated = (await t.gql(query, { types: ['TOKEN_GENERATED'] }, as(session))).data.auditEvents.nodes;
    expect(generated.map((node: { tokenId: string }) => node.tokenId).sort()).toEqual([a.id, b.id].sort());
    const future = (await t.gql(query, { from: new Date(Date.now() + 60_000).toISOString() }, as(session))).data.auditEvents.nodes;
    expect(future).toEqual([]);
    const past = (await t.gql(query, { to: new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString() }, as(session))).data.auditEvents.nodes;
    expect(past).toEqual([]);

    const othersView = (await t.gql(query, { tokenId: a.id }, as(other.session))).data.auditEvents.nodes;
    expect(othersView).toEqual([]);
    expect(codes(await t.gql(query, { after: 'bm90IGEgY3Vyc29y' }, as(session)))).toEqual(['AUDIT_CURSOR_INVALID']);
    expect(codes(await t.gql(query, {}))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the auditEventConnection', () => {
  const CONNECTION = `query($first: Int, $after: String, $types: [AuditEventType!], $tokenId: ID, $from: DateTime, $to: DateTime) {
    auditEventConnection(first: $first, after: $after, types: $types, tokenId: $tokenId, from: $from, to: $to) {
      edges { cursor node { id type tokenId } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } }`;
  type Page = {
    edges: Array<{ cursor: string; node: { id: string; type: string; tokenId: string | null } }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
  const pageOf = async (session: string, variables: Record<string, unknown>): Promise<Page> => {
    const result = await t.gql(CONNECTION, variables, as(session));
    expect(result.errors).toBeUndefined();
    return result.data.auditEventConnection;
  };

  // accounts of these tests sign up from addresses of their own: the sign-up limit is per address
  const freshAddress = () => `${randomPrefix()}::8`;

  /** An account with 18 events: sign-up, sign-in, plan, 3 tokens generated and each renamed 4 times. */
  async function busyAccount() {
    const account = await signUp(freshAddress());
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(account.session));
    const tokens = [];
    for (const name of ['a', 'b', 'c']) tokens.push(await t.generateToken(account.session, name));
    for (let round = 1; round <= 4; round++) {
      for (const [index, token] of tokens.entries()) {
        const renamed = await t.gql(`mutation { updateToken(id: "${token.id}", name: "t${index}-${round}") { id } }`, {}, as(account.session));
        expect(renamed.errors).toBeUndefined();
      }
    }
    return { ...account, tokens };
  }

  it('pages forward through more events than one page, each event once, newest first, with the cursors of the whole list', async () => {
    const { session, accountId } = await busyAccount();
    const all = await pageOf(session, { first: 100 });
    expect(all.edges).toHaveLength(18);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false, startCursor: all.edges[0]!.cursor, endCursor: all.edges[17]!.cursor });
    const stored = (await eventsOf(accountId)).map((event) => event.id).reverse();
    expect(all.edges.map((edge) => edge.node.id)).toEqual(stored);

    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const page: Page = await pageOf(session, { first: 5, after });
      pages.push(page);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      after = page.pageInfo.endCursor;
    } while (pages.at(-1)!.pageInfo.hasNextPage);
    expect(pages.map((page) => page.edges.length)).toEqual([5, 5, 5, 3]);
    // the pages' edges, cursors included, are the whole list's
    expect(pages.flatMap((page) => page.edges)).toEqual(all.edges);
  });

  it('gives out opaque cursors that are stable: the same event has the same cursor on every read and in the deprecated auditEvents', async () => {
    const { session } = await busyAccount();
    const first = await pageOf(session, { first: 4 });
    const again = await pageOf(session, { first: 4 });
    expect(again).toEqual(first);
    for (const { cursor, node } of first.edges) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(cursor).not.toContain(node.id);
      expect(cursor).not.toMatch(/\d{4}-\d\d-\d\d/);
    }
    // the second page read from a cursor is the same whether the first page was read one way or the other
    const old = await t.gql('query($after: String) { auditEvents(first: 4, after: $after) { nodes { id } hasNextPage endCursor } }', {}, as(session));
    expect(old.data.auditEvents).toEqual({ nodes: first.edges.map((edge) => ({ id: edge.node.id })), hasNextPage: true, endCursor: first.pageInfo.endCursor });
    const next = await pageOf(session, { first: 4, after: old.data.auditEvents.endCursor });
    expect(next.edges[0]).toEqual((await pageOf(session, { first: 5 })).edges[4]);
  });

  it('filters by type, token and time, and shows only the account\'s own', async () => {
    const { session, tokens } = await busyAccount();
    const other = await signUp(freshAddress());
    const [a] = tokens;
    const ofA = await pageOf(session, { tokenId: a!.id, first: 3 });
    expect(ofA.edges.map((edge) => edge.node.type)).toEqual(['TOKEN_RENAMED', 'TOKEN_RENAMED', 'TOKEN_RENAMED']);
    expect(ofA.pageInfo.hasNextPage).toBe(true);
    const restOfA = await pageOf(session, { tokenId: a!.id, after: ofA.pageInfo.endCursor });
    expect(restOfA.edges.map((edge) => edge.node.type)).toEqual(['TOKEN_RENAMED', 'TOKEN_GENERATED']);
    expect([...ofA.edges, ...restOfA.edges].every((edge) => edge.node.tokenId === a!.id)).toBe(true);

    const generated = await pageOf(session, { types: ['TOKEN_GENERATED', 'PLAN_CHOSEN'] });
    expect(generated.edges.map((edge) => edge.node.type)).toEqual(['TOKEN_GENERATED', 'TOKEN_GENERATED', 'TOKEN_GENERATED', 'PLAN_CHOSEN']);
    expect((await pageOf(session, { from: new Date(Date.now() + 60_000).toISOString() })).edges).toEqual([]);
    expect((await pageOf(session, { to: new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString() })).edges).toEqual([]);
    expect((await pageOf(other.session, { tokenId: a!.id })).edges).toEqual([]);
    expect((await pageOf(other.session, {})).edges.map((edge) => edge.node.type)).toEqual(['SIGN_IN_SUCCEEDED', 'SIGN_UP']);
  });

  it('refuses a cursor it did not give out with AUDIT_CURSOR_INVALID, and backward paging with BAD_USER_INPUT', async () => {
    const { session } = await busyAccount();
    const tokenCursor = (await t.gql('{ tokenConnection(first: 1) { pageInfo { endCursor } } }', {}, as(session))).data.tokenConnection.pageInfo.endCursor;
    const forged = Buffer.from(`audit:+010000-01-01T00:00:00.000Z|x`).toString('base64url');
    const notATime = Buffer.from('audit:yesterday|x').toString('base64url');
    for (const after of ['bm90IGEgY3Vyc29y', 'not base64 at all!', tokenCursor, notATime, forged]) {
      const refused = await t.gql(CONNECTION, { after }, as(session));
      expect(codes(refused)).toEqual(['AUDIT_CURSOR_INVALID']);
      expect(refused.errors![0]!.message).toMatch(/start again without "after"/);
      expect(refused.data).toBeNull();
    }
    for (const backward of ['last: 2', 'before: "x"']) {
      expect(codes(await t.gql(`{ auditEventConnection(${backward}) { edges { cursor } } }`, {}, as(session)))).toEqual(['BAD_USER_INPUT']);
    }
    expect(codes(await t.gql(CONNECTION, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it('reads a page of events with their tokens and leaks in the same number of statements whatever its size', async () => {
    const { session } = await signUp(freshAddress());
    await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, as(session));
    for (let i = 0; i < 10; i++) await t.generateToken(session, `n${i}`);
    const query = `query($first: Int) { auditEventConnection(first: $first, types: [TOKEN_GENERATED]) {
      edges { node { id token { id name leak { url } } } } } }`;
    const statementsOf = async (first: number) => {
      const before = t.sql.length;
      const result = await t.gql(query, { first }, as(session));
      expect(result.errors).toBeUndefined();
      expect(result.data.auditEventConnection.edges).toHaveLength(first);
      expect(result.data.auditEventConnection.edges.every((edge: { node: { token: { id: string } | null } }) => edge.node.token !== null)).toBe(true);
      return t.sql.length - before;
    };
    // the session with its account, the page, the page's tokens, their leaks
    expect(await statementsOf(1)).toBe(4);
    expect(await statementsOf(10)).toBe(4);
  });
});

describe('retention', () => {
  it('pruning deletes events older than the retention and keeps the rest', async () => {
    const { accountId } = await signUp();
    const day = 24 * 60 * 60 * 1000;
    const store = t.app.services.audit;
    const old = auditEvent('SIGN_IN_FAILED', SYSTEM_ACTOR, new Date(now().getTime() - 401 * day), { accountId });
    const kept = auditEvent('SIGN_IN_FAILED', SYSTEM_ACTOR, new Date(now().getTime() - 399 * day), { accountId });
    await t.app.database.prisma.auditEvent.createMany({ data: [old, kept] });
    expect(await store.prune(400)).toBeGreaterThanOrEqual(1);
    const ids = (await eventsOf(accountId)).map((event) => event.id);
    expect(ids).toContain(kept.id);
    expect(ids).not.toContain(old.id);
    // a shorter retention takes the rest of the old one
    expect(await store.prune(398)).toBeGreaterThanOrEqual(1);
    expect((await eventsOf(accountId)).map((event) => event.id)).not.toContain(kept.id);
  });
});
