// Two real server processes sharing one PostgreSQL database and one Redis: one truth.
// The Redis is the suite's own, on a port of its own, so that it can be killed and restarted.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PogodocClient } from '../../../sdk/src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { freePort, startRedis, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { httpGql } from '../support/http-client.js';
import { parsePrometheusText } from '../support/prometheus-text.js';
import { collect, wsClient } from '../support/ws-client.js';
import { verifyThroughDevMailbox } from '../support/dev-mailbox.js';

let database: TestDatabase;
let redisPort: number;
let redis: { stop(): Promise<void> };
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  database = await createTestDatabase('postgresql');
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  const env = { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${redisPort}`, METRICS: '1' };
  // both start at once, as behind a load balancer: the migration runs exactly once
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 120_000);

const issuedSecrets: string[] = [];

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  // nothing either instance printed, warnings included, shows a token or session
  const output = `${a?.output() ?? ''}${b?.output() ?? ''}`;
  for (const secret of issuedSecrets) expect(output).not.toContain(secret);
  await redis?.stop();
  await database?.drop();
});

let accountCounter = 0;
async function signUpOn(server: ServerProcess): Promise<string> {
  const email = `multi-${process.pid}-${++accountCounter}@example.com`;
  const signUp = await httpGql(server.url, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', { e: email });
  const session = signUp.data.signUp.sessionToken as string;
  issuedSecrets.push(session);
  // a and b share the outbox: either may have sent it
  await verifyThroughDevMailbox(server.url, email, [a.url, b.url]);
  await httpGql(server.url, 'mutation { choosePlan(planId: "pro") { id } }', {}, session);
  return session;
}

async function generateOn(server: ServerProcess, session: string, name = 'multi') {
  const result = await httpGql(server.url, 'mutation($n: String!) { generateToken(name: $n) { secret token { id } } }', { n: name }, session);
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  issuedSecrets.push(result.data.generateToken.secret);
  return { id: result.data.generateToken.token.id as string, secret: result.data.generateToken.secret as string };
}

const renderOn = (server: ServerProcess, secret: string) =>
  httpGql(server.url, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, secret);

const COUNTS = 'subscription($id: ID) { documentCount(tokenId: $id) { tokenId documentCount } }';
type Update = { documentCount: { tokenId: string; documentCount: number } };

/** A dashboard on `server` watching one token's count over graphql-ws. */
function watchOn(server: ServerProcess, session: string, tokenId: string) {
  const client = wsClient(server.url, { connectionParams: { authorization: `Bearer ${session}` } });
  const updates = collect<Update>(client, COUNTS, { id: tokenId });
  return {
    updates,
    close: async () => {
      updates.dispose();
      await client.dispose();
    },
  };
}

describe('two instances, one PostgreSQL, one Redis', () => {
  it('both are ready, and report it on /ready', async () => {
    for (const server of [a, b]) {
      const response = await fetch(`${server.url}/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok', events: 'ok' } });
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    }
  });

  it('a subscriber on A sees increments made through B, in order, with the exact final count', async () => {
    const session = await signUpOn(a);
    const { id, secret } = await generateOn(a, session);
    const { updates, close } = watchOn(a, session, id);
    await updates.waitFor(1);
    for (let i = 0; i < 20; i++) expect((await renderOn(b, secret)).errors).toBeUndefined();
    const sequential = await updates.waitFor(21);
    expect(sequential.map((update) => update.documentCount.documentCount)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    // concurrent requests spread over both instances: exact in the database, monotonic on screen
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => renderOn(i % 2 ? a : b, secret)));
    expect(results.filter((result) => result.errors)).toEqual([]);
    await updates.waitUntil((values) => values.at(-1)?.documentCount.documentCount === 80);
    const counts = updates.values.map((update) => update.documentCount.documentCount);
    expect(counts.every((count, i) => i === 0 || count > counts[i - 1]!)).toBe(true);
    const token = await httpGql(b.url, 'query($id: ID!) { token(id: $id) { documentCount } }', { id }, session);
    expect(token.data.token.documentCount).toBe(80);
    await close();
  });

  it('a token deleted through A is refused by B on the very next request', async () => {
    const session = await signUpOn(a);
    const { id, secret } = await generateOn(b, session);
    expect((await renderOn(b, secret)).errors).toBeUndefined();
    const deleted = await httpGql(a.url, 'mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, session);
    expect(deleted.errors).toBeUndefined();
    const refused = await renderOn(b, secret);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('API_TOKEN_DELETED');
  });

  const ROLL = 'mutation($id: ID!, $grace: RollGracePeriod!) { rollToken(id: $id, gracePeriod: $grace) { secret } }';
  async function rollOn(server: ServerProcess, session: string, id: string, grace: string): Promise<string> {
    const rolled = await httpGql(server.url, ROLL, { id, grace }, session);
    if (!rolled.data) throw new Error(JSON.stringify(rolled.errors));
    issuedSecrets.push(rolled.data.rollToken.secret);
    return rolled.data.rollToken.secret as string;
  }

  it('a secret rolled through A with no grace period is refused by B on the very next request', async () => {
    const session = await signUpOn(a);
    const { id, secret } = await generateOn(b, session);
    expect((await renderOn(b, secret)).errors).toBeUndefined();
    const newSecret = await rollOn(a, session, id, 'NONE');
    const refused = await renderOn(b, secret);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('API_TOKEN_ROLLED');
    expect((await renderOn(b, newSecret)).data?.renderDocument.documentCount).toBe(2);
  });

  it('a rolled secret works on B through its grace period, and B refuses it on the very next request after', async () => {
    const session = await signUpOn(a);
    const { id, secret: oldSecret } = await generateOn(b, session);
    const newSecret = await rollOn(a, session, id, 'ONE_HOUR');
    // The grace period is an hour; rather than wait, the test moves its end to 4 s from now in the
    // database, which both instances read on every request (no instance caches tokens).
    const graceEnd = new Date(Date.now() + 4000);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('UPDATE "ApiToken" SET "previousSecretValidUntil" = $1 WHERE "id" = $2', [graceEnd.toISOString(), id]);
    await client.end();

    // during the grace period both secrets work on B, and both count on the token
    expect((await renderOn(b, oldSecret)).data?.renderDocument.documentCount).toBe(1);
    expect((await renderOn(b, newSecret)).data?.renderDocument.documentCount).toBe(2);
    expect((await renderOn(a, oldSecret)).data?.renderDocument.documentCount).toBe(3);
    expect(Date.now()).toBeLessThan(graceEnd.getTime());

    await new Promise((resolve) => setTimeout(resolve, graceEnd.getTime() - Date.now() + 1));
    const refused = await renderOn(b, oldSecret);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('API_TOKEN_ROLLED');
    expect((await renderOn(b, newSecret)).data?.renderDocument.documentCount).toBe(4);
  });

  it('50 concurrent generateToken calls split across A and B leave exactly 10 active tokens', async () => {
    const session = await signUpOn(a);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        httpGql((i % 2 ? a : b).url, 'mutation($n: String!) { generateToken(name: $n) { token { id } } }', { n: `race ${i}` }, session),
      ),
    );
    expect(results.filter((result) => result.data?.generateToken)).toHaveLength(10);
    expect(results.filter((result) => result.errors?.[0]?.extensions?.code === 'TOKEN_LIMIT_REACHED')).toHaveLength(40);
    const listed = await httpGql(b.url, '{ tokens { id } viewer { activeTokenCount } }', {}, session);
    expect(listed.data.tokens).toHaveLength(10);
    expect(listed.data.viewer.activeTokenCount).toBe(10);
  });

  it('40 concurrent requests with one Idempotency-Key split across A and B count exactly one document', async () => {
    const session = await signUpOn(a);
    const { id, secret } = await generateOn(a, session);
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const response = await fetch(`${(i % 2 ? a : b).url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'idempotency-key': key },
          body: JSON.stringify({ query: 'mutation { renderDocument(template: "Invoice {{ n }}", data: { n: 7 }) { content documentCount replayed } }' }),
        });
        return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
      }),
    );
    const succeeded = results.filter((result) => result.body.data?.renderDocument);
    const inUse = results.filter((result) => result.status === 409 && result.body.errors?.[0]?.extensions?.code === 'IDEMPOTENCY_KEY_IN_USE');
    // every answer is the one result or the retryable refusal, and exactly one request made it
    expect(succeeded.length + inUse.length).toBe(40);
    for (const result of succeeded) expect(result.body.data.renderDocument).toMatchObject({ content: 'Invoice 7', documentCount: 1 });
    expect(succeeded.filter((result) => !result.body.data.renderDocument.replayed)).toHaveLength(1);
    const token = await httpGql(b.url, 'query($id: ID!) { token(id: $id) { documentCount } }', { id }, session);
    expect(token.data.token.documentCount).toBe(1);
  });

  it('SDK calls with one key on both instances at once all resolve to the one document', async () => {
    const session = await signUpOn(a);
    const { id, secret } = await generateOn(a, session);
    const clients = [a, b].map((server) => new PogodocClient({ token: secret, baseUrl: server.url }));
    const idempotencyKey = randomUUID();
    const documents = await Promise.all(
      Array.from({ length: 10 }, (_, i) => clients[i % 2]!.renderDocument({ template: 'Order {{ n }}', data: { n: 3 } }, { idempotencyKey })),
    );
    for (const document of documents) expect(document).toMatchObject({ content: 'Order 3', tokenId: id, documentCount: 1 });
    expect(documents.filter((document) => !document.replayed)).toHaveLength(1);
    const token = await httpGql(a.url, 'query($id: ID!) { token(id: $id) { documentCount } }', { id }, session);
    expect(token.data.token.documentCount).toBe(1);
  });

  it('a client that reconnects receives the current count first', async () => {
    const session = await signUpOn(a);
    const { id, secret } = await generateOn(a, session);
    for (let i = 0; i < 3; i++) await renderOn(b, secret);
    const { updates, close } = watchOn(b, session, id);
    expect(await updates.waitFor(1)).toEqual([{ documentCount: { tokenId: id, documentCount: 3 } }]);
    await close();
  });

  it('Redis restarted mid-stream: subscribers resume and show the correct count', async () => {
    const session = await signUpOn(a);
    const { id, secret } = await generateOn(a, session);
    const { updates, close } = watchOn(a, session, id);
    await updates.waitFor(1);
    for (let i = 0; i < 5; i++) await renderOn(b, secret);
    await updates.waitFor(6);

    await redis.stop();
    // documents go on while Redis is down: counted in the database, their events lost
    for (let i = 0; i < 7; i++) expect((await renderOn(b, secret)).errors).toBeUndefined();
    await expect.poll(async () => (await fetch(`${a.url}/ready`)).status, { timeout: 10_000 }).toBe(503);
    // the outage was real: B could not publish those events (its log comes through a pipe, after the answers)
    await expect.poll(() => b.output(), { timeout: 10_000 }).toMatch(/redis publish failed/);
    const metrics = parsePrometheusText(await (await fetch(`${b.url}/metrics`)).text());
    expect(metrics.value('pogodoc_redis_errors_total')).toBeGreaterThanOrEqual(7);

    redis = await startRedis(redisPort);
    // on reconnect, the subscription re-reads the count from the database
    await updates.waitUntil((values) => values.at(-1)?.documentCount.documentCount === 12, 20_000);
    await expect.poll(async () => (await fetch(`${a.url}/ready`)).status, { timeout: 20_000 }).toBe(200);
    await expect.poll(async () => (await fetch(`${b.url}/ready`)).status, { timeout: 20_000 }).toBe(200);
    // and events flow again
    await renderOn(b, secret);
    await updates.waitUntil((values) => values.at(-1)?.documentCount.documentCount === 13, 10_000);
    const counts = updates.values.map((update) => update.documentCount.documentCount);
    expect(counts.every((count, i) => i === 0 || count > counts[i - 1]!)).toBe(true);
    await close();
  }, 60_000);
});

describe('the live audit trail across instances', () => {
  const LIVE = 'subscription { auditEvents { id type tokenId } }';
  type Live = { auditEvents: { id: string; type: string; tokenId: string | null } };

  it('an event made on A reaches a subscriber on B, once, after its transaction committed', async () => {
    const session = await signUpOn(a);
    const warm = await generateOn(a, session, 'warm');
    const client = wsClient(b.url, { connectionParams: { authorization: `Bearer ${session}` } });
    const events = collect<Live>(client, LIVE);
    // B joins the account's Redis channel on its own time: rename through A until a rename arrives,
    // then once more, so that nothing of the warm-up is still on its way
    const rename = (name: string) => httpGql(a.url, 'mutation($id: ID!, $n: String!) { updateToken(id: $id, name: $n) { id } }', { id: warm.id, n: name }, session);
    for (let attempt = 0; attempt < 200 && events.values.length === 0; attempt++) await rename(`warm ${attempt}`);
    await rename('warm done');
    await events.waitUntil((values) => values.some((value) => value.auditEvents.type === 'TOKEN_RENAMED' && value.auditEvents.tokenId === warm.id));
    const made = await generateOn(a, session, 'made on A');
    await httpGql(a.url, 'mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: made.id }, session);
    const received = await events.waitUntil((values) => values.filter((value) => value.auditEvents.tokenId === made.id).length >= 2);
    const ofMade = received.filter((value) => value.auditEvents.tokenId === made.id);
    expect(ofMade.map((value) => value.auditEvents.type)).toEqual(['TOKEN_GENERATED', 'TOKEN_DELETED']);
    // the rows B announced are the rows A committed
    const stored = await httpGql(b.url, 'query($t: ID!) { auditEvents(tokenId: $t) { nodes { id type } } }', { t: made.id }, session);
    expect(stored.data.auditEvents.nodes.map((node: { id: string }) => node.id).sort()).toEqual(ofMade.map((value) => value.auditEvents.id).sort());
    events.dispose();
    await client.dispose();
  });

  it('a member removed through A is refused by B at the next request, and their live views on B end at once', async () => {
    const owner = await signUpOn(a);
    const team = await httpGql(a.url, 'mutation { createTeam(name: "Two instances") { id } }', {}, owner);
    const teamId = team.data.createTeam.id as string;
    const inTeam = { 'pogodoc-team': teamId };
    await httpGql(a.url, 'mutation { choosePlan(planId: "pro") { id } }', {}, owner, inTeam);
    const member = await signUpOn(b);
    const memberId = (await httpGql(b.url, '{ viewer { id email } }', {}, member)).data.viewer;
    const invited = await httpGql(a.url, 'mutation($e: String!) { inviteMember(email: $e, role: DEVELOPER) { secret } }', { e: memberId.email }, owner, inTeam);
    issuedSecrets.push(invited.data.inviteMember.secret);
    expect((await httpGql(b.url, 'mutation($s: String!) { acceptInvitation(secret: $s) { role } }', { s: invited.data.inviteMember.secret }, member)).errors).toBeUndefined();
    const token = (await httpGql(b.url, 'mutation { generateToken(name: "member") { secret token { id } } }', {}, member, inTeam)).data.generateToken;
    issuedSecrets.push(token.secret);

    // the member watches the team's counts and activity on B
    const client = wsClient(b.url, { connectionParams: { authorization: `Bearer ${member}`, team: teamId } });
    const counts = collect<Update>(client, COUNTS, { id: token.token.id });
    const activity = collect<{ auditEvents: { type: string } }>(client, 'subscription { auditEvents { type } }');
    await counts.waitFor(1);
    try {
      const removed = await httpGql(a.url, 'mutation($u: ID!) { removeMember(userId: $u) }', { u: memberId.id }, owner, inTeam);
      expect(removed.errors).toBeUndefined();
      const refused = await httpGql(b.url, '{ tokens { id } }', {}, member, inTeam);
      expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['TEAM_NOT_FOUND']);
      // the event crosses Redis, and nothing waits for a timer (how long it takes is measured, not
      // asserted here: a busy machine must not fail it)
      for (const feed of [counts, activity]) {
        const error = (await feed.waitForError()) as Array<{ extensions?: { code?: string } }>;
        expect(error[0]!.extensions!.code).toBe('TEAM_NOT_FOUND');
      }
    } finally {
      counts.dispose();
      activity.dispose();
      await client.dispose();
    }
  });

  it("a session revoked through A ends its live views of a team on B at once", async () => {
    const owner = await signUpOn(a);
    const teamId = (await httpGql(a.url, 'mutation { createTeam(name: "Revoked") { id } }', {}, owner)).data.createTeam.id as string;
    const inTeam = { 'pogodoc-team': teamId };
    await httpGql(a.url, 'mutation { choosePlan(planId: "pro") { id } }', {}, owner, inTeam);
    // the owner signs in a second time, on B, and watches the team there
    const email = (await httpGql(a.url, '{ viewer { email } }', {}, owner)).data.viewer.email;
    const second = (await httpGql(b.url, 'mutation($e: String!) { signIn(email: $e, password: "long password") { sessionToken } }', { e: email })).data.signIn.sessionToken as string;
    issuedSecrets.push(second);
    const client = wsClient(b.url, { connectionParams: { authorization: `Bearer ${second}`, team: teamId } });
    const activity = collect<{ auditEvents: { type: string } }>(client, 'subscription { auditEvents { type } }');
    try {
      // open once it hears the team's next event
      await expect
        .poll(async () => {
          await httpGql(a.url, 'mutation { generateToken(name: "ping") { token { id } } }', {}, owner, inTeam);
          return activity.values.length;
        }, { timeout: 20_000, interval: 250 })
        .toBeGreaterThan(0);
      const sessions = await httpGql(a.url, '{ sessions { id current } }', {}, owner);
      const other = sessions.data.sessions.find((session: { current: boolean }) => !session.current);
      expect((await httpGql(a.url, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: other.id }, owner)).errors).toBeUndefined();
      const error = (await activity.waitForError()) as Array<{ extensions?: { code?: string } }>;
      expect(error[0]!.extensions!.code).toBe('SESSION_EXPIRED');
    } finally {
      activity.dispose();
      await client.dispose();
    }
  });
});
