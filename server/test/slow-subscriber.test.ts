// A live-count subscriber whose client stops reading, over a real socket to a real server: while
// its socket is backed up the server keeps only the latest count of each token for it and sends
// them once it drains; if it never drains it is closed with 1013 (try again later); and every
// other subscriber of the account gets every count meanwhile.
//
// The client stops reading with ws's pause(), so what the server writes fills the kernel's socket
// buffers, then the server socket's own (its bufferedAmount, which wsMaxBufferedBytes limits).
// How much the kernel takes is not known, and it keeps taking more for a while after the client
// stops (the receive window opens as data arrives), but it is bounded: by the TCP buffer maxima in
// /proc/sys/net/ipv4 (Node never sets SO_SNDBUF or SO_RCVBUF). The server only writes to a socket
// with at most wsMaxBufferedBytes unsent, and a write adds at most a few frames, so while it holds
// counts back it can have written at most that bound plus wsMaxBufferedBytes plus a few frames
// since the client stopped. Each test argues from that bound, never from how long anything takes:
// no step waits a fixed time. Large frames (many aliases, on many subscriptions of one socket)
// keep the bound to a few dozen documents.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv, type Limits } from '../src/config.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient, type Collected } from './support/ws-client.js';

/** Subscriptions the stopped client opens on its one socket: each is written every count. */
const SUBSCRIPTIONS = 20;
/** Aliases of tokenId in each of its subscriptions: about 35 bytes each in every frame. */
const ALIASES = 1000;
/** Past this much unsent on its socket, a subscriber is held (wsMaxBufferedBytes). */
const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;
/** What the stopped client may have read from the kernel but not yet handled when it stopped. */
const CLIENT_SLACK_BYTES = 1024 * 1024;
/** A WebSocket frame's header, at most. */
const FRAME_HEADER_BYTES = 14;
/** The control frames the server writes whatever it holds: a keep-alive ping, the close. */
const CONTROL_FRAME_BYTES = 1024;

const LARGE_SELECTION = `subscription { documentCount { tokenId documentCount ${Array.from({ length: ALIASES }, (_, i) => `p${i}: tokenId`).join(' ')} } }`;
const SMALL_SELECTION = 'subscription { documentCount { tokenId documentCount } }';

type Count = { tokenId: string; documentCount: number };

/** The most a loopback TCP connection can hold in the kernel: the receiver's buffer and the sender's, each at its autotuning maximum. */
function kernelBufferBound(): number {
  try {
    const maximum = (name: string) => Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
    const bound = maximum('tcp_rmem') + maximum('tcp_wmem');
    if (Number.isFinite(bound) && bound > 0) return bound;
  } catch {
    // not Linux: assume generously
  }
  return 64 * 1024 * 1024;
}

function limits(wsSlowSubscriberTimeoutMs: number): Limits {
  return {
    ...limitsFromEnv({}),
    // documents are made until the server gives up on the stopped client, as many as the
    // machine's speed makes in that time: the per-token rate limit is not what is tested here
    documentsPerTokenPerMinute: 1_000_000,
    wsMaxBufferedBytes: MAX_BUFFERED_BYTES,
    wsSlowSubscriberTimeoutMs,
    // a stopped client answers no ping either: on a busy machine the keep-alive (12 s) dropped it
    // (1006) before the rule under test closed it (1013)
    wsKeepAliveMs: 10 * 60_000,
    wsMaxSubscriptionsPerConnection: SUBSCRIPTIONS,
    // room for the large selection
    maxAliases: ALIASES + 10,
    maxTokens: 10 * ALIASES,
    maxCost: 10 * ALIASES,
  };
}

/** Resolves once `check` holds; fails the test only if it never does. */
const until = (check: () => boolean) => expect.poll(check, { timeout: 25_000, interval: 10 }).toBe(true);

/** The server's end of each connection, by the client's port: what the server has written to it, and what is still unsent. */
const serverSockets = new Map<number, Socket>();
const onServerSocket = (message: unknown) => {
  const { socket } = message as { socket: Socket };
  serverSockets.set(socket.remotePort!, socket);
};
beforeAll(() => subscribe('net.server.socket', onServerSocket));
afterAll(() => {
  unsubscribe('net.server.socket', onServerSocket);
});

/**
 * A client that speaks graphql-transport-ws by hand over `ws`, opens SUBSCRIPTIONS identical
 * documentCount subscriptions with the large selection, and records every count it reads.
 */
