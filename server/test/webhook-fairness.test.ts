// One account cannot starve the others through the webhook outbox: delivery takes turns across
// accounts and endpoints, security events go first, an endpoint that does not answer is paused
// and holds no slot, and token mutations (each a message per endpoint) are limited per account.
// Real receivers on loopback: one that answers, one that accepts and never answers. Delivery is
// driven by calling it, and nothing here waits for a timer to decide an outcome.
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { RETRY_WINDOW_MS } from '../src/domain/webhooks.js';
import { DatabaseWebhookStore } from '../src/persistence/webhook-store.js';
import { WebhookDelivery } from '../src/webhooks/delivery.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

let t: TestApp;
let receiver: WebhookReceiver;
let hanging: HangingReceiver;
const base = Date.now();
let offset = 0;
const now = () => new Date(base + offset);
const TOKEN_MUTATIONS_PER_MINUTE = 8;

/** A receiver that accepts every connection and never answers; it counts the connections it holds. */
interface HangingReceiver {
  url: string;
  open: Set<Socket>;
  /** Connections accepted so far. */
  accepted: number;
  /** Ends every open connection: the attempts on them fail at once. */
  releaseAll(): void;
  close(): Promise<void>;
}

async function startHangingReceiver(): Promise<HangingReceiver> {
  const open = new Set<Socket>();
  const state = { accepted: 0 };
  const server: Server = createNetServer((socket) => {
    state.accepted++;
    open.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
    socket.resume(); // reads the request, answers nothing
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    open,
    get accepted() {
      return state.accepted;
    },
    releaseAll: () => {
      for (const socket of open) socket.destroy();
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  hanging = await startHangingReceiver();
  t = await createTestApp(
    { webhookAllowPrivateUrls: true, webhookPollMs: 0, limits: { ...limitsFromEnv({}), tokenMutationsPerAccountPerMinute: TOKEN_MUTATIONS_PER_MINUTE } },
    { clock: now },
  );
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await hanging?.close();
});
beforeEach(async () => {
  // whatever an earlier test left waiting is given up, so that each test sees only its own messages
  offset += 2 * RETRY_WINDOW_MS;
  await t.app.database.prisma.webhookMessage.updateMany({ where: { deliveredAt: null, failedAt: null }, data: { failedAt: now() } });
  receiver.received.length = 0;
  receiver.respondWith(200);
});

/** A delivery of its own, with a timeout of the test's choosing (the app's runs with 5 s). */
const deliveryWith = (timeoutMs: number) =>
  new WebhookDelivery(new DatabaseWebhookStore(t.app.database.prisma, t.app.database.sql, t.app.database.provider), { now, allowPrivateUrls: true, timeoutMs });

async function createEndpoint(session: string, url: string, events = ['token.created', 'token.deleted', 'token.leaked', 'revoked_token.used']): Promise<string> {
  const created = await t.gql(
    'mutation($url: String!, $events: [String!]!) { createWebhookEndpoint(url: $url, events: $events) { endpoint { id } } }',
    { url, events },
    bearer(session),
  );
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createWebhookEndpoint.endpoint.id as string;
}

/** Writes `count` due messages straight into the outbox, older than anything the test makes next. */
async function fillOutbox(accountId: string, endpointIds: string[], count: number, eventType = 'token.created', ageMs = 60_000): Promise<void> {
  const at = new Date(now().getTime() - ageMs);
  const data = Array.from({ length: count }, (_, i) => ({
    id: `msg_fill_${accountId}_${eventType}_${ageMs}_${i}`,
    endpointId: endpointIds[i % endpointIds.length]!,
    accountId,
    eventType,
    payload: JSON.stringify({ type: eventType, n: i }),
    createdAt: new Date(at.getTime() + i),
    nextAttemptAt: new Date(at.getTime() + i),
    attemptCount: 0,
  }));
  for (let i = 0; i < data.length; i += 500) await t.app.database.prisma.webhookMessage.createMany({ data: data.slice(i, i + 500) });
}

const waitingOf = (accountId: string) => t.app.database.prisma.webhookMessage.count({ where: { accountId, deliveredAt: null, failedAt: null } });

/** Drops every connection the hanging receiver holds, and any that comes later, until the run ends. */
async function releaseUntilDone(run: Promise<number>): Promise<void> {
  let done = false;
  const settled = run.finally(() => (done = true));
  while (!done) {
    hanging.releaseAll();
    await Promise.race([settled.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 20))]);
  }
  await settled;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a flooding account does not starve the others', () => {
  it("another account's message is delivered while one account's backlog of 1,000 messages waits on 10 receivers that never answer", async () => {
    const flooder = await t.signUp({ plan: 'pro' });
    const endpoints: string[] = [];
    for (let i = 0; i < 10; i++) endpoints.push(await createEndpoint(flooder.session, `${hanging.url}?n=${i}`, ['token.created']));
    await fillOutbox(flooder.accountId, endpoints, 1000);
    const acceptedBefore = hanging.accepted;
    const quiet = await t.signUp({ plan: 'pro' });
    await createEndpoint(quiet.session, receiver.url, ['token.created']);
    await t.generateToken(quiet.session, 'quiet');
    // no attempt ends by itself in this test: the hanging ones last until the test ends them
    const delivery = deliveryWith(10 * 60_000);
    const run = delivery.deliverDue();
    try {
      await until(() => receiver.received.length > 0, "the quiet account's message");
      expect(JSON.parse(receiver.received[0]!.body).type).toBe('token.created');
      // at most 2 connections per hanging endpoint, and the backlog is still there
      expect(hanging.open.size).toBeLessThanOrEqual(10 * 2);
      // the receiver has the request before the delivery has recorded its answer: wait for that
      await expect.poll(() => waitingOf(quiet.accountId), { timeout: 20_000, interval: 20 }).toBe(0);
      expect(await waitingOf(flooder.accountId)).toBeGreaterThanOrEqual(1000 - 10 * 2);
    } finally {
      // the receivers drop their connections: each endpoint is paused, and the run ends
      await releaseUntilDone(run);
    }
    // each hanging endpoint got at most its 2 attempts at once, then a pause: no further slot
    expect(hanging.accepted - acceptedBefore).toBeLessThanOrEqual(10 * 2);
    const attempts = await t.app.database.prisma.webhookAttempt.findMany({ where: { messageId: { startsWith: `msg_fill_${flooder.accountId}` } } });
    expect(attempts.length).toBe(hanging.accepted - acceptedBefore);
    for (const attempt of attempts) expect(attempt.error).toBe('connection reset');
    const due = await t.app.database.prisma.webhookMessage.count({ where: { accountId: flooder.accountId, deliveredAt: null, failedAt: null, nextAttemptAt: { lte: now() } } });
    expect(due).toBe(0);
  });

  it('a message that becomes due while a run waits on receivers that never answer goes out at the next poll, not after them', async () => {
    const flooder = await t.signUp({ plan: 'pro' });
    const endpoints: string[] = [];
    for (let i = 0; i < 3; i++) endpoints.push(await createEndpoint(flooder.session, `${hanging.url}?late=${i}`, ['token.created']));
    await fillOutbox(flooder.accountId, endpoints, 30);
    const acceptedBefore = hanging.accepted;
    const delivery = deliveryWith(10 * 60_000);
    const run = delivery.deliverDue();
    try {
      await until(() => hanging.accepted - acceptedBefore === 3 * 2, 'the first attempts to the hanging endpoints');
      // the run now waits on attempts that never end; another account's change comes in
      const late = await t.signUp({ plan: 'pro' });
      await createEndpoint(late.session, receiver.url, ['token.created']);
      await t.generateToken(late.session, 'late');
      // the next poll joins the run, and the run claims again
      void delivery.deliverDue();
      await until(() => receiver.received.length > 0, 'the message that became due during the run');
      expect(hanging.accepted - acceptedBefore).toBe(3 * 2);
    } finally {
      await releaseUntilDone(run);
    }
  });

  it('security events go out first, ahead of an older backlog of routine events', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const endpointId = await createEndpoint(session, receiver.url);
    await fillOutbox(accountId, [endpointId], 50, 'token.created', 120_000);
    await fillOutbox(accountId, [endpointId], 1, 'token.leaked', 60_000);
    // no attempt ends by itself (a timeout would pause the endpoint and end the run early), and
    // an attempt that failed is named before the count that it cut short
    const made = await deliveryWith(10 * 60_000).deliverDue();
    const failed = await t.app.database.prisma.webhookAttempt.findMany({ where: { messageId: { startsWith: `msg_fill_${accountId}` }, error: { not: null } }, select: { error: true, durationMs: true } });
    expect(failed).toEqual([]);
    expect(made).toBe(51);
    const types = receiver.received.map((request) => JSON.parse(request.body).type as string);
    expect(types).toHaveLength(51);
    // the first two requests went out together (2 per endpoint at once): the leak is one of them
    expect(types.slice(0, 2)).toContain('token.leaked');
  });

  it('a claim that ran while the attempts it counted as busy ended does not end the run with messages left', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const endpointId = await createEndpoint(session, receiver.url);
    await fillOutbox(accountId, [endpointId], 6);
    // each claim made while attempts are in flight is held until those attempts are recorded and
    // their slots are free: the claim still counts them as busy, so it finds nothing, and only
    // then do the attempts end. This is the order in which a slow database query meets a fast receiver.
    const store = new DatabaseWebhookStore(t.app.database.prisma, t.app.database.sql, t.app.database.provider);
    let recorded = 0;
    const recordAttempt = store.recordAttempt.bind(store);
    store.recordAttempt = async (outcome) => {
      await recordAttempt(outcome);
      recorded++;
    };
    const claimDue = store.claimDue.bind(store);
    store.claimDue = async (now, leaseUntil, turn) => {
      const busy = [...turn.inFlight.values()].reduce((sum, count) => sum + count, 0);
      const waitFor = recorded + busy;
      while (busy > 0 && recorded < waitFor) await new Promise((resolve) => setTimeout(resolve, 5));
      // the attempts' own bookkeeping after the record runs in the same turn; one more turn for it
      await new Promise((resolve) => setTimeout(resolve, 5));
      return claimDue(now, leaseUntil, turn);
    };
    const made = await new WebhookDelivery(store, { now, allowPrivateUrls: true, timeoutMs: 10 * 60_000 }).deliverDue();
    expect(made).toBe(6);
    expect(receiver.received).toHaveLength(6);
    expect(await waitingOf(accountId)).toBe(0);
  });

  it('an endpoint that never answers is paused after its timeouts: it holds no slot until the pause ends, and a longer pause follows', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const endpointId = await createEndpoint(session, `${hanging.url}?paused`, ['token.created']);
    await fillOutbox(accountId, [endpointId], 30);
    const acceptedBefore = hanging.accepted;
    // the receiver never answers, so every attempt ends at this timeout however slow the machine
    const delivery = deliveryWith(200);
    expect(await delivery.deliverDue()).toBe(2);
    expect(hanging.accepted - acceptedBefore).toBe(2);
    const attempts = await t.app.database.prisma.webhookAttempt.findMany({ where: { messageId: { startsWith: `msg_fill_${accountId}` } } });
    expect(attempts.map((attempt) => attempt.error)).toEqual(['timeout', 'timeout']);
    // every waiting message of the endpoint is due only after the pause (30 s)
    const waiting = await t.app.database.prisma.webhookMessage.findMany({ where: { endpointId, deliveredAt: null, failedAt: null } });
    expect(waiting).toHaveLength(30);
    for (const message of waiting) expect(message.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(now().getTime() + 30_000);
    // meanwhile nothing is attempted
    expect(await delivery.deliverDue()).toBe(0);
    // after the pause: a probe of 2 attempts, which time out again, and a pause twice as long
    offset += 31_000;
    expect(await delivery.deliverDue()).toBe(2);
    const next = await t.app.database.prisma.webhookMessage.findMany({ where: { endpointId, deliveredAt: null, failedAt: null, attemptCount: 0 } });
    for (const message of next) expect(message.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(now().getTime() + 60_000);
    offset += 31_000;
    expect(await delivery.deliverDue()).toBe(0);
    expect(hanging.accepted - acceptedBefore).toBe(4);
  });
});

