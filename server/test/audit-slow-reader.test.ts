// The audit trail's one slow-reader rule, the same over WebSocket and server-sent events: a client
// whose connection stops taking events is sent what fits, then its subscription ends with
// SUBSCRIBER_TOO_SLOW once LIVE_MAX_UNREAD_EVENTS more wait for it. Audit events cannot merge like
// counts, so it never skips one silently: what it read is every event in order, then the error.
// And an account's audit subscribers share one subscription to its events, however many there are.
//
// Real sockets on a real server. The stopped clients stop reading at the TCP level (ws's pause(),
// an HTTP response's pause()), so what the server writes fills the kernel's buffers and the
// transport then stops taking events. How much the kernel takes is not known; no step depends on
// it or on time: events are made, one at a time, until the server has let both clients go.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv, type Limits } from '../src/config.js';
import { openEventStream } from './support/event-stream.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

/** Aliases of `details` in the stopped clients' selection: every event is a large frame, so few fill the kernel's buffers. */
const ALIASES = 4000;
const MAX_UNREAD = 8;
const LARGE = `subscription { auditEvents(types: [TOKEN_RENAMED]) { type details ${Array.from({ length: ALIASES }, (_, i) => `d${i}: details`).join(' ')} } }`;
const SMALL = 'subscription { auditEvents(types: [TOKEN_RENAMED]) { type details } }';

const limits: Limits = {
  ...limitsFromEnv({}),
  liveMaxUnreadEvents: MAX_UNREAD,
  // every rename is one event; the mutation rate limit is not what is tested here
  tokenMutationsPerAccountPerMinute: 1_000_000,
  // the HTTP stall rule would reset the stopped SSE connection; the rule under test is the feed's
  httpWriteStallTimeoutMs: 0,
  // and the keep-alive would drop the stopped WebSocket, which answers no ping either
  wsKeepAliveMs: 10 * 60_000,
  maxAliases: ALIASES + 10,
  maxTokens: 10 * ALIASES,
  maxCost: 10 * ALIASES,
};

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp({ limits });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

/** The new name of a rename event. */
const renamedTo = (details: string | null | undefined) => (JSON.parse(details ?? '{}') as { name?: string }).name;

/** What a stopped client read: the renames, in order, and how its subscription ended. */
interface Reader {
  names: string[];
  /** The extensions.code of the error that ended the subscription, once it has arrived. */
  endedWith(): string | undefined;
  pause(): void;
  resume(): void;
  close(): void;
}

/** A graphql-transport-ws client by hand over `ws`, so that it can stop reading its socket. */
function webSocketReader(session: string): Reader {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
  const names: string[] = [];
  let code: string | undefined;
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } })));
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(String(data)) as { type: string; payload?: any };
    if (message.type === 'connection_ack') socket.send(JSON.stringify({ type: 'subscribe', id: 'audit', payload: { query: LARGE } }));
    else if (message.type === 'next') names.push(renamedTo(message.payload.data.auditEvents.details)!);
    else if (message.type === 'error') code = message.payload[0]?.extensions?.code ?? 'no code';
    else if (message.type === 'ping') socket.send('{"type":"pong"}');
  });
  return { names, endedWith: () => code, pause: () => socket.pause(), resume: () => socket.resume(), close: () => socket.close() };
}

/** The same subscription over HTTP as server-sent events. */
function eventStreamReader(session: string): Reader {
  const names: string[] = [];
  let code: string | undefined;
  const stream = openEventStream(url, bearer(session), LARGE, (body) => {
    if (body.errors) code = body.errors[0]?.extensions?.code ?? 'no code';
    else if (body.data) names.push(renamedTo(body.data.auditEvents.details)!);
  });
  return { names, endedWith: () => code, ...stream };
}

