// Webhooks: Standard Webhooks signatures that the reference verifier accepts, the outbox written
// with the change, exponential backoff on an injected clock, a receiver that was down getting
// every event exactly once after deduplication by webhook-id, secret rotation with overlap, manual
// retry, and the SSRF guard.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nextAttemptAfterFailure, RETRY_WINDOW_MS, WEBHOOK_REQUESTS_PER_ACCOUNT_PER_HOUR } from '../src/domain/webhooks.js';
import { DatabaseWebhookStore } from '../src/persistence/webhook-store.js';
import { WebhookDelivery } from '../src/webhooks/delivery.js';
import { checkWebhookUrl } from '../src/webhooks/ssrf-guard.js';
import { limitsFromEnv } from '../src/config.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

let t: TestApp;
let receiver: WebhookReceiver;
// the clock of the token rules and of delivery scheduling: frozen, and moved only by the tests
const base = Date.now();
let offset = 0;
const now = () => new Date(base + offset);

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // this file signs up more people than one address may in an hour; it tests webhooks, not sign-ups
  t = await createTestApp({ webhookAllowPrivateUrls: true, webhookPollMs: 0, limits: { ...limitsFromEnv({}), signUpsPerIpPerHour: 1000 } }, { clock: now });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});
beforeEach(async () => {
  // nothing left over from the previous test is due
  offset += 2 * RETRY_WINDOW_MS;
  await t.app.services.webhookDelivery.deliverDue();
  receiver.received.length = 0;
  receiver.respondWith(200);
});

const deliver = () => t.app.services.webhookDelivery.deliverDue();

describe('an idle instance', () => {
  it('polls with one read and writes nothing when no message is due', async () => {
    await deliver(); // whatever was due is delivered
    const before = t.sql.length;
    expect(await deliver()).toBe(0);
    const statements = t.sql.slice(before);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^\s*SELECT/i);
  });
});
const webhookStoreOf = (app: TestApp) => new DatabaseWebhookStore(app.app.database.prisma, app.app.database.sql, app.app.database.provider);

async function accountWithEndpoint(events = ['token.created', 'token.deleted', 'token.leaked', 'revoked_token.used']) {
  const { session, accountId } = await t.signUp({ plan: 'pro' });
  const created = await t.gql(
    'mutation($url: String!, $events: [String!]!) { createWebhookEndpoint(url: $url, events: $events) { secret endpoint { id events } } }',
    { url: receiver.url, events },
    bearer(session),
  );
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return { session, accountId, secret: created.data.createWebhookEndpoint.secret as string, endpointId: created.data.createWebhookEndpoint.endpoint.id as string };
}

const verified = (secret: string, request: { headers: Record<string, unknown>; body: string }) =>
  new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; data: Record<string, any> };

describe('signed deliveries', () => {
  it('token.created, token.deleted, revoked_token.used and token.leaked reach the endpoint, and verify with the Standard Webhooks verifier', async () => {
    const { session, secret } = await accountWithEndpoint();
    const token = await t.generateToken(session, 'hooked');
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, bearer(session));
    await t.renderDocument(token.secret);
    await t.app.services.leaks.respond([{ token: token.secret, type: 'pogodoc_api_token', url: 'https://example.com/leak', source: 'content' }], {
      type: 'SCANNER', id: 'key-1', clientAddress: '203.0.113.1', userAgent: 'scanner',
    });
    expect(await deliver()).toBe(4);
    const payloads = receiver.received.map((request) => verified(secret, request));
    expect(payloads.map((payload) => payload.type).sort()).toEqual(['revoked_token.used', 'token.created', 'token.deleted', 'token.leaked']);
    for (const payload of payloads) expect(payload.data.tokenId).toBe(token.id);
    expect(payloads.find((payload) => payload.type === 'token.leaked')!.data.details).toEqual({ url: 'https://example.com/leak', source: 'content', type: 'pogodoc_api_token' });
    // a tampered body or another secret does not verify
    const [first] = receiver.received;
    expect(() => verified(secret, { ...first!, body: first!.body.replace('token', 'tokem') })).toThrow();
    expect(() => verified(`whsec_${randomBytes(24).toString('base64')}`, first!)).toThrow();
    // delivered: nothing more to send
    expect(await deliver()).toBe(0);
  });

  it('only the subscribed events, and only the account\'s own', async () => {
    const { session } = await accountWithEndpoint(['token.deleted']);
    const other = await t.signUp({ plan: 'pro' });
    await t.generateToken(other.session, 'not mine');
    const token = await t.generateToken(session, 'kept');
    await deliver();
    expect(receiver.received).toEqual([]);
    await t.gql(`mutation { deleteToken(id: "${token.id}") { id } }`, {}, bearer(session));
    await deliver();
    expect(receiver.received.map((request) => JSON.parse(request.body).type)).toEqual(['token.deleted']);
  });

  it('a rotated secret keeps signing beside the new one for the overlap', async () => {
    const { session, secret: oldSecret, endpointId } = await accountWithEndpoint(['token.created']);
    const rotated = await t.gql(`mutation { rotateWebhookSecret(id: "${endpointId}") { secret } }`, {}, bearer(session));
    const newSecret = rotated.data.rotateWebhookSecret.secret as string;
    await t.generateToken(session, 'after rotation');
    await deliver();
    const [request] = receiver.received;
    expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(oldSecret, request!).type).toBe('token.created');
    expect(verified(newSecret, request!).type).toBe('token.created');
    // past the overlap, only the new secret signs
    offset += 25 * 60 * 60 * 1000;
    await t.generateToken(session, 'later');
    await deliver();
    const later = receiver.received[1]!;
    expect(verified(newSecret, later).type).toBe('token.created');
    expect(() => verified(oldSecret, later)).toThrow();
  });
});

