// Changing a token's expiry after it was made: later, sooner or never, for a token of the Active
// tab only, audited, with the expiry notices due again for the new date. On an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { movableClock } from './support/movable-clock.js';

const DAY = 24 * 60 * 60 * 1000;
const clock = movableClock();

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { clock: clock.now });
});
afterAll(async () => {
  await t?.close();
});

const CHANGE = 'mutation($id: ID!, $at: DateTime) { changeTokenExpiry(id: $id, expiresAt: $at) { id expiresAt status } }';
const GENERATE = 'mutation($name: String!, $in: TokenExpiry, $scopes: [TokenScope!]) { generateToken(name: $name, expiresIn: $in, scopes: $scopes) { secret token { id expiresAt } } }';
const RENDER = 'mutation { renderDocument(template: "x", data: {}) { documentCount } }';

async function generate(session: string, name: string, expiresIn: string, scopes?: string[]) {
  const answer = await t.gql(GENERATE, { name, in: expiresIn, scopes }, bearer(session));
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return { id: answer.data.generateToken.token.id as string, secret: answer.data.generateToken.secret as string };
}

const inDays = (days: number) => new Date(clock.now().getTime() + days * DAY).toISOString();

describe('changeTokenExpiry', () => {
  it('moves the expiry later, sooner or to never, audited as a restriction', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await generate(session, 'nightly', 'DAYS_7');
    const later = inDays(60);
    expect((await t.gql(CHANGE, { id: token.id, at: later }, bearer(session))).data.changeTokenExpiry).toEqual({ id: token.id, expiresAt: later, status: 'ACTIVE' });
    expect((await t.gql(CHANGE, { id: token.id, at: null }, bearer(session))).data.changeTokenExpiry.expiresAt).toBeNull();
    const events = await t.gql('query($id: ID!) { auditEventConnection(tokenId: $id, types: [TOKEN_RESTRICTED]) { edges { node { details } } } }', { id: token.id }, bearer(session));
    expect(events.data.auditEventConnection.edges.map((edge: { node: { details: string } }) => JSON.parse(edge.node.details))).toEqual([{ expiresAt: null }, { expiresAt: later }]);

    // sooner: the token works until the new date, and not after it
    const sooner = inDays(2);
    expect((await t.gql(CHANGE, { id: token.id, at: sooner }, bearer(session))).data.changeTokenExpiry.expiresAt).toBe(sooner);
    expect((await t.gql(RENDER, {}, bearer(token.secret))).errors).toBeUndefined();
    clock.advance(3 * DAY);
    const refused = await t.gql(RENDER, {}, bearer(token.secret));
    expect(codes(refused)).toEqual(['API_TOKEN_EXPIRED']);
    // and an expired token is never brought back by a new date
    expect(codes(await t.gql(CHANGE, { id: token.id, at: inDays(30) }, bearer(session)))).toEqual(['TOKEN_NOT_ACTIVE']);
    expect(codes(await t.gql(RENDER, {}, bearer(token.secret)))).toEqual(['API_TOKEN_EXPIRED']);
  });

  it('refuses a date in the past, more than a year ahead, a left-out date, and a deleted or unknown token', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await generate(session, 'checked', 'DAYS_30');
    expect(codes(await t.gql(CHANGE, { id: token.id, at: inDays(-1) }, bearer(session)))).toEqual(['TOKEN_EXPIRY_INVALID']);
    expect(codes(await t.gql(CHANGE, { id: token.id, at: inDays(366) }, bearer(session)))).toEqual(['TOKEN_EXPIRY_INVALID']);
    expect(codes(await t.gql('mutation($id: ID!) { changeTokenExpiry(id: $id) { id } }', { id: token.id }, bearer(session)))).toEqual(['TOKEN_EXPIRY_REQUIRED']);
    expect(codes(await t.gql(CHANGE, { id: 'no-such-token', at: inDays(10) }, bearer(session)))).toEqual(['TOKEN_NOT_FOUND']);
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: token.id }, bearer(session));
    expect(codes(await t.gql(CHANGE, { id: token.id, at: inDays(10) }, bearer(session)))).toEqual(['TOKEN_NOT_ACTIVE']);
  });

  it('an API token sets no expiry later than its own', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const manager = await generate(session, 'manager', 'DAYS_30', ['TOKENS_READ', 'TOKENS_WRITE', 'DOCUMENTS_RENDER']);
    const target = await generate(session, 'target', 'DAYS_7', ['DOCUMENTS_RENDER']);
    expect(codes(await t.gql(CHANGE, { id: target.id, at: null }, bearer(manager.secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    expect(codes(await t.gql(CHANGE, { id: target.id, at: inDays(60) }, bearer(manager.secret)))).toEqual(['API_TOKEN_RESTRICTED']);
    const within = inDays(20);
    expect((await t.gql(CHANGE, { id: target.id, at: within }, bearer(manager.secret))).data.changeTokenExpiry.expiresAt).toBe(within);
  });

  it('the 7-day notice comes again for the new date', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await generate(session, 'noticed', 'DAYS_30');
    const notices = async () =>
      (await t.gql('query($id: ID!) { auditEventConnection(tokenId: $id, types: [TOKEN_EXPIRING]) { edges { node { details } } } }', { id: token.id }, bearer(session))).data.auditEventConnection.edges.map(
        (edge: { node: { details: string } }) => JSON.parse(edge.node.details) as { daysBefore: number; expiresAt: string },
      );
    clock.advance(24 * DAY);
    await t.app.services.audit.recordExpiringTokens();
    const first = await notices();
    expect(first.map((notice: { daysBefore: number }) => notice.daysBefore)).toEqual([7]);
    const extended = inDays(30);
    await t.gql(CHANGE, { id: token.id, at: extended }, bearer(session));
    // the same date again changes nothing, and records nothing
    await t.gql(CHANGE, { id: token.id, at: extended }, bearer(session));
    const restricted = await t.gql('query($id: ID!) { auditEventConnection(tokenId: $id, types: [TOKEN_RESTRICTED]) { edges { node { id } } } }', { id: token.id }, bearer(session));
    expect(restricted.data.auditEventConnection.edges).toHaveLength(1);
    await t.app.services.audit.recordExpiringTokens();
    expect(await notices()).toHaveLength(1); // not due yet for the new date
    clock.advance(24 * DAY);
    await t.app.services.audit.recordExpiringTokens();
    const again = await notices();
    expect(again).toHaveLength(2);
    expect(again[0]).toEqual({ daysBefore: 7, expiresAt: extended });
    // the first notice is in the trail as it was written
    expect(again[1]).toEqual(first[0]);
  });
});