describe("an account's audit subscribers", () => {
  it('share one subscription to its events, however many there are, on either transport', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'shared');
    const before = t.app.live.eventSubscriptions(); // nothing else is open yet: this test runs first
    const clients = Array.from({ length: 3 }, () => wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } }));
    const subscribers = clients.flatMap((client) => [collect<{ auditEvents: { type: string } }>(client, SMALL), collect<{ auditEvents: { type: string } }>(client, SMALL)]);
    const streams = [eventStreamReader(session), eventStreamReader(session)];
    await expect.poll(() => t.app.live.auditSubscribers(accountId), { timeout: 10_000 }).toBe(subscribers.length + streams.length);
    // eight subscribers: one subscription to the account's audit events, one to its access ends,
    // and one to signed-out sessions, which the audit feed opens for every account's at once
    expect(t.app.live.eventSubscriptions() - before).toBe(3);

    await t.gql('mutation($id: ID!) { updateToken(id: $id, name: "everyone") { id } }', { id: token.id }, bearer(session));
    for (const subscriber of subscribers) expect((await subscriber.waitFor(1))[0]!.auditEvents.type).toBe('TOKEN_RENAMED');
    for (const stream of streams) await expect.poll(() => stream.names).toEqual(['everyone']);

    subscribers.forEach((subscriber) => subscriber.dispose());
    streams.forEach((stream) => stream.close());
    await Promise.all(clients.map((client) => client.dispose()));
    // the last one to leave closed the account's channel
    await expect.poll(() => t.app.live.eventSubscriptions(), { timeout: 10_000 }).toBe(before);
  });
});

describe('an audit subscriber whose client stops reading', () => {
  it('gets every event in order, then SUBSCRIBER_TOO_SLOW: the same rule over WebSocket and SSE, while the others get every event', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'renamed');
    const healthyClient = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const healthy = collect<{ auditEvents: { type: string; details: string } }>(healthyClient, SMALL);
    const readers = { websocket: webSocketReader(session), sse: eventStreamReader(session) };
    const all = Object.values(readers);

    let made = 0;
    const madeNames: string[] = [];
    /** One rename, seen by the healthy subscriber before the next is made. */
    const rename = async () => {
      const name = `n${made++}`;
      const response = await t.gql('mutation($id: ID!, $name: String!) { updateToken(id: $id, name: $name) { id } }', { id: token.id, name }, bearer(session));
      expect(response.errors).toBeUndefined();
      madeNames.push(name);
      await healthy.waitUntil((values) => values.some((value) => renamedTo(value.auditEvents.details) === name));
      return name;
    };
    // every subscription has joined; renames until the stopped ones read one (the channel's Redis
    // SUBSCRIBE, on PostgreSQL's project, is asynchronous)
    await expect.poll(() => t.app.live.auditSubscribers(accountId), { timeout: 10_000 }).toBe(3);
    while (!all.every((reader) => reader.names.length > 0)) await rename();
    // then one more, read by both: nothing of the warm-up is still on its way to them
    const last = await rename();
    await expect.poll(() => all.every((reader) => reader.names.includes(last)), { timeout: 15_000 }).toBe(true);
    const before = new Map(all.map((reader) => [reader, reader.names.length]));
    const firstAfterPause = made;
    all.forEach((reader) => reader.pause());

    // Events until the server has let both stopped subscriptions go while their clients read
    // nothing; held back they cost it at most MAX_UNREAD events each.
    while (t.app.live.auditSubscribers(accountId) > 1) await rename();
    const afterPause = madeNames.slice(firstAfterPause);
    all.forEach((reader) => reader.resume());

    for (const [transport, reader] of Object.entries(readers)) {
      await expect.poll(() => reader.endedWith(), { timeout: 15_000, message: transport }).toBe('SUBSCRIBER_TOO_SLOW');
      const read = reader.names.slice(before.get(reader));
      // every event it was sent, in order, none skipped; and not all of them: it was ended, not left to fall behind
      expect(read, transport).toEqual(afterPause.slice(0, read.length));
      expect(read.length, transport).toBeLessThan(afterPause.length);
    }
    // the healthy subscriber got every event, and still does
    const next = await rename();
    expect(healthy.values.map((value) => renamedTo(value.auditEvents.details))).toEqual(madeNames);
    expect(next).toBe(madeNames.at(-1));
    expect(healthy.errors).toEqual([]);

    all.forEach((reader) => reader.close());
    healthy.dispose();
    await healthyClient.dispose();
  }, 120_000);
});