describe('quota and expiry webhooks', () => {
  it('quota.warning at 80% and quota.reached at 100% reach the endpoint once each, signed, naming the token that crossed', async () => {
    const { session, accountId, secret } = await accountWithEndpoint(['quota.warning', 'quota.reached']);
    await t.gql('mutation { choosePlan(planId: "free") { id } }', {}, bearer(session));
    const token = await t.generateToken(session, 'metered');
    const results = await Promise.all(Array.from({ length: 110 }, () => t.renderDocument(token.secret)));
    expect(results.filter((result) => !result.errors)).toHaveLength(100);
    expect(await deliver()).toBe(2);
    const payloads = receiver.received.map((request) => verified(secret, request));
    expect(payloads.map((payload) => payload.type).sort()).toEqual(['quota.reached', 'quota.warning']);
    for (const payload of payloads) {
      expect(payload.data).toMatchObject({ accountId, tokenId: token.id, actor: { type: 'API_TOKEN', id: token.id } });
      expect(payload.data.actor.clientAddress).toBeTruthy();
    }
    expect(payloads.find((payload) => payload.type === 'quota.warning')!.data.details).toMatchObject({ used: 80, quota: 100 });
    expect(payloads.find((payload) => payload.type === 'quota.reached')!.data.details).toMatchObject({ used: 100, quota: 100 });
    // the refused documents wrote nothing more
    expect(await deliver()).toBe(0);
  });

  it('token.expiring 7 days and 1 day before, once each however often the sweep runs', async () => {
    const { session, secret } = await accountWithEndpoint(['token.expiring']);
    const created = await t.gql('mutation { generateToken(name: "expiring", expiresIn: DAYS_30) { token { id expiresAt } } }', {}, bearer(session));
    const { id, expiresAt } = created.data.generateToken.token as { id: string; expiresAt: string };
    const DAY = 24 * 60 * 60 * 1000;
    offset += 23.5 * DAY;
    await t.app.services.audit.recordExpiringTokens();
    await t.app.services.audit.recordExpiringTokens();
    offset += 6 * DAY;
    await t.app.services.audit.recordExpiringTokens();
    await t.app.services.audit.recordExpiringTokens();
    expect(await deliver()).toBe(2);
    const payloads = receiver.received.map((request) => verified(secret, request));
    expect(payloads.map((payload) => [payload.type, payload.data.tokenId, payload.data.details.daysBefore]).sort()).toEqual([
      ['token.expiring', id, 1],
      ['token.expiring', id, 7],
    ]);
    for (const payload of payloads) expect(payload.data.details.expiresAt).toBe(expiresAt);
    expect(await deliver()).toBe(0);
  });
});

