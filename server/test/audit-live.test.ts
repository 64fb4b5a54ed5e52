// The live audit trail (the auditEvents subscription) over a real graphql-ws WebSocket: the
// account's own events as they commit, filtered by type, for a dashboard session only, ending
// with that session. Runs on SQLite (in-process events) and on PostgreSQL with Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient, type Collected } from './support/ws-client.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

const LIVE = 'subscription($types: [AuditEventType!]) { auditEvents(types: $types) { id type actorType tokenId clientAddress details } }';
type Live = { auditEvents: { id: string; type: string; actorType: string; tokenId: string | null; clientAddress: string | null; details: string | null } };

/**
 * A subscription's channel is joined asynchronously (a Redis SUBSCRIBE on PostgreSQL's project):
 * renames a token until a rename arrives, so that what the test does next is seen for certain;
 * then one more rename, which arrives after every earlier one (one channel, in order), so that
 * nothing of the warm-up is still on its way when the test starts counting.
 */
async function untilListening(session: string, tokenId: string, updates: Collected<Live>) {
  const rename = (name: string) =>
    t.gql('mutation($id: ID!, $name: String!) { updateToken(id: $id, name: $name) { id } }', { id: tokenId, name }, bearer(session));
  for (let attempt = 0; attempt < 200 && !updates.values.some((value) => value.auditEvents.type === 'TOKEN_RENAMED'); attempt++) {
    await rename(`warm ${attempt}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await rename('warm done');
  await updates.waitUntil((values) => values.some((value) => value.auditEvents.details?.includes('"warm done"') ?? false));
}

describe('the auditEvents subscription', () => {
  it('delivers the account\'s events as they commit, in order, with the same rows the auditEvents query reads', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const warm = await t.generateToken(session, 'warm');
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect<Live>(client, LIVE);
    await untilListening(session, warm.id, updates);
    const seen = updates.values.length;
    const token = await t.generateToken(session, 'live');
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, bearer(session));
    // a revoked token presented: recorded by the document path, with the presenting client's address
    await t.renderDocument(token.secret);
    const received = (await updates.waitFor(seen + 3)).slice(seen).map((value) => value.auditEvents);
    expect(received.map((event) => [event.type, event.tokenId])).toEqual([
      ['TOKEN_GENERATED', token.id],
      ['TOKEN_DELETED', token.id],
      ['REVOKED_TOKEN_PRESENTED', token.id],
    ]);
    // each live event is the stored row
    const stored = await t.app.database.prisma.auditEvent.findMany({ where: { id: { in: received.map((event) => event.id) } } });
    expect(stored.map((row) => row.accountId)).toEqual([accountId, accountId, accountId]);
    expect(received[2]!.actorType).toBe('API_TOKEN');
    expect(received[2]!.clientAddress).toBeTruthy();
    expect(updates.errors).toEqual([]);
    updates.dispose();
    await client.dispose();
  });

  it('with types, only those; and never another account\'s events', async () => {
    const { session } = await t.signUp({ plan: 'free' });
    const other = await t.signUp({ plan: 'pro' });
    const warm = await t.generateToken(session, 'warm');
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const all = collect<Live>(client, LIVE);
    const quotaOnly = collect<Live>(client, LIVE, { types: ['QUOTA_WARNING', 'QUOTA_REACHED', 'TOKEN_DELETED'] });
    await untilListening(session, warm.id, all);
    await t.generateToken(other.session, 'not mine');
    const token = await t.generateToken(session, 'metered');
    // the free plan's 80% and 100%, in the documents' own transactions
    for (let i = 0; i < 100; i++) expect((await t.renderDocument(token.secret)).errors).toBeUndefined();
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, bearer(session));
    const filtered = await quotaOnly.waitFor(3);
    expect(filtered.map((value) => value.auditEvents.type)).toEqual(['QUOTA_WARNING', 'QUOTA_REACHED', 'TOKEN_DELETED']);
    expect(JSON.parse(filtered[1]!.auditEvents.details!)).toMatchObject({ used: 100, quota: 100 });
    await all.waitUntil((values) => values.some((value) => value.auditEvents.type === 'TOKEN_DELETED'));
    expect(all.values.every((value) => value.auditEvents.tokenId !== null && [warm.id, token.id].includes(value.auditEvents.tokenId))).toBe(true);
    all.dispose();
    quotaOnly.dispose();
    await client.dispose();
  });

  it('needs a dashboard session: an API token is refused, and signing out ends it', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'not a session');
    const byToken = wsClient(url, { connectionParams: { authorization: `Bearer ${token.secret}` } });
    const refused = collect<Live>(byToken, LIVE);
    // the connection itself is refused, as for the counts: a socket close with the code as its reason
    expect(await refused.waitForError()).toMatchObject({ code: 4401, reason: 'SESSION_REQUIRED' });
    await byToken.dispose();

    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect<Live>(client, LIVE);
    await untilListening(session, token.id, updates);
    expect(codes(await t.gql('mutation { signOut }', {}, bearer(session)))).toBeUndefined();
    expect(JSON.stringify(await updates.waitForError())).toContain('SESSION_EXPIRED');
    await client.dispose();
  });
});
