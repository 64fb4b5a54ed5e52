// Cross-account isolation: account B can neither list, read, delete nor subscribe to A's tokens,
// and an id from another account is indistinguishable from a missing one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

let t: TestApp;
let url: string;
let alice: { session: string };
let bob: { session: string };
let aliceToken: { id: string; secret: string };

beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
  alice = await t.signUp();
  bob = await t.signUp();
  aliceToken = await t.generateToken(alice.session, 'alice only');
  await t.generateToken(bob.session, 'bob only');
});
afterAll(() => t.close());

describe("one account cannot touch another's tokens", () => {
  it('B cannot list A\'s tokens', async () => {
    for (const status of ['ACTIVE', 'DELETED']) {
      const listed = await t.gql('query($s: TokenStatus) { tokens(status: $s) { id name } }', { s: status }, bearer(bob.session));
      expect(JSON.stringify(listed.data)).not.toContain(aliceToken.id);
    }
  });

  it("B cannot read A's token, and gets the same error as for a missing id", async () => {
    const query = 'query($id: ID!) { token(id: $id) { id name } }';
    const foreign = await t.gql(query, { id: aliceToken.id }, bearer(bob.session));
    const missing = await t.gql(query, { id: 'no-such-token' }, bearer(bob.session));
    expect(codes(foreign)).toEqual(['TOKEN_NOT_FOUND']);
    expect(foreign.errors![0]!.message).toBe(missing.errors![0]!.message);
  });

  it("B cannot delete A's token, which keeps working", async () => {
    const foreign = await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: aliceToken.id }, bearer(bob.session));
    const missing = await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: 'no-such-token' }, bearer(bob.session));
    expect(codes(foreign)).toEqual(['TOKEN_NOT_FOUND']);
    expect(foreign.errors![0]!.message).toBe(missing.errors![0]!.message);
    expect((await t.renderDocument(aliceToken.secret)).errors).toBeUndefined();
  });

  it("B cannot subscribe to A's token", async () => {
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${bob.session}` } });
    const updates = collect(client, 'subscription($id: ID) { documentCount(tokenId: $id) { documentCount } }', { id: aliceToken.id });
    const errors = (await updates.waitForError()) as Array<{ extensions: { code: string } }>;
    expect(errors.map((error) => error.extensions.code)).toEqual(['TOKEN_NOT_FOUND']);
    expect(updates.values).toEqual([]);
    await client.dispose();
  });

  it("B's all-tokens subscription never shows A's documents", async () => {
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${bob.session}` } });
    const updates = collect<{ documentCount: { tokenId: string } }>(client, 'subscription { documentCount { tokenId documentCount } }');
    await updates.waitFor(1);
    await t.renderDocument(aliceToken.secret);
    await t.renderDocument(aliceToken.secret);
    // a document of B's own, as a marker that A's events would have arrived by now
    const bobToken = await t.generateToken(bob.session, 'marker');
    await t.renderDocument(bobToken.secret);
    const received = await updates.waitFor(2);
    expect(received[1]!.documentCount.tokenId).toBe(bobToken.id);
    expect(updates.values.map((update) => update.documentCount.tokenId)).not.toContain(aliceToken.id);
    updates.dispose();
    await client.dispose();
  });
});
