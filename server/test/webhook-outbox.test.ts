// The outbox stays small and cheap: a poll reads only waiting messages (a partial index), delivered
// and given-up messages are deleted after the retention, an account's waiting messages are capped
// (the oldest routine ones given up, with the reason, never a security event), a request's
// attempts are one statement whatever the number of messages, and an attempt's error is a class
// that tells nothing about the host connected to.
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboxFullReason, RETRY_WINDOW_MS } from '../src/domain/webhooks.js';
import { DatabaseWebhookStore } from '../src/persistence/webhook-store.js';
import { WebhookDelivery } from '../src/webhooks/delivery.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

let t: TestApp;
let receiver: WebhookReceiver;
const base = Date.now();
let offset = 0;
const now = () => new Date(base + offset);
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await createTestApp({ webhookAllowPrivateUrls: true, webhookPollMs: 0 }, { clock: now });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});
beforeEach(async () => {
  offset += 2 * RETRY_WINDOW_MS;
  await t.app.database.prisma.webhookMessage.updateMany({ where: { deliveredAt: null, failedAt: null }, data: { failedAt: now() } });
  receiver.received.length = 0;
  receiver.respondWith(200);
});

async function accountWithEndpoint(url = receiver.url) {
  const { session, accountId } = await t.signUp({ plan: 'pro' });
  const created = await t.gql(
    'mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["token.created", "token.leaked"]) { endpoint { id } } }',
    { url },
    bearer(session),
  );
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return { session, accountId, endpointId: created.data.createWebhookEndpoint.endpoint.id as string };
}

let filled = 0;
/** Messages written straight into the outbox; `state` decides whether they wait, were delivered or were given up, and when. */
async function fillOutbox(accountId: string, endpointId: string, count: number, options: { eventType?: string; at?: Date; state?: 'waiting' | 'delivered' | 'failed' } = {}) {
  const { eventType = 'token.created', at = new Date(now().getTime() - 60_000), state = 'waiting' } = options;
  const ids = Array.from({ length: count }, () => `msg_outbox_${++filled}`);
  await t.app.database.prisma.webhookMessage.createMany({
    data: ids.map((id, i) => ({
      id,
      endpointId,
      accountId,
      eventType,
      payload: '{}',
      createdAt: new Date(at.getTime() + i),
      nextAttemptAt: new Date(at.getTime() + i),
      attemptCount: state === 'waiting' ? 0 : 1,
      deliveredAt: state === 'delivered' ? at : null,
      failedAt: state === 'failed' ? at : null,
    })),
  });
  if (state !== 'waiting') {
    await t.app.database.prisma.webhookAttempt.createMany({
      data: ids.map((messageId) => ({ id: `att_${messageId}`, messageId, attemptNumber: 1, attemptedAt: at, responseStatus: state === 'delivered' ? 200 : 500, error: state === 'delivered' ? null : 'HTTP 5xx', durationMs: 3 })),
    });
  }
  return ids;
}