function openStoppingClient(url: string, session: string, queries: string[] = Array.from({ length: SUBSCRIPTIONS }, () => LARGE_SELECTION)) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
  const ids = queries.map((_, i) => `large-${i}`);
  /** Per subscription id, the counts read, in order. */
  const received = new Map<string, Count[]>(ids.map((id) => [id, []]));
  const read = { bytes: 0, smallestFrame: Infinity, largestFrame: 0, unexpected: [] as unknown[] };
  let localPort = 0;
  socket.on('upgrade', (response: IncomingMessage) => (localPort = response.socket.localPort!));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${session}` } })));
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: any };
    if (message.type === 'connection_ack') {
      ids.forEach((id, i) => socket.send(JSON.stringify({ type: 'subscribe', id, payload: { query: queries[i] } })));
    } else if (message.type === 'next') {
      const { tokenId, documentCount } = message.payload.data.documentCount as Count;
      received.get(message.id!)!.push({ tokenId, documentCount });
      read.bytes += data.length;
      read.smallestFrame = Math.min(read.smallestFrame, data.length);
      read.largestFrame = Math.max(read.largestFrame, data.length);
    } else if (message.type === 'ping') {
      socket.send('{"type":"pong"}');
    } else {
      read.unexpected.push(message);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return {
    socket,
    received,
    read,
    closed,
    /** The server's end of this connection. */
    serverSide: () => serverSockets.get(localPort)!,
    /** Whether every subscription has read the given count of every token. */
    hasRead: (counts: Map<string, number>) =>
      [...received.values()].every((ofSubscription) =>
        [...counts].every(([tokenId, count]) => ofSubscription.some((c) => c.tokenId === tokenId && c.documentCount === count)),
      ),
  };
}

/**
 * One account with two tokens, a healthy subscriber that follows both, and a client that has
 * read the current counts on all its subscriptions and then stops reading.
 */
async function accountWithStoppedClient(t: TestApp, url: string) {
  const { session } = await t.signUp({ plan: 'business' }); // no quota: this suite makes hundreds of documents
  const tokens = [await t.generateToken(session, 'first'), await t.generateToken(session, 'second')];
  const counts = new Map(tokens.map((token) => [token.id, 0]));
  const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
  const healthy = collect<{ documentCount: Count }>(client, SMALL_SELECTION);
  await healthy.waitFor(tokens.length);
  const stopped = openStoppingClient(url, session);
  await until(() => stopped.hasRead(counts));
  // The premise: the current counts never backed the socket up, however slowly they were read.
  expect(stopped.read.bytes).toBeLessThan(MAX_BUFFERED_BYTES);
  stopped.socket.pause();
  const writtenWhenStopped = stopped.serverSide().bytesWritten;

  let made = 0;
  /**
   * One document, of each token in turn, seen by the healthy subscriber before the next is made:
   * so the feed never falls behind, and any count merged is merged at the stopped socket.
   */
  const makeDocument = async () => {
    const token = tokens[made % tokens.length]!;
    const response = await t.renderDocument(token.secret);
    expect(response.errors).toBeUndefined();
    counts.set(token.id, counts.get(token.id)! + 1);
    made++;
    await healthy.waitFor(tokens.length + made);
  };
  /**
   * The most the server can have written to the stopped client since it stopped, while it holds
   * counts back: what the kernel and the client took, plus the unsent bytes it allows, plus the
   * frames of one write past them (a drained subscription sends one waiting count per token),
   * plus control frames.
   */
  const mostWrittenWhileHolding =
    kernelBufferBound() + CLIENT_SLACK_BYTES + MAX_BUFFERED_BYTES + tokens.length * (stopped.read.largestFrame + FRAME_HEADER_BYTES) + CONTROL_FRAME_BYTES;
  return {
    tokens,
    counts,
    client,
    healthy,
    stopped,
    makeDocument,
    made: () => made,
    mostWrittenWhileHolding,
    writtenSinceStopped: () => stopped.serverSide().bytesWritten - writtenWhenStopped,
  };
}

/** Each token's counts, in the order they were read. */
function byToken(counts: Count[]): Map<string, number[]> {
  const tokens = new Map<string, number[]>();
  for (const { tokenId, documentCount } of counts) {
    if (!tokens.has(tokenId)) tokens.set(tokenId, []);
    tokens.get(tokenId)!.push(documentCount);
  }
  return tokens;
}

function expectEveryCount(healthy: Collected<{ documentCount: Count }>, counts: Map<string, number>) {
  expect(healthy.errors).toEqual([]);
  const read = byToken(healthy.values.map((value) => value.documentCount));
  for (const [tokenId, last] of counts) expect(read.get(tokenId)).toEqual(Array.from({ length: last + 1 }, (_, i) => i));
}

describe('a live-count subscriber that stops reading', () => {
  describe('and reads again before the slow-subscriber timeout', () => {
    let t: TestApp;
    let url: string;
    beforeAll(async () => {
      // longer than any test run: this subscriber is never given up on
      t = await createTestApp({ limits: limits(10 * 60_000) });
      url = await t.app.start(0, '127.0.0.1');
    });
    afterAll(() => t.close());

    it('is held to the latest count of each token while its socket is backed up, and gets them when it drains', async () => {
      const { stopped, counts, healthy, client, makeDocument, made, mostWrittenWhileHolding } = await accountWithStoppedClient(t, url);
      // Written out, the counts would be more than the server can write while holding, by more
      // than the drain sends when the client reads again (one count per token and subscription):
      // it has to hold, and merge, whatever the kernel took.
      const leastBytesPerDocument = SUBSCRIPTIONS * stopped.read.smallestFrame;
      while (made() * leastBytesPerDocument <= mostWrittenWhileHolding + 2 * counts.size * leastBytesPerDocument) await makeDocument();

      stopped.socket.resume();
      await until(() => stopped.hasRead(counts));

      let updates = 0;
      for (const read of stopped.received.values()) {
        // the final count of each token, and never one lower than one already read
        for (const [tokenId, last] of counts) {
          const ofToken = byToken(read).get(tokenId)!;
          expect(ofToken.at(-1)).toBe(last);
          expect(ofToken.every((count, i) => i === 0 || count > ofToken[i - 1]!)).toBe(true);
        }
        updates += read.length - counts.size; // past the current counts
      }
      // merged: every subscription would otherwise have been sent every document's count
      expect(updates).toBeLessThan(SUBSCRIPTIONS * made());
      expect(stopped.read.unexpected).toEqual([]);
      expect(stopped.socket.readyState).toBe(WebSocket.OPEN);
      expectEveryCount(healthy, counts);

      stopped.socket.close();
      healthy.dispose();
      await client.dispose();
    }, 120_000);
  });

  describe('and never drains', () => {
    let t: TestApp;
    let url: string;
    beforeAll(async () => {
      t = await createTestApp({ limits: limits(100) });
      url = await t.app.start(0, '127.0.0.1');
    });
    afterAll(() => t.close());

    it('is closed with 1013 (try again later) after the slow-subscriber timeout, while the others get every count', async () => {
      const { stopped, counts, healthy, client, makeDocument, mostWrittenWhileHolding, writtenSinceStopped } = await accountWithStoppedClient(t, url);
      const subscriptions = () => t.app.webSockets.sharedSubscriptions().subscriptions;
      const withStopped = subscriptions();

      // Counts keep coming until the server gives up on the client, and its subscriptions leave
      // the delivery while it still reads nothing. Written, they fill the kernel's buffers and
      // then the socket's; held back, they cost nothing: only a server that does not hold them
      // writes more than the bound.
      while (subscriptions() !== withStopped - SUBSCRIPTIONS) {
        expect(writtenSinceStopped()).toBeLessThanOrEqual(mostWrittenWhileHolding);
        await makeDocument();
      }
      // What was written before is followed by the close, once it reads again.
      stopped.socket.resume();
      expect(await stopped.closed).toMatchObject({ code: 1013 });

      // the healthy subscriber got every count, and still does
      await makeDocument();
      expectEveryCount(healthy, counts);

      healthy.dispose();
      await client.dispose();
    }, 120_000);

    it('its subscriptions that were not held when it was closed leave at their next count, not when the closing handshake times out', async () => {
      const { session } = await t.signUp({ plan: 'business' });
      const [first, second] = [await t.generateToken(session, 'first'), await t.generateToken(session, 'second')];
      const ofToken = (tokenId: string) => LARGE_SELECTION.replace('documentCount {', `documentCount(tokenId: "${tokenId}") {`);
      // half of the subscriptions follow the first token, half the second: only the first's are
      // written to and held, so the second's are certainly not held when the socket is closed
      const half = SUBSCRIPTIONS / 2;
      const stopped = openStoppingClient(url, session, [...Array.from({ length: half }, () => ofToken(first.id)), ...Array.from({ length: half }, () => ofToken(second.id))]);
      await until(() => [...stopped.received.values()].every((counts) => counts.length === 1));
      const subscriptions = () => t.app.webSockets.sharedSubscriptions().subscriptions;
      const withStopped = subscriptions();
      stopped.socket.pause();

      // the first token's subscriptions back the socket up until it is closed; they leave at once
      while (subscriptions() > withStopped - half) expect((await t.renderDocument(first.secret)).errors).toBeUndefined();
      expect(subscriptions()).toBe(withStopped - half);
      // the second token's next count finds the socket closing: its subscriptions leave with it
      expect((await t.renderDocument(second.secret)).errors).toBeUndefined();
      await until(() => subscriptions() === withStopped - SUBSCRIPTIONS);

      stopped.socket.resume();
      expect(await stopped.closed).toMatchObject({ code: 1013 });
    }, 120_000);
  });
});