describe('a test event, and disabling an endpoint', () => {
  const ENDPOINT = '{ webhookEndpoints { id disabledAt messages { id eventType deliveredAt failedAt failureReason attempts { responseStatus durationMs } } } }';
  const endpointOf = async (session: string, id: string) =>
    (await t.gql(ENDPOINT, {}, bearer(session))).data.webhookEndpoints.find((endpoint: { id: string }) => endpoint.id === id);

  it('sendTestWebhook delivers a signed webhook.test to that endpoint only, listed with its attempt', async () => {
    const { session, secret, endpointId } = await accountWithEndpoint(['token.created']);
    const other = await t.gql('mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["token.deleted"]) { endpoint { id } } }', { url: `${receiver.url}?other` }, bearer(session));
    const sent = await t.gql('mutation($id: ID!) { sendTestWebhook(id: $id) { id eventType deliveredAt } }', { id: endpointId }, bearer(session));
    expect(sent.data.sendTestWebhook).toMatchObject({ eventType: 'webhook.test', deliveredAt: null });
    expect(await deliver()).toBe(1);
    const [request] = receiver.received;
    expect(request!.headers['webhook-id']).toBe(sent.data.sendTestWebhook.id);
    const payload = verified(secret, request!);
    expect(payload).toMatchObject({ type: 'webhook.test', data: { endpointId } });
    const listed = (await endpointOf(session, endpointId)).messages[0];
    expect(listed).toMatchObject({ id: sent.data.sendTestWebhook.id, eventType: 'webhook.test', failedAt: null, attempts: [{ responseStatus: 200 }] });
    expect(listed.deliveredAt).not.toBeNull();
    expect((await endpointOf(session, other.data.createWebhookEndpoint.endpoint.id)).messages).toEqual([]);
  });

  it('a disabled endpoint gets no messages, its waiting ones are given up, and it is audited; enabled, events flow again', async () => {
    const { session, endpointId } = await accountWithEndpoint(['token.created']);
    await t.generateToken(session, 'waiting');
    const disabled = await t.gql('mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id disabledAt } }', { id: endpointId }, bearer(session));
    expect(disabled.data.disableWebhookEndpoint.disabledAt).not.toBeNull();
    // twice is once
    expect((await t.gql('mutation($id: ID!) { disableWebhookEndpoint(id: $id) { disabledAt } }', { id: endpointId }, bearer(session))).data.disableWebhookEndpoint.disabledAt).toBe(disabled.data.disableWebhookEndpoint.disabledAt);
    await t.generateToken(session, 'unsent');
    expect(await deliver()).toBe(0);
    expect(receiver.received).toHaveLength(0);
    const messages = (await endpointOf(session, endpointId)).messages;
    expect(messages).toHaveLength(1);
    expect(messages[0].failureReason).toMatch(/disabled/);
    // nothing reaches a disabled endpoint, a retry by hand included
    expect(codes(await t.gql('mutation($id: ID!) { retryWebhookMessage(id: $id) }', { id: messages[0].id }, bearer(session)))).toEqual(['WEBHOOK_ENDPOINT_DISABLED']);
    const refused = await t.gql('mutation($id: ID!) { sendTestWebhook(id: $id) { id } }', { id: endpointId }, bearer(session));
    expect(codes(refused)).toEqual(['WEBHOOK_ENDPOINT_DISABLED']);

    const enabled = await t.gql('mutation($id: ID!) { enableWebhookEndpoint(id: $id) { disabledAt } }', { id: endpointId }, bearer(session));
    expect(enabled.data.enableWebhookEndpoint.disabledAt).toBeNull();
    await t.generateToken(session, 'sent');
    expect(await deliver()).toBe(1);
    expect(JSON.parse(receiver.received[0]!.body).type).toBe('token.created');
    const audit = await t.gql('{ auditEventConnection(types: [WEBHOOK_ENDPOINT_DISABLED, WEBHOOK_ENDPOINT_ENABLED]) { edges { node { type details } } } }', {}, bearer(session));
    expect(audit.data.auditEventConnection.edges.map((edge: { node: { type: string } }) => edge.node.type)).toEqual(['WEBHOOK_ENDPOINT_ENABLED', 'WEBHOOK_ENDPOINT_DISABLED']);
  });

  it('another account’s endpoint is not found', async () => {
    const { endpointId } = await accountWithEndpoint(['token.created']);
    const stranger = await t.signUp({ plan: 'pro' });
    for (const mutation of ['sendTestWebhook(id: $id) { id }', 'disableWebhookEndpoint(id: $id) { id }', 'enableWebhookEndpoint(id: $id) { id }']) {
      expect(codes(await t.gql(`mutation($id: ID!) { ${mutation} }`, { id: endpointId }, bearer(stranger.session)))).toEqual(['WEBHOOK_NOT_FOUND']);
    }
  });
});