describe('the poll', () => {
  it('reads waiting messages through a partial index, which holds no delivered or given-up message', async () => {
    const { accountId, endpointId } = await accountWithEndpoint();
    await fillOutbox(accountId, endpointId, 300, { state: 'delivered' });
    const before = t.sql.length;
    expect(await t.app.services.webhookDelivery.deliverDue()).toBe(0);
    const [poll] = t.sql.slice(before);
    expect(poll).toMatch(/^\s*SELECT/i);
    if (t.app.database.provider === 'sqlite') {
      const plan = await t.app.database.prisma.$queryRawUnsafe<Array<{ detail: string }>>(`EXPLAIN QUERY PLAN ${poll!.replace('$1', '0')}`);
      expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING (COVERING )?INDEX WebhookMessage_waiting_nextAttemptAt_idx/);
    }
    const indexes = t.app.database.provider === 'sqlite'
      ? await t.app.database.prisma.$queryRawUnsafe<Array<{ sql: string }>>(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'WebhookMessage_waiting_nextAttemptAt_idx'`)
      : await t.app.database.prisma.$queryRawUnsafe<Array<{ sql: string }>>(`SELECT indexdef AS sql FROM pg_indexes WHERE indexname = 'WebhookMessage_waiting_nextAttemptAt_idx'`);
    expect(indexes).toHaveLength(1);
    expect(indexes[0]!.sql).toMatch(/WHERE \(*"deliveredAt" IS NULL\)? AND \(?"failedAt" IS NULL\)*/);
  });
});

describe('the retention', () => {
  it('deletes delivered and given-up messages older than the retention, with their attempts, and keeps the rest', async () => {
    const { accountId, endpointId } = await accountWithEndpoint();
    const old = new Date(now().getTime() - 31 * DAY);
    const recent = new Date(now().getTime() - 29 * DAY);
    const oldDelivered = await fillOutbox(accountId, endpointId, 3, { state: 'delivered', at: old });
    const oldFailed = await fillOutbox(accountId, endpointId, 2, { state: 'failed', at: old });
    const kept = [
      ...(await fillOutbox(accountId, endpointId, 2, { state: 'delivered', at: recent })),
      ...(await fillOutbox(accountId, endpointId, 2, { state: 'failed', at: recent })),
      // waiting, however old: the retry schedule decides about it, not the retention
      ...(await fillOutbox(accountId, endpointId, 1, { at: old })),
    ];
    expect(await t.app.services.webhooks.prune(30)).toBeGreaterThanOrEqual(5);
    const left = await t.app.database.prisma.webhookMessage.findMany({ where: { accountId }, select: { id: true } });
    expect(left.map((message) => message.id).sort()).toEqual([...kept].sort());
    const prunedAttempts = await t.app.database.prisma.webhookAttempt.count({ where: { messageId: { in: [...oldDelivered, ...oldFailed] } } });
    expect(prunedAttempts).toBe(0);
    expect(await t.app.database.prisma.webhookAttempt.count({ where: { messageId: { in: kept } } })).toBe(4);
  });
});

describe('the cap of waiting messages per account', () => {
  it('gives up the oldest routine messages past the cap, with the reason, never a security event nor another account\'s', async () => {
    const cap = 5;
    const flooder = await accountWithEndpoint();
    const leak = await fillOutbox(flooder.accountId, flooder.endpointId, 1, { eventType: 'token.leaked', at: new Date(now().getTime() - 10 * 60_000) });
    const routine = await fillOutbox(flooder.accountId, flooder.endpointId, 8, { at: new Date(now().getTime() - 5 * 60_000) });
    const other = await accountWithEndpoint();
    const others = await fillOutbox(other.accountId, other.endpointId, cap);
    expect(await t.app.services.webhooks.giveUpOverCap(cap)).toBe(3);
    const messages = await t.app.database.prisma.webhookMessage.findMany({ where: { accountId: { in: [flooder.accountId, other.accountId] } } });
    const given = messages.filter((message) => message.failedAt).map((message) => message.id).sort();
    expect(given).toEqual(routine.slice(0, 3).sort());
    for (const message of messages.filter((each) => each.failedAt)) expect(message.failureReason).toBe(outboxFullReason(cap));
    const waiting = messages.filter((message) => !message.failedAt).map((message) => message.id).sort();
    expect(waiting).toEqual([...leak, ...routine.slice(3), ...others].sort());
    // the account sees why, and a manual retry sends one again
    const shown = await t.gql('{ webhookEndpoints { messages(first: 20) { id failedAt failureReason } } }', {}, bearer(flooder.session));
    const shownGiven = shown.data.webhookEndpoints[0].messages.filter((message: { failedAt: string | null }) => message.failedAt);
    expect(shownGiven.map((message: { failureReason: string }) => message.failureReason)).toEqual(Array(3).fill(outboxFullReason(cap)));
    // a second sweep finds nothing more to give up
    expect(await t.app.services.webhooks.giveUpOverCap(cap)).toBe(0);
  });
});

describe('reading attempts', () => {
  it('costs one statement per alias at most for the attempts (one in all when the aliases resolve together), whatever the number of messages', async () => {
    const { session, accountId, endpointId } = await accountWithEndpoint();
    const query = `{ ${['a', 'b', 'c'].map((alias) => `${alias}: webhookEndpoints { id messages(first: 40) { id attempts { attemptNumber responseStatus error } } }`).join(' ')} }`;
    const cost = async () => {
      const before = t.sql.length;
      const result = await t.gql(query, {}, bearer(session));
      expect(result.errors).toBeUndefined();
      const statements = t.sql.slice(before);
      return { result, total: statements.length, attempts: statements.filter((statement) => /WebhookAttempt/.test(statement)).length };
    };
    await fillOutbox(accountId, endpointId, 20, { state: 'failed' });
    const small = await cost();
    await fillOutbox(accountId, endpointId, 20, { state: 'delivered' });
    const large = await cost();
    expect(large.result.data.a[0].messages).toHaveLength(40);
    for (const message of large.result.data.c[0].messages) expect(message.attempts).toHaveLength(1);
    // the attempts asked for in one turn of the event loop are one statement: on SQLite every
    // alias's messages are there in the same turn; PostgreSQL's answers to the aliases may come
    // in separate turns, so at most one statement per alias; never one per message (120 here)
    expect(large.attempts).toBeGreaterThanOrEqual(1);
    expect(large.attempts).toBeLessThanOrEqual(3);
    expect(small.attempts).toBeLessThanOrEqual(3);
    // the rest is per alias too (session, endpoints, each endpoint's messages), not per message
    expect(large.total).toBeLessThanOrEqual(3 * 4);
    console.log(`3 aliases × 40 messages: ${large.total} statements in all, ${large.attempts} for the attempts`);
  });
});

describe("an attempt's error", () => {
  it('is a class (connection refused, TLS error, timeout, HTTP 5xx) with no address, port or TLS detail', async () => {
    // a port nothing listens on
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // a receiver that accepts and never answers
    const held: Socket[] = [];
    const silent = createNetServer((socket) => void held.push(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const receiverPort = new URL(receiver.url).port;
    try {
      const cases = [
        { url: `http://127.0.0.1:${closedPort}/hook`, error: 'connection refused' },
        // https to a plain-HTTP server: the handshake fails
        { url: `https://127.0.0.1:${receiverPort}/hooks`, error: 'TLS error' },
        { url: `http://127.0.0.1:${silentPort}/hook`, error: 'timeout' },
        { url: `${receiver.url}?fail`, error: 'HTTP 5xx', status: 503 },
      ];
      receiver.respondWith(503);
      const delivery = new WebhookDelivery(new DatabaseWebhookStore(t.app.database.prisma, t.app.database.sql, t.app.database.provider), { now, allowPrivateUrls: true, timeoutMs: 300 });
      for (const { url, error, status } of cases) {
        const { session, endpointId } = await accountWithEndpoint(url);
        await t.generateToken(session, 'probe');
        expect(await delivery.deliverDue()).toBe(1);
        const [message] = await t.app.database.prisma.webhookMessage.findMany({ where: { endpointId } });
        const attempts = await t.app.database.prisma.webhookAttempt.findMany({ where: { messageId: message!.id } });
        expect(attempts.map((each) => each.error), url).toEqual([error]);
        expect(attempts[0]!.responseStatus).toBe(status ?? null);
        expect(attempts[0]!.error).not.toMatch(/127\.0\.0\.1|\d{3,5}|SSL|ssl|routines|ECONN|EPROTO|connect /);
      }
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
