// WebSocket limits, with graphql-ws close codes used as the protocol defines them.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

let t: TestApp;
let url: string;
let wsUrl: string;
const limits = { ...limitsFromEnv({}), wsMaxPayloadBytes: 4096, wsConnectionInitTimeoutMs: 300, wsMaxSubscriptionsPerConnection: 3, wsMaxConnectionsPerAccount: 2 };

beforeAll(async () => {
  t = await createTestApp({ limits });
  url = await t.app.start(0, '127.0.0.1');
  wsUrl = `${url.replace('http', 'ws')}/graphql`;
});
afterAll(() => t.close());

/** A raw graphql-transport-ws socket, for frames a well-behaved client would never send. */
function rawSocket(): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }>; messages: unknown[] }> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, closed, messages }));
    socket.once('error', reject);
  });
}

describe('WebSocket limits', () => {
  it('closes a connection that never sends connection_init with 4408', async () => {
    const { closed } = await rawSocket();
    expect(await closed).toMatchObject({ code: 4408 });
  });

  it('closes a connection whose frame is over maxPayload with 1009', async () => {
    const { session } = await t.signUp();
    const { socket, closed } = await rawSocket();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } }));
    socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: `# ${'x'.repeat(limits.wsMaxPayloadBytes)}\n{ plans { id } }` } }));
    expect((await closed).code).toBe(1009);
  });

  it('refuses a subscription past the per-connection cap with SUBSCRIPTION_LIMIT_REACHED', async () => {
    const { session } = await t.signUp();
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const open = Array.from({ length: limits.wsMaxSubscriptionsPerConnection }, () =>
      collect(client, 'subscription { documentCount { tokenId } }'),
    );
    // no tokens yet, so these stay open and silent; give them time to be registered
    await new Promise((resolve) => setTimeout(resolve, 300));
    const extra = collect(client, 'subscription { documentCount { tokenId } }');
    const errors = (await extra.waitForError()) as Array<{ extensions: { code: string } }>;
    expect(errors.map((error) => error.extensions.code)).toEqual(['SUBSCRIPTION_LIMIT_REACHED']);
    expect(open.map((subscription) => subscription.errors)).toEqual([[], [], []]);
    open.forEach((subscription) => subscription.dispose());
    await client.dispose();
  });

  it('closes connections past the per-account cap with 1013 (try again later)', async () => {
    const { session } = await t.signUp();
    const clients = Array.from({ length: limits.wsMaxConnectionsPerAccount + 1 }, () =>
      wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } }),
    );
    const subscriptions = [];
    for (const client of clients.slice(0, limits.wsMaxConnectionsPerAccount)) {
      const subscription = collect(client, 'subscription { documentCount { tokenId } }');
      subscriptions.push(subscription);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const refused = collect(clients.at(-1)!, 'subscription { documentCount { tokenId } }');
    expect(await refused.waitForError()).toMatchObject({ code: 1013 });
    expect(subscriptions.every((subscription) => subscription.errors.length === 0)).toBe(true);
    await Promise.all(clients.map((client) => client.dispose()));
  });

  it('answers out-of-order, duplicate and invalid frames by the protocol, and keeps serving', async () => {
    const { session } = await t.signUp();
    // subscribe before connection_init: 4401 Unauthorized
    let raw = await rawSocket();
    raw.socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ plans { id } }' } }));
    expect((await raw.closed).code).toBe(4401);
    // invalid JSON: 4400 Bad Request
    raw = await rawSocket();
    raw.socket.send('{not json');
    expect((await raw.closed).code).toBe(4400);
    // two connection_init: 4429
    raw = await rawSocket();
    raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } }));
    raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } }));
    expect((await raw.closed).code).toBe(4429);
    // a duplicate subscription id: 4409
    raw = await rawSocket();
    raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const subscribe = JSON.stringify({ type: 'subscribe', id: 'same', payload: { query: 'subscription { documentCount { tokenId } }' } });
    raw.socket.send(subscribe);
    raw.socket.send(subscribe);
    expect((await raw.closed).code).toBe(4409);
    // and the server still serves
    expect((await t.gql('{ plans { id } }')).data.plans.length).toBeGreaterThan(0);
  });
});