describe('token mutations are rate-limited per account', () => {
  it(`past ${TOKEN_MUTATIONS_PER_MINUTE} a minute, generateToken, updateToken, rollToken and deleteToken are refused with RATE_LIMITED, 429 and Retry-After; other accounts are not`, async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const first = await t.generateToken(session, 'one');
    const second = await t.generateToken(session, 'two');
    // a change refused for its own reason wrote nothing and costs nothing
    for (let i = 0; i < 3; i++) expect(codes(await t.gql('mutation { deleteToken(id: "tok_unknown") { id } }', {}, bearer(session)))).toEqual(['TOKEN_NOT_FOUND']);
    expect(codes(await t.gql(`mutation { updateToken(id: "${first.id}", name: "renamed") { id } }`, {}, bearer(session)))).toBeUndefined();
    expect(codes(await t.gql(`mutation { rollToken(id: "${first.id}", gracePeriod: NONE) { secret } }`, {}, bearer(session)))).toBeUndefined();
    expect(codes(await t.gql(`mutation { deleteToken(id: "${second.id}") { id } }`, {}, bearer(session)))).toBeUndefined();
    for (let i = 0; i < TOKEN_MUTATIONS_PER_MINUTE - 5; i++) await t.generateToken(session, `fill ${i}`);
    const refused = [
      await t.gql('mutation { generateToken(name: "over") { secret } }', {}, bearer(session)),
      await t.gql(`mutation { deleteToken(id: "${first.id}") { id } }`, {}, bearer(session)),
      await t.gql(`mutation { rollToken(id: "${first.id}", gracePeriod: NONE) { secret } }`, {}, bearer(session)),
      await t.gql(`mutation { updateToken(id: "${first.id}", name: "again") { id } }`, {}, bearer(session)),
    ];
    for (const answer of refused) {
      expect(codes(answer)).toEqual(['RATE_LIMITED']);
      expect(answer.status).toBe(429);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answer.errors![0]!.message).toMatch(/token changes/);
    }
    // the token was not deleted by the refused call
    expect(codes(await t.gql(`{ token(id: "${first.id}") { id } }`, {}, bearer(session)))).toBeUndefined();
    const other = await t.signUp({ plan: 'pro' });
    expect(codes(await t.gql('mutation { generateToken(name: "mine") { secret } }', {}, bearer(other.session)))).toBeUndefined();
  });
});
