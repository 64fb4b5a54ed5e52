// Disabling a token: refused at once with its own code (401), while it keeps its slot in the Active
// tab, its secret and its history; enabling it makes the same secret work again. Both are audited
// and sent as webhooks, and a caller narrower than the token can do neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ webhookAllowPrivateUrls: true });
});
afterAll(async () => {
  await t?.close();
});

const DISABLE = 'mutation($id: ID!) { disableToken(id: $id) { id disabledAt status } }';
const ENABLE = 'mutation($id: ID!) { enableToken(id: $id) { id disabledAt status } }';

function expectDisabled(result: GraphQLResponse) {
  expect(codes(result)).toEqual(['API_TOKEN_DISABLED']);
  expect(result.status).toBe(401);
  expect(result.headers.get('www-authenticate')).toMatch(/^Bearer realm="pogodoc", error="invalid_token"/);
  expect(result.errors![0]!.message).toMatch(/Enable it again/);
}

const eventTypes = async (session: string) =>
  (await t.gql('{ auditEventConnection(first: 50) { edges { node { type token { id } } } } }', {}, bearer(session))).data.auditEventConnection.edges.map(
    (edge: { node: { type: string } }) => edge.node.type,
  );

describe('disable and enable a token', () => {
  it('a disabled token is refused at once with API_TOKEN_DISABLED, keeps its slot, secret and count, and works again once enabled', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const endpoint = await t.gql('mutation { createWebhookEndpoint(url: "http://127.0.0.1:9/hooks", events: ["token.disabled", "token.enabled"]) { endpoint { id } } }', {}, bearer(session));
    expect(endpoint.errors).toBeUndefined();
    const token = await t.generateToken(session, 'nightly');
    expect((await t.renderDocument(token.secret)).data.renderDocument.documentCount).toBe(1);

    const disabled = await t.gql(DISABLE, { id: token.id }, bearer(session));
    expect(disabled.data.disableToken).toMatchObject({ id: token.id, status: 'ACTIVE', disabledAt: expect.any(String) });
    expectDisabled(await t.renderDocument(token.secret));
    // still in the Active tab, still counted against the limit of 10
    const listed = await t.gql('{ tokens { id disabledAt } viewer { activeTokenCount } }', {}, bearer(session));
    expect(listed.data.tokens).toEqual([{ id: token.id, disabledAt: disabled.data.disableToken.disabledAt }]);
    expect(listed.data.viewer.activeTokenCount).toBe(1);
    // twice: nothing changes, nothing more is recorded
    expect((await t.gql(DISABLE, { id: token.id }, bearer(session))).data.disableToken.disabledAt).toBe(disabled.data.disableToken.disabledAt);

    const enabled = await t.gql(ENABLE, { id: token.id }, bearer(session));
    expect(enabled.data.enableToken).toMatchObject({ id: token.id, disabledAt: null, status: 'ACTIVE' });
    expect((await t.renderDocument(token.secret)).data.renderDocument.documentCount).toBe(2);

    const types = await eventTypes(session);
    expect(types.filter((type: string) => type === 'TOKEN_DISABLED')).toHaveLength(1);
    expect(types.filter((type: string) => type === 'TOKEN_ENABLED')).toHaveLength(1);
    // the integration still sending the disabled secret shows in the log, as a revoked one does
    expect(types).toContain('REVOKED_TOKEN_PRESENTED');
    const messages = await t.app.database.sql.rows<{ eventType: string }>(
      { name: 'test_disable_webhooks', text: `SELECT "eventType" FROM "WebhookMessage" WHERE "accountId" = $1 ORDER BY "createdAt", "id"` },
      [accountId],
    );
    expect(messages.map((message) => message.eventType)).toEqual(['token.disabled', 'token.enabled']);
  });

  it('a deleted token can be neither disabled nor enabled; an unknown one is TOKEN_NOT_FOUND', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'gone');
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: token.id }, bearer(session));
    expect(codes(await t.gql(DISABLE, { id: token.id }, bearer(session)))).toEqual(['TOKEN_NOT_ACTIVE']);
    expect(codes(await t.gql(ENABLE, { id: token.id }, bearer(session)))).toEqual(['TOKEN_NOT_ACTIVE']);
    expect(codes(await t.gql(DISABLE, { id: 'tok_none' }, bearer(session)))).toEqual(['TOKEN_NOT_FOUND']);
  });

  it('a management token disables only tokens no looser than itself', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const generate = 'mutation($n: String!, $s: [TokenScope!]) { generateToken(name: $n, scopes: $s) { secret token { id } } }';
    const manager = (await t.gql(generate, { n: 'manager', s: ['TOKENS_WRITE'] }, bearer(session))).data.generateToken;
    const broad = (await t.gql(generate, { n: 'broad', s: ['TOKENS_WRITE', 'WEBHOOKS_WRITE'] }, bearer(session))).data.generateToken;
    const narrow = (await t.gql(generate, { n: 'narrow', s: ['TOKENS_WRITE'] }, bearer(session))).data.generateToken;
    const refused = await t.gql(DISABLE, { id: broad.token.id }, bearer(manager.secret));
    expect(codes(refused)).toEqual(['API_TOKEN_SCOPE_MISSING']);
    expect(refused.status).toBe(403);
    expect((await t.gql(DISABLE, { id: narrow.token.id }, bearer(manager.secret))).data.disableToken.disabledAt).not.toBeNull();
  });
});
