// tokenInfo: a CI smoke test's free question "which token is this, and what may it still do?" —
// any token, any scope, no document counted; a token that could not make a document is refused
// as a document would be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const INFO = '{ tokenInfo { token { id name scopes expiresAt } team { id plan { id } currentPeriod { used quota } } monthlyDocumentsLeft } }';

describe('tokenInfo', () => {
  it('names the token, its team and its quota, for any scope, and counts nothing', async () => {
    const { session, accountId } = await t.signUp({ plan: 'free' });
    const token = await t.generateToken(session, 'ci smoke');
    await t.renderDocument(token.secret);
    const info = await t.gql(INFO, {}, bearer(token.secret));
    expect(info.data.tokenInfo).toEqual({
      token: { id: token.id, name: 'ci smoke', scopes: ['DOCUMENTS_RENDER'], expiresAt: null },
      team: { id: accountId, plan: { id: 'free' }, currentPeriod: { used: 1, quota: 100 } },
      monthlyDocumentsLeft: null,
    });
    // a management token without DOCUMENTS_RENDER may ask too
    const reader = await t.gql('mutation { generateToken(name: "reader", scopes: [TOKENS_READ]) { secret } }', {}, bearer(session));
    expect((await t.gql(INFO, {}, bearer(reader.data.generateToken.secret))).data.tokenInfo.token.scopes).toEqual(['TOKENS_READ']);
    // asking counted nothing
    expect((await t.gql(INFO, {}, bearer(token.secret))).data.tokenInfo.team.currentPeriod.used).toBe(1);
  });

  it('with a monthly limit, says how many documents are left', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'limited');
    await t.gql('mutation($id: ID!) { updateToken(id: $id, monthlyDocumentLimit: 5) { id } }', { id: token.id }, bearer(session));
    await t.renderDocument(token.secret);
    await t.renderDocument(token.secret);
    expect((await t.gql(INFO, {}, bearer(token.secret))).data.tokenInfo.monthlyDocumentsLeft).toBe(3);
  });

  it('refuses as a document would: no token, a session, a deleted or disabled token', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    expect(codes(await t.gql(INFO))).toEqual(['API_TOKEN_MISSING']);
    expect(codes(await t.gql(INFO, {}, bearer(session)))).toEqual(['API_TOKEN_MALFORMED']);
    const disabled = await t.generateToken(session, 'paused');
    await t.gql('mutation($id: ID!) { disableToken(id: $id) { id } }', { id: disabled.id }, bearer(session));
    const refused = await t.gql(INFO, {}, bearer(disabled.secret));
    expect(codes(refused)).toEqual(['API_TOKEN_DISABLED']);
    expect(refused.status).toBe(401);
    const deleted = await t.generateToken(session, 'gone');
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: deleted.id }, bearer(session));
    expect(codes(await t.gql(INFO, {}, bearer(deleted.secret)))).toEqual(['API_TOKEN_DELETED']);
  });
});
