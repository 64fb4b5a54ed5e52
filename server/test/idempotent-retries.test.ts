// The SDK against the real server, through the failures its retries are for: an answer lost after
// the document was counted, and a concurrent request holding the key. Whatever happens on the
// way, one call is one document. Runs on SQLite and on PostgreSQL (API_SUITES).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PogodocClient } from '../../sdk/src/index.js';
import { droppingProxy } from './support/dropping-proxy.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t?.close());

async function documentCountOf(session: string, tokenId: string): Promise<number> {
  const result = await t.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id: tokenId }, bearer(session));
  return result.data.token.documentCount;
}

describe('the SDK retrying against the server', () => {
  it('an answer lost after the document was counted: the SDK retries, and the count rises by exactly one', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const proxy = await droppingProxy(url, 1);
    try {
      const pogodoc = new PogodocClient({ token: secret, baseUrl: proxy.url, minRetryDelayMs: 10 });
      const document = await pogodoc.renderDocument({ template: 'Invoice {{ n }}', data: { n: 1 } });
      // the first answer was cut off, and the retry got it back from the server
      expect(proxy.stats).toEqual({ connections: 2, dropped: 1 });
      expect(document).toEqual({ content: 'Invoice 1', tokenId: id, documentCount: 1, replayed: true });
      expect(await documentCountOf(session, id)).toBe(1);
      // the next call is a new document
      expect(await pogodoc.renderDocument({ template: 'Invoice {{ n }}', data: { n: 1 } })).toMatchObject({ documentCount: 2, replayed: false });
    } finally {
      await proxy.close();
    }
  });

  it('five calls with one key at once all end with the one document (the SDK waits out IDEMPOTENCY_KEY_IN_USE)', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const pogodoc = new PogodocClient({ token: secret, baseUrl: url });
    const idempotencyKey = randomUUID();
    const input = { template: 'Receipt {{ n }}', data: { n: 9 } };
    const documents = await Promise.all(Array.from({ length: 5 }, () => pogodoc.renderDocument(input, { idempotencyKey })));
    for (const document of documents) expect(document).toMatchObject({ content: 'Receipt 9', tokenId: id, documentCount: 1 });
    expect(documents.filter((document) => !document.replayed)).toHaveLength(1);
    expect(await documentCountOf(session, id)).toBe(1);
  });
});
