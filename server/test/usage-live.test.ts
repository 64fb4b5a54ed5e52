// The period meter is live through the existing documentCount subscription: the event that
// carries a token's new count carries the account's period usage too (one fan-out), the current
// usage comes first, and it never goes backwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

const COUNTS = 'subscription($id: ID) { documentCount(tokenId: $id) { tokenId documentCount period periodDocumentCount } }';
type Update = { documentCount: { tokenId: string; documentCount: number; period: string; periodDocumentCount: number } };

describe('period usage on the documentCount subscription', () => {
  it('comes with the current counts first, then rises with every document of any token, never backwards', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const first = await t.generateToken(session, 'first');
    const second = await t.generateToken(session, 'second');
    await t.renderDocument(first.secret);
    await t.renderDocument(second.secret);
    await t.renderDocument(second.secret);

    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const watchingFirst = collect<Update>(client, COUNTS, { id: first.id });
    const watchingAll = collect<Update>(client, COUNTS);
    const period = new Date().toISOString().slice(0, 7);
    expect((await watchingFirst.waitFor(1))[0]!.documentCount).toEqual({ tokenId: first.id, documentCount: 1, period, periodDocumentCount: 3 });
    const initial = await watchingAll.waitFor(2);
    expect(initial.map((update) => update.documentCount.periodDocumentCount)).toEqual([3, 3]);

    // documents of the other token move the meter too, but reach a one-token watcher only with its own token
    await t.renderDocument(second.secret);
    await t.renderDocument(first.secret);
    const one = await watchingFirst.waitFor(2);
    expect(one[1]!.documentCount).toMatchObject({ tokenId: first.id, documentCount: 2, periodDocumentCount: 5 });

    // concurrent documents: the meter never goes back and ends at the exact usage
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.renderDocument(i % 2 ? first.secret : second.secret)));
    // a channel that falls behind merges waiting counts into the latest (the feed's rule), so
    // wait for the final usage rather than for one update per document
    const all = await watchingAll.waitUntil((values) => values.at(-1)?.documentCount.periodDocumentCount === 25);
    const meter = all.map((update) => update.documentCount.periodDocumentCount);
    for (let i = 1; i < meter.length; i++) expect(meter[i]).toBeGreaterThanOrEqual(meter[i - 1]!);
    expect(meter.at(-1)).toBe(25);
    const stored = await t.app.database.prisma.accountPeriodUsage.findMany({ where: { accountId: (await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id: first.id } })).accountId } });
    expect(stored.map((row) => row.documentCount)).toEqual([25]);
    watchingFirst.dispose();
    watchingAll.dispose();
    await client.dispose();
  });
});
