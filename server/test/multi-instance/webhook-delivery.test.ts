// Two instances on one PostgreSQL database deliver the outbox together: each message attempt is
// claimed by one of them only (FOR UPDATE SKIP LOCKED), so none is sent twice. The instances are
// two apps in this process, each with its own connection pool, driven by hand so that both claim
// at the same moments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { configFromEnv } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { appGql, bearer } from '../support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let database: TestDatabase;
let receiver: WebhookReceiver;
let a: App;
let b: App;

beforeAll(async () => {
  database = await createTestDatabase('postgresql');
  receiver = await startWebhookReceiver();
  const config = { ...configFromEnv({}), databaseUrl: database.url, logging: false as const, webhookAllowPrivateUrls: true, webhookPollMs: 0 };
  a = await buildApp(config);
  b = await buildApp(config);
}, 60_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await receiver?.close();
  await database?.drop();
});

describe('two instances delivering webhooks', () => {
  it('never deliver the same attempt twice', async () => {
    const sessions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const signUp = await appGql(a, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', { e: `hooks-${process.pid}-${i}@example.com` }, { 'x-forwarded-for': `2001:db8:77:${i}::1` });
      const session = signUp.data.signUp.sessionToken as string;
      await appGql(a, 'mutation { choosePlan(planId: "pro") { id } }', {}, bearer(session));
      const created = await appGql(a, 'mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["token.created", "token.deleted"]) { secret } }', { url: receiver.url }, bearer(session));
      expect(created.errors).toBeUndefined();
      sessions.push(session);
    }
    let events = 0;
    for (const session of sessions) {
      for (let i = 0; i < 10; i++) {
        const generated = await appGql(b, `mutation { generateToken(name: "t${i}") { token { id } } }`, {}, bearer(session));
        await appGql(a, `mutation { deleteToken(id: "${generated.data.generateToken.token.id}") { id } }`, {}, bearer(session));
        events += 2;
      }
    }
    // both instances claim at once, several times over, until nothing is due
    const attemptsBy = { a: 0, b: 0 };
    for (let round = 0; round < 5; round++) {
      const [byA, byB] = await Promise.all([a.services.webhookDelivery.deliverDue(), b.services.webhookDelivery.deliverDue()]);
      attemptsBy.a += byA;
      attemptsBy.b += byB;
    }
    const ids = receiver.received.map((request) => String(request.headers['webhook-id']));
    expect(new Set(ids).size).toBe(events);
    expect(ids).toHaveLength(events);
    expect(attemptsBy.a + attemptsBy.b).toBe(events);
    const attempts = await a.database.prisma.webhookAttempt.count();
    expect(attempts).toBe(events);
    console.log(`two instances: ${events} messages, ${ids.length} requests received, attempts made by A ${attemptsBy.a}, by B ${attemptsBy.b}`);
  });
});
