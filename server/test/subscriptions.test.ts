// Live document counts over a real graphql-ws connection to a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

const ONE_TOKEN = 'subscription($id: ID) { documentCount(tokenId: $id) { tokenId documentCount } }';
type Update = { documentCount: { tokenId: string; documentCount: number } };

describe('the documentCount subscription', () => {
  it('emits the current count first, then each document\'s increment, in order', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    await t.renderDocument(secret);
    await t.renderDocument(secret);
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect<Update>(client, ONE_TOKEN, { id });
    await updates.waitFor(1);
    for (let i = 0; i < 5; i++) await t.renderDocument(secret);
    const received = await updates.waitFor(6);
    expect(received.map((update) => update.documentCount)).toEqual([2, 3, 4, 5, 6, 7].map((documentCount) => ({ tokenId: id, documentCount })));
    updates.dispose();
    await client.dispose();
  });

  it('without tokenId, follows every active token of the account', async () => {
    const { session } = await t.signUp();
    const first = await t.generateToken(session, 'first');
    const second = await t.generateToken(session, 'second');
    await t.renderDocument(second.secret);
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect<Update>(client, ONE_TOKEN);
    const initial = await updates.waitFor(2);
    expect(initial.map((update) => update.documentCount).sort((a, b) => a.tokenId.localeCompare(b.tokenId))).toEqual(
      [
        { tokenId: first.id, documentCount: 0 },
        { tokenId: second.id, documentCount: 1 },
      ].sort((a, b) => a.tokenId.localeCompare(b.tokenId)),
    );
    await t.renderDocument(first.secret);
    await t.renderDocument(second.secret);
    const all = await updates.waitFor(4);
    expect(all.slice(2).map((update) => update.documentCount)).toEqual([
      { tokenId: first.id, documentCount: 1 },
      { tokenId: second.id, documentCount: 2 },
    ]);
    updates.dispose();
    await client.dispose();
  });

  it('shows concurrent documents in order, never going back, and ends at the exact count', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect<Update>(client, ONE_TOKEN, { id });
    await updates.waitFor(1);
    await Promise.all(Array.from({ length: 100 }, () => t.renderDocument(secret)));
    // Increments that commit concurrently can be published out of order; a count lower than
    // one already sent is stale and is dropped, so the subscriber sees counts only grow.
    await updates.waitUntil((values) => values.at(-1)?.documentCount.documentCount === 100);
    const counts = updates.values.map((update) => update.documentCount.documentCount);
    expect(counts[0]).toBe(0);
    expect(counts.every((count, i) => i === 0 || count > counts[i - 1]!)).toBe(true);
    updates.dispose();
    await client.dispose();
  });

  it('identical subscriptions of an account share one encoded payload per event; each still gets its own id and its own start', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const before = t.app.webSockets.sharedSubscriptions();
    const auth = { connectionParams: { authorization: `Bearer ${session}` } };
    const clients = Array.from({ length: 12 }, () => wsClient(url, auth));
    const same = clients.slice(0, 10).map((client) => collect<Update>(client, ONE_TOKEN, { id }));
    const aliased = collect<{ count: Update['documentCount'] }>(clients[10]!, 'subscription($id: ID) { count: documentCount(tokenId: $id) { tokenId documentCount } }', { id });
    const everyToken = collect<Update>(clients[11]!, ONE_TOKEN);
    await Promise.all([...same.map((updates) => updates.waitFor(1)), aliased.waitFor(1), everyToken.waitFor(1)]);
    // 10 in one group; the aliased document and the one without variables are groups of their own
    expect(t.app.webSockets.sharedSubscriptions()).toEqual({ subscriptions: before.subscriptions + 12, groups: before.groups + 3 });

    await t.renderDocument(secret);
    // one that joins later starts from the current count, not from the group's history
    const late = collect<Update>(clients[0]!, ONE_TOKEN, { id });
    expect(await late.waitFor(1)).toEqual([{ documentCount: { tokenId: id, documentCount: 1 } }]);
    await t.renderDocument(secret);

    const expected = [0, 1, 2].map((documentCount) => ({ documentCount: { tokenId: id, documentCount } }));
    for (const updates of same) expect(await updates.waitFor(3)).toEqual(expected);
    expect(await everyToken.waitFor(3)).toEqual(expected);
    expect(await aliased.waitFor(3)).toEqual(expected.map(({ documentCount }) => ({ count: documentCount })));
    expect(await late.waitFor(2)).toEqual(expected.slice(1));

    // completing leaves the group; the last one out removes it
    for (const updates of [...same, aliased, everyToken, late]) updates.dispose();
    await Promise.all(clients.map((client) => client.dispose()));
    await expect.poll(() => t.app.webSockets.sharedSubscriptions()).toEqual(before);
  });

  it('authenticates with the session cookie of the upgrade request', async () => {
    const { session } = await t.signUp();
    const { id } = await t.generateToken(session);
    const client = wsClient(url, { headers: { cookie: `pogodoc_session=${session}` } });
    const updates = collect<Update>(client, ONE_TOKEN, { id });
    expect(await updates.waitFor(1)).toEqual([{ documentCount: { tokenId: id, documentCount: 0 } }]);
    updates.dispose();
    await client.dispose();
  });

  // 4401 is a close code the graphql-ws client does not retry: a bad credential cannot set off
  // a reconnect storm. The reason carries the same code as HTTP.
  it('refuses a connection without a session with 4401, naming the code', async () => {
    const client = wsClient(url);
    const closed = (await collect<Update>(client, ONE_TOKEN).waitForError()) as { code: number; reason: string };
    expect(closed).toMatchObject({ code: 4401, reason: 'UNAUTHENTICATED' });
    await client.dispose();
  });

  it('refuses an expired session with 4401 SESSION_EXPIRED', async () => {
    const { session } = await t.signUp();
    await t.gql('mutation { signOut }', {}, bearer(session));
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const closed = (await collect<Update>(client, ONE_TOKEN).waitForError()) as { code: number; reason: string };
    expect(closed).toMatchObject({ code: 4401, reason: 'SESSION_EXPIRED' });
    await client.dispose();
  });

  it('an API token cannot subscribe: that needs a dashboard session', async () => {
    const { session } = await t.signUp();
    const { secret } = await t.generateToken(session);
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${secret}` } });
    const closed = (await collect<Update>(client, ONE_TOKEN).waitForError()) as { code: number; reason: string };
    expect(closed).toMatchObject({ code: 4401, reason: 'SESSION_REQUIRED' });
    await client.dispose();
  });

  it('also works over HTTP with server-sent events', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    const controller = new AbortController();
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(session) },
      body: JSON.stringify({ query: ONE_TOKEN, variables: { id } }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('"documentCount":0');
    await t.renderDocument(secret);
    await readUntil('"documentCount":1');
    controller.abort();
  });
});