describe('retries', () => {
  it('follow the exponential backoff for 24 hours, then stop; a manual retry sends again', async () => {
    const { session, endpointId } = await accountWithEndpoint(['token.created']);
    receiver.respondWith(500);
    await t.generateToken(session, 'failing');
    const created = now();
    const attemptTimes: number[] = [];
    for (let guard = 0; guard < 50; guard++) {
      const made = await deliver();
      if (made) attemptTimes.push(now().getTime());
      const [message] = (await t.gql(`{ webhookEndpoints { id messages { failedAt nextAttemptAt } } }`, {}, bearer(session))).data.webhookEndpoints.find(
        (endpoint: { id: string }) => endpoint.id === endpointId,
      ).messages;
      if (message.failedAt) break;
      // not due yet: nothing is attempted before its time
      offset += new Date(message.nextAttemptAt).getTime() - now().getTime() - 1;
      expect(await deliver()).toBe(0);
      offset += 1;
    }
    // the schedule the domain gives, from the same start
    const expected: number[] = [attemptTimes[0]!];
    for (;;) {
      const next = nextAttemptAfterFailure(created, expected.length, new Date(expected.at(-1)!));
      if (!next) break;
      expected.push(next.getTime());
    }
    expect(attemptTimes.map((time) => time - attemptTimes[0]!)).toEqual(expected.map((time) => time - expected[0]!));
    expect(attemptTimes.length).toBeGreaterThan(5);
    expect(attemptTimes.at(-1)! - created.getTime()).toBeLessThanOrEqual(RETRY_WINDOW_MS);
    expect(receiver.received).toHaveLength(attemptTimes.length);
    const gaps = attemptTimes.slice(1).map((time, i) => time - attemptTimes[i]!);
    console.log(`backoff: ${attemptTimes.length} attempts over ${((attemptTimes.at(-1)! - attemptTimes[0]!) / 3_600_000).toFixed(1)} h, gaps ${gaps.map((gap) => `${gap / 1000}s`).join(', ')}`);

    const messages = (await t.gql(`{ webhookEndpoints { messages { id attemptCount attempts { attemptNumber responseStatus } } } }`, {}, bearer(session))).data.webhookEndpoints[0].messages;
    expect(messages[0].attempts.map((attempt: { responseStatus: number }) => attempt.responseStatus)).toEqual(attemptTimes.map(() => 500));
    receiver.respondWith(200);
    expect((await t.gql(`mutation { retryWebhookMessage(id: "${messages[0].id}") }`, {}, bearer(session))).data.retryWebhookMessage).toBe(true);
    expect(await deliver()).toBe(1);
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(messages[0].id);
  });

  it('an attempt that throws before sending (here: an unreadable secret) is recorded as failed and scheduled, not retried forever', async () => {
    const { session, endpointId } = await accountWithEndpoint(['token.created']);
    await t.app.database.prisma.webhookEndpoint.update({ where: { id: endpointId }, data: { secret: 'whsec_not*base64!' } });
    await t.generateToken(session, 'unsignable');
    expect(await deliver()).toBe(1);
    const [message] = await t.app.database.prisma.webhookMessage.findMany({ where: { endpointId } });
    const attempts = await t.app.database.prisma.webhookAttempt.findMany({ where: { messageId: message!.id } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.error).toMatch(/failed before sending/);
    expect(message!.attemptCount).toBe(1);
    expect(message!.nextAttemptAt.getTime()).toBeGreaterThan(now().getTime());
    expect(receiver.received).toEqual([]);
  });

  it('receivers that hang hold only their own messages: another account\'s message goes out meanwhile', async () => {
    // a receiver that answers nothing until the test lets it
    const held: ServerResponse[] = [];
    const hanging = createHttpServer((_req, res) => void held.push(res));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hooks`;
      const slow = await t.signUp({ plan: 'pro' });
      for (let i = 0; i < 10; i++) {
        const created = await t.gql('mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["token.created"]) { secret } }', { url: `${hangingUrl}?n=${i}` }, bearer(slow.session));
        expect(codes(created)).toBeUndefined();
      }
      // 30 messages to hanging receivers (more than one claim takes), then one to a receiver that answers
      for (let i = 0; i < 3; i++) await t.generateToken(slow.session, `slow ${i}`);
      const fast = await accountWithEndpoint(['token.created']);
      await t.generateToken(fast.session, 'fast');
      const run = deliver();
      while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // the fast receiver got its message while every hanging request was still open and no
      // attempt to a hanging receiver had ended
      const slowAttempts = await t.app.database.prisma.webhookAttempt.count({ where: { messageId: { in: (await t.app.database.prisma.webhookMessage.findMany({ where: { accountId: slow.accountId } })).map((message) => message.id) } } });
      expect(slowAttempts).toBe(0);
      expect(held.length).toBeGreaterThan(0);
      for (const res of held) res.writeHead(200).end();
      held.length = 0;
      await run;
    } finally {
      for (const res of held) res.writeHead(200).end();
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('a receiver down for a while gets every event exactly once after deduplication by webhook-id', async () => {
    const { session, secret } = await accountWithEndpoint(['token.created', 'token.deleted']);
    await receiver.down();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await t.generateToken(session, `down ${i}`)).id);
    for (const id of ids.slice(0, 3)) await t.gql(`mutation { deleteToken(id: "${id}") { id } }`, {}, bearer(session));
    const events = 9;
    // down for about an hour: every attempt is refused
    let failedAttempts = 0;
    for (let minute = 0; minute < 60; minute += 1) {
      failedAttempts += await deliver();
      offset += 60_000;
    }
    expect(receiver.received).toHaveLength(0);
    // back up, but the first delivery of each message is processed and answered 500 (an
    // acknowledgement lost): the retry brings it again, and the receiver deduplicates
    await receiver.up();
    const seen = new Set<string>();
    receiver.respondWith((request) => {
      const id = String(request.headers['webhook-id']);
      if (seen.has(id)) return 200;
      seen.add(id);
      return 500;
    });
    for (let step = 0; step < 30; step++) {
      await deliver();
      offset += 60 * 60 * 1000;
    }
    const unique = new Map<string, unknown>();
    for (const request of receiver.received) unique.set(String(request.headers['webhook-id']), verified(secret, request));
    expect(unique.size).toBe(events);
    expect([...unique.values()].map((payload: any) => payload.type).sort()).toEqual([...Array(6).fill('token.created'), ...Array(3).fill('token.deleted')]);
    const pending = await t.app.database.prisma.webhookMessage.count({ where: { accountId: (await t.gql('{ viewer { id } }', {}, bearer(session))).data.viewer.id, deliveredAt: null } });
    expect(pending).toBe(0);
    console.log(`receiver down then up: ${events} events, ${failedAttempts} refused attempts while down, ${receiver.received.length} requests received after, ${unique.size} unique webhook-ids (each exactly once after dedup)`);
  });
});

describe('the SSRF guard', () => {
  const refused = [
    'https://127.0.0.1/hook',
    'https://127.1.2.3/hook',
    'https://10.1.2.3/hook',
    'https://172.16.5.4/hook',
    'https://192.168.1.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://100.64.0.1/hook',
    'https://0.0.0.0/hook',
    'https://[::1]/hook',
    'https://[fe80::1]/hook',
    'https://[fc00::1]/hook',
    'https://[fd00:ec2::254]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::ffff:169.254.169.254]/hook',
    // IPv4-compatible and NAT64 forms of loopback and metadata: outside global unicast 2000::/3
    'https://[::127.0.0.1]/hook',
    'https://[::169.254.169.254]/hook',
    'https://[64:ff9b::7f00:1]/hook',
  ];

  it('refuses loopback, private, link-local and metadata addresses, by literal or by what a name resolves to', async () => {
    for (const url of refused) {
      const verdict = await checkWebhookUrl(url, { allowPrivate: false });
      expect(verdict, url).toMatchObject({ ok: false, reason: 'forbidden' });
    }
    const resolvesTo = (address: string) => async () => [{ address }];
    for (const address of ['127.0.0.1', '10.0.0.7', '169.254.169.254', '::1', 'fd12::1']) {
      expect(await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, resolve: resolvesTo(address) }), address).toMatchObject({ ok: false, reason: 'forbidden' });
    }
    // one private address among public ones is enough to refuse
    expect(await checkWebhookUrl('https://mixed.example.com/x', { allowPrivate: false, resolve: async () => [{ address: '93.184.216.34' }, { address: '10.0.0.1' }] })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, resolve: resolvesTo('93.184.216.34') })).toMatchObject({ ok: true });
    expect(await checkWebhookUrl('https://localhost/x', { allowPrivate: false })).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('http://hooks.example.com/x', { allowPrivate: false, resolve: resolvesTo('93.184.216.34') })).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('answers a name that does not resolve exactly as one that resolves to a private address', async () => {
    const unresolved = await checkWebhookUrl('https://nowhere.invalid/x', { allowPrivate: false, resolve: async () => { throw new Error('ENOTFOUND'); } });
    const internal = await checkWebhookUrl('https://db.internal.example/x', { allowPrivate: false, resolve: async () => [{ address: '10.0.0.5' }] });
    expect(unresolved).toEqual(internal);
    expect(unresolved.ok).toBe(false);
  });

  it('checks the address actually connected to: a name that rebinds to loopback after the check gets no connection', async () => {
    const connections: Socket[] = [];
    const target = createNetServer((socket) => {
      connections.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = target.address() as AddressInfo;
      const { session, endpointId } = await accountWithEndpoint(['token.created']);
      // "localhost" resolves to the loopback target through the system resolver; the guard's own
      // resolver answers a public address for the check and loopback from then on
      await t.app.database.prisma.webhookEndpoint.update({ where: { id: endpointId }, data: { url: `https://localhost:${port}/hook` } });
      let lookups = 0;
      const rebinding = async () => [{ address: lookups++ === 0 ? '93.184.216.34' : '127.0.0.1' }];
      const guarded = new WebhookDelivery(webhookStoreOf(t), { now, allowPrivateUrls: false, resolve: rebinding });
      await t.generateToken(session, 'rebound');
      expect(await guarded.deliverDue()).toBe(1);
      expect(lookups).toBeGreaterThanOrEqual(2);
      expect(connections).toHaveLength(0);
      const [message] = await t.app.database.prisma.webhookMessage.findMany({ where: { endpointId } });
      const [attempt] = await t.app.database.prisma.webhookAttempt.findMany({ where: { messageId: message!.id } });
      expect(attempt!.error).toMatch(/public/);
    } finally {
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });

  it('creating, rotating and deleting an endpoint are audited, by the session that did it', async () => {
    const { session, accountId, endpointId } = await accountWithEndpoint(['token.created']);
    const missing = await t.gql('mutation { rotateWebhookSecret(id: "ep_missing") { secret } }', {}, bearer(session));
    expect(codes(missing)).toEqual(['WEBHOOK_NOT_FOUND']);
    await t.gql(`mutation { rotateWebhookSecret(id: "${endpointId}") { secret } }`, {}, bearer(session));
    await t.gql(`mutation { deleteWebhookEndpoint(id: "${endpointId}") }`, {}, bearer(session));
    expect(codes(await t.gql(`mutation { deleteWebhookEndpoint(id: "${endpointId}") }`, {}, bearer(session)))).toEqual(['WEBHOOK_NOT_FOUND']);
    const events = await t.app.database.prisma.auditEvent.findMany({ where: { accountId, type: { startsWith: 'WEBHOOK_' } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    // a refused change (an unknown or already deleted endpoint) records nothing
    expect(events.map((event) => [event.type, JSON.parse(event.details!).endpointId, event.actorType])).toEqual([
      ['WEBHOOK_ENDPOINT_CREATED', endpointId, 'SESSION'],
      ['WEBHOOK_SECRET_ROTATED', endpointId, 'SESSION'],
      ['WEBHOOK_ENDPOINT_DELETED', endpointId, 'SESSION'],
    ]);
    expect(JSON.parse(events[0]!.details!)).toEqual({ endpointId, url: receiver.url, events: ['token.created'] });
    // the secrets themselves are in no event
    for (const event of events) expect(event.details).not.toMatch(/whsec_/);
  });

  it('endpoint creations and manual retries are rate-limited per account; a retry of an unknown message costs nothing', async () => {
    const { session } = await accountWithEndpoint(['token.created']);
    await t.generateToken(session, 'retried');
    const [message] = (await t.gql('{ webhookEndpoints { messages { id } } }', {}, bearer(session))).data.webhookEndpoints[0].messages;
    // refused for a reason of its own, it sends nothing and gets its point back
    for (let unknown = 0; unknown < 5; unknown++) expect(codes(await t.gql('mutation { retryWebhookMessage(id: "msg_unknown") }', {}, bearer(session)))).toEqual(['WEBHOOK_NOT_FOUND']);
    const retry = () => t.gql('mutation($id: ID!) { retryWebhookMessage(id: $id) }', { id: message.id }, bearer(session));
    let answer: string[] | undefined;
    let tries = 0;
    for (; tries < 200; tries++) {
      answer = codes(await retry());
      if (answer !== undefined) break;
    }
    expect(answer).toEqual(['RATE_LIMITED']);
    expect(tries).toBe(WEBHOOK_REQUESTS_PER_ACCOUNT_PER_HOUR - 1);
    const create = await t.gql('mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["token.created"]) { secret } }', { url: receiver.url }, bearer(session));
    expect(codes(create)).toEqual(['RATE_LIMITED']);
    // another account is not affected
    const other = await t.signUp({ plan: 'pro' });
    expect(codes(await t.gql('mutation { retryWebhookMessage(id: "msg_unknown") }', {}, bearer(other.session)))).toEqual(['WEBHOOK_NOT_FOUND']);
  });

  it('20 concurrent creates give exactly 10 endpoints', async () => {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.gql('mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["token.created"]) { endpoint { id } } }', { url: `${receiver.url}?c=${i}` }, bearer(session)),
      ),
    );
    expect(results.filter((result) => !result.errors)).toHaveLength(10);
    expect(results.flatMap((result) => codes(result) ?? [])).toEqual(Array(10).fill('WEBHOOK_ENDPOINT_LIMIT_REACHED'));
    expect(await t.app.database.prisma.webhookEndpoint.count({ where: { accountId, deletedAt: null } })).toBe(10);
    // every endpoint that exists has its audit event; the refused ones have none
    expect(await t.app.database.prisma.auditEvent.count({ where: { accountId, type: 'WEBHOOK_ENDPOINT_CREATED' } })).toBe(10);
  });

  it('an account has at most 10 endpoints, and a URL at most 2048 characters', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const create = (url: string) =>
      t.gql('mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["token.created"]) { endpoint { id } } }', { url }, bearer(session));
    const longUrl = `${receiver.url}?${'a'.repeat(2100)}`;
    expect(codes(await create(longUrl))).toEqual(['WEBHOOK_URL_INVALID']);
    for (let i = 0; i < 10; i++) expect(codes(await create(`${receiver.url}?n=${i}`))).toBeUndefined();
    const over = await create(`${receiver.url}?n=10`);
    expect(codes(over)).toEqual(['WEBHOOK_ENDPOINT_LIMIT_REACHED']);
    expect(over.errors?.[0]?.message).toMatch(/at most 10/);
    // a deleted endpoint frees its place
    const [first] = (await t.gql('{ webhookEndpoints { id } }', {}, bearer(session))).data.webhookEndpoints;
    await t.gql(`mutation { deleteWebhookEndpoint(id: "${first.id}") }`, {}, bearer(session));
    expect(codes(await create(`${receiver.url}?n=11`))).toBeUndefined();
  });

  it('through the API: WEBHOOK_URL_FORBIDDEN and WEBHOOK_URL_INVALID, unless the development setting allows them', async () => {
    const guarded = await createTestApp({ webhookAllowPrivateUrls: false, webhookPollMs: 0 });
    try {
      const { session } = await guarded.signUp({ plan: 'pro' });
      const create = (url: string, events = ['token.created']) =>
        guarded.gql('mutation($url: String!, $events: [String!]!) { createWebhookEndpoint(url: $url, events: $events) { secret } }', { url, events }, bearer(session));
      for (const url of refused) expect(codes(await create(url)), url).toEqual(['WEBHOOK_URL_FORBIDDEN']);
      expect(codes(await create(receiver.url))).toEqual(['WEBHOOK_URL_INVALID']);
      expect(codes(await create('not a url'))).toEqual(['WEBHOOK_URL_INVALID']);
      expect(codes(await create('https://93.184.216.34/hook', ['token.exploded']))).toEqual(['WEBHOOK_EVENTS_INVALID']);
      expect(codes(await create('https://93.184.216.34/hook', []))).toEqual(['WEBHOOK_EVENTS_INVALID']);
    } finally {
      await guarded.close();
    }
  });
});
