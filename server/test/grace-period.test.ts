// During a roll's grace period: who still sends the previous secret (its documents since the roll,
// the last one's time, address and User-Agent), and "end grace now", which stops it at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const USE = 'query($id: ID!) { token(id: $id) { previousSecretUse { documentCount lastUsedAt lastUsedAddress lastUsedUserAgent } } }';
const render = (secret: string, address: string, agent: string) =>
  t.gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, { ...bearer(secret), 'x-forwarded-for': address, 'user-agent': agent });

describe('the previous secret during a grace period', () => {
  it('records who still sends it; ending the grace period stops it at once, audited, once', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'rolling');
    expect((await t.gql(USE, { id: token.id }, bearer(session))).data.token.previousSecretUse).toBeNull();
    const rolled = await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: ONE_DAY) { secret } }', { id: token.id }, bearer(session));
    const newSecret = rolled.data.rollToken.secret as string;
    expect((await t.gql(USE, { id: token.id }, bearer(session))).data.token.previousSecretUse).toEqual({ documentCount: 0, lastUsedAt: null, lastUsedAddress: null, lastUsedUserAgent: null });

    expect((await render(token.secret, '198.51.100.4', 'nightly-job/1.0')).errors).toBeUndefined();
    expect((await render(token.secret, '198.51.100.9', 'legacy-cron/2.1')).errors).toBeUndefined();
    // the new secret is no use of the old one
    expect((await render(newSecret, '198.51.100.20', 'new-client')).errors).toBeUndefined();
    const use = (await t.gql(USE, { id: token.id }, bearer(session))).data.token.previousSecretUse;
    expect(use).toMatchObject({ documentCount: 2, lastUsedAddress: '198.51.100.9', lastUsedUserAgent: 'legacy-cron/2.1' });
    expect(Date.parse(use.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);

    const ended = await t.gql('mutation($id: ID!) { endGracePeriod(id: $id) { id previousSecretUse { documentCount } } }', { id: token.id }, bearer(session));
    expect(ended.data.endGracePeriod).toEqual({ id: token.id, previousSecretUse: null });
    const refused = await render(token.secret, '198.51.100.9', 'legacy-cron/2.1');
    expect(codes(refused)).toEqual(['API_TOKEN_ROLLED']);
    expect(refused.status).toBe(401);
    expect((await render(newSecret, '198.51.100.20', 'new-client')).errors).toBeUndefined();
    expect(codes(await t.gql('mutation($id: ID!) { endGracePeriod(id: $id) { id } }', { id: token.id }, bearer(session)))).toEqual(['TOKEN_NO_GRACE_PERIOD']);

    const events = await t.gql('query($id: ID!) { auditEventConnection(first: 20, tokenId: $id, types: [TOKEN_GRACE_ENDED]) { edges { node { details } } } }', { id: token.id }, bearer(session));
    expect(events.data.auditEventConnection.edges.map((edge: { node: { details: string } }) => JSON.parse(edge.node.details))).toEqual([{ previousSecretUseCount: 2 }]);
  });

  it('a new roll starts the count again', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'twice');
    const first = await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: ONE_HOUR) { secret } }', { id: token.id }, bearer(session));
    await render(token.secret, '198.51.100.4', 'a');
    await t.gql('mutation($id: ID!) { rollToken(id: $id, gracePeriod: ONE_HOUR) { secret } }', { id: token.id }, bearer(session));
    expect((await t.gql(USE, { id: token.id }, bearer(session))).data.token.previousSecretUse.documentCount).toBe(0);
    await render(first.data.rollToken.secret, '198.51.100.5', 'b');
    expect((await t.gql(USE, { id: token.id }, bearer(session))).data.token.previousSecretUse).toMatchObject({ documentCount: 1, lastUsedUserAgent: 'b' });
  });
});
