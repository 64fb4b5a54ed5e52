// Chaos across instances, with nothing lost: an instance killed with SIGKILL under 2,000 live
// dashboards, under the SDK's calls, and mid-render of one; the shared Redis restarted under 500;
// and a real PostgreSQL restart.
//
// Clients behave as they do behind a load balancer: dashboards reconnect with backoff to the next
// instance (client/src/live-socket.ts retries every failure), and documents that got no answer are
// sent again to another instance (server/test/support/chaos-swarm.ts); the SDK's calls, each with
// its Idempotency-Key, go through a round-robin balancer (server/test/support/round-robin-proxy.ts).
// The service's promises under test: a subscription starts with the current count and never goes
// backwards, so every dashboard ends on the exact final count; no acknowledged document is lost,
// and none made with a key is counted twice; a database that cannot serve is a 503 with Retry-After
// (DATABASE_UNAVAILABLE), and the service recovers without a restart.
//
// Nothing waits for a fixed time to pass: every wait is for a state, with room for a 2-core
// machine beside a CPU hog and the other suites.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PogodocClient, PogodocError } from '../../../sdk/src/index.js';
import { BalancedDocuments, startChaosSwarm, type ChaosSwarm, type ChaosSwarmStatus } from '../support/chaos-swarm.js';
import { httpGql } from '../support/http-client.js';
import { startPrivatePostgres } from '../support/private-postgres.js';
import { IDEMPOTENCY_CLAIM_LEASE_MS } from '../../src/domain/idempotency.js';
import { rendererPids } from '../support/processes.js';
import { roundRobinProxy } from '../support/round-robin-proxy.js';
import { freePort, startRedis, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase } from '../support/test-database.js';

// Thousands of dashboards of one account, all from loopback: the per-address and per-account caps
// on connections are for the internet, not for this suite. The document rates here are far below
// the per-token limits; they are lifted so that a slow machine's bursts are never refused.
const CHAOS_ENV = {
  MAX_CONNECTIONS_PER_ADDRESS: '0',
  WS_MAX_CONNECTIONS_PER_ACCOUNT: '10000',
  DOCUMENTS_PER_TOKEN_PER_MINUTE: '1000000',
  DOCUMENTS_PER_TOKEN_PER_SECOND: '100000',
};

// Each test's processes, databases and clusters, undone in reverse order; each step bounded, so that
// one that hangs does not leave the others (a server, a Redis, a database) behind.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out after 20 s')), 20_000)));
    await Promise.race([cleanup(), timeout])
      .catch((error: unknown) => console.error('cleanup failed:', error))
      .finally(() => clearTimeout(timer));
  }
}, 120_000);

async function startInstance(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess({ ...CHAOS_ENV, ...env });
  cleanups.push(async () => {
    // stop() waits for an exit that a process already ended (killed by a signal) will not emit again
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    const forced = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
    await server.stop();
    clearTimeout(forced);
  });
  return server;
}

let accounts = 0;
async function accountWithToken(server: ServerProcess) {
  const email = `chaos-${process.pid}-${++accounts}@example.com`;
  const signUp = await httpGql(server.url, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', { e: email });
  const session = signUp.data.signUp.sessionToken as string;
  await httpGql(server.url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  const generated = await httpGql(server.url, 'mutation { generateToken(name: "chaos") { secret token { id } } }', {}, session);
  if (!generated.data) throw new Error(JSON.stringify(generated.errors));
  return { session, id: generated.data.generateToken.token.id as string, secret: generated.data.generateToken.secret as string };
}

/**
 * The SDK's calls through a load balancer, one after another on each of `workers` loops until
 * stopped, `pauseMs` apart as a script's batch would be: every call sends its own Idempotency-Key
 * and retries with it (sdk/src/pogodoc-client.ts). Paced, so that on a machine starved by the other
 * suites they add to the survivor's load what a client does, not all it can take.
 */
function sdkCallsThrough(url: string, secret: string, workers: number, pauseMs: number) {
  const client = new PogodocClient({ token: secret, baseUrl: url, envFile: '/nonexistent/.env' });
  const calls = { documentCounts: [] as number[], replayed: 0, failures: [] as string[], longestMs: 0 };
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const startedAt = Date.now();
      try {
        const document = await client.renderDocument({ template: 'Invoice for {{ customer }}', data: { customer: 'Ada' } });
        calls.documentCounts.push(document.documentCount);
        if (document.replayed) calls.replayed++;
      } catch (error) {
        calls.failures.push(error instanceof PogodocError ? `${error.code}: ${error.message}` : String(error));
      }
      calls.longestMs = Math.max(calls.longestMs, Date.now() - startedAt);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  return {
    calls,
    /** Stops starting calls and waits for those under way, retries included. */
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** The token's count as the database holds it, read directly. */
async function countInDatabase(databaseUrl: string, tokenId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ documentCount: number }>('SELECT "documentCount" FROM "ApiToken" WHERE "id" = $1', [tokenId]);
    return rows[0]!.documentCount;
  } finally {
    await client.end();
  }
}

const readyStatus = async (server: ServerProcess) => (await fetch(`${server.url}/ready`)).status;

/**
 * Looks at a server's /ready every 250 ms until stopped: the answers (looks), every one that was
 * not 200 or failed, and the connects that timed out (a full accept queue, see NEVER_CONNECTED_CODES).
 */
function watchReadiness(server: ServerProcess) {
  const other: string[] = [];
  let looks = 0;
  let connectsTimedOut = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const response = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(30_000) });
        looks++;
        if (response.status !== 200) other.push(`${response.status} ${await response.text()}`);
        else await response.body?.cancel();
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === 'UND_ERR_CONNECT_TIMEOUT') connectsTimedOut++;
        else other.push(`${String(error)} ${code ?? ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  cleanups.push(async () => ((stopped = true), loop));
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { looks, other, connectsTimedOut };
    },
  };
}

function swarmOf(options: Parameters<typeof startChaosSwarm>[0]): ChaosSwarm {
  const swarm = startChaosSwarm(options);
  cleanups.push(() => swarm.stop());
  return swarm;
}

function documentsThrough(options: ConstructorParameters<typeof BalancedDocuments>[0]): BalancedDocuments {
  const documents = new BalancedDocuments(options);
  cleanups.push(() => documents.stop());
  return documents;
}

/** What every subscriber saw is consistent: no count went backwards, none repeated within a subscription, no errors. */
function expectConsistent(status: ChaosSwarmStatus) {
  expect({ backwards: status.backwards, notGrowingWithinSubscription: status.notGrowingWithinSubscription, errors: status.errors, firstError: status.firstError }).toEqual({
    backwards: 0,
    notGrowingWithinSubscription: 0,
    errors: 0,
    firstError: undefined,
  });
}

describe('chaos across two instances (PostgreSQL + Redis)', () => {
  it('kill -9 of one of two instances with 2,000 subscribers: all end on the exact count on the survivor, nothing acknowledged is lost', async () => {
    const database = await createTestDatabase('postgresql');
    cleanups.push(() => database.drop());
    const redisPort = await freePort();
    const redis = await startRedis(redisPort);
    cleanups.push(() => redis.stop());
    const env = { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    const { session, id, secret } = await accountWithToken(b);

    const SUBSCRIBERS = 2000;
    const swarm = swarmOf({ urls: [a.url, b.url], session, tokenId: id, count: SUBSCRIBERS, batch: 50, batchPauseMs: 100 });
    await swarm.ready;
    const subscribed = await swarm.waitFor(`all ${SUBSCRIBERS} receive`, (status) => status.receiving === SUBSCRIBERS, { timeoutMs: 90_000 });
    expect(subscribed.receivingOn).toEqual({ [a.url]: SUBSCRIBERS / 2, [b.url]: SUBSCRIBERS / 2 });

    // documents through both, steadily, until A dies; then through B alone; and B's /ready watched throughout
    const documents = documentsThrough({ urls: [a.url, b.url], secret, perSecond: 20 });
    documents.start();
    const readinessOfB = watchReadiness(b);
    // mid-stream: both instances have made documents, and every subscriber has heard live counts of them
    await waitUntil('both instances have acknowledged 20 documents', () => Math.min(documents.outcomesOf(a.url).ok ?? 0, documents.outcomesOf(b.url).ok ?? 0) >= 20, [a, b]);
    await swarm.waitFor('every subscriber hears live counts', (status) => status.minCount >= 10, { timeoutMs: 60_000 });

    const renderersOfA = rendererPids(a.child.pid!);
    // the attempts to A still unanswered now are the only ones that may have counted without an answer
    const inFlightOnAAtKill = documents.inFlightOn(a.url);
    const killedAt = Date.now();
    const aExited = new Promise((resolve) => a.child.once('exit', (_code, signal) => resolve(signal)));
    a.child.kill('SIGKILL');
    expect(await aExited).toBe('SIGKILL');

    // A's dashboards come back on B, as through a load balancer
    const moved = await swarm.waitFor(`A's ${SUBSCRIBERS / 2} subscribers receive again from B`, (status) => status.moved === SUBSCRIBERS / 2, { movedFrom: a.url, timeoutMs: 90_000 });
    expect(moved.reconnects).toBeGreaterThanOrEqual(SUBSCRIBERS / 2);
    console.log(`chaos: A's subscribers all receiving from B ${((moved.movedLastFirstValueAt - killedAt) / 1000).toFixed(1)} s after the kill (${moved.reconnects} reconnects, ${moved.failedAttempts} failed attempts: ${JSON.stringify(moved.failedAttemptKinds)})`);
    // and documents go on through B, heard by all of them
    const acknowledgedOnceMoved = documents.acknowledged;
    await waitUntil('40 more documents are acknowledged', () => documents.acknowledged >= acknowledgedOnceMoved + 40, [b]);
    await documents.stop();

    const final = await countInDatabase(database.url, id);
    const ended = await swarm.waitFor(`all ${SUBSCRIBERS} end on the final count ${final}`, (status) => status.atFinal === SUBSCRIBERS, { finalCount: final, timeoutMs: 60_000 });
    expectConsistent(ended);
    expect(ended.receivingOn).toEqual({ [b.url]: SUBSCRIBERS });
    expect(ended.maxCount).toBe(final);

    // B answered every document that reached it with the document, before, during and after the
    // reconnects. (On a starved machine the storm of 1,000 reconnects can fill B's accept queue, and a
    // connect then times out: nothing was sent, and the document goes to B again. Counted, not hidden.)
    expect(documents.answers.filter((answer) => answer.url === b.url && !answer.ok && !answer.neverConnected)).toEqual([]);
    const connectsTimedOutOnB = documents.answers.filter((answer) => answer.url === b.url && answer.neverConnected).length;
    // A did too until it died; what it did not answer was sent again to B
    expect(Object.keys(documents.outcomesOf(a.url)).map((outcome) => outcome.replace(/ \(.*/, ''))).toEqual(expect.arrayContaining(['no answer', 'ok']));
    expect(Object.keys(documents.outcomesOf(a.url)).filter((outcome) => outcome !== 'ok' && !outcome.startsWith('no answer'))).toEqual([]);
    expect(documents.failedDocuments).toBe(0);
    expect(documents.acknowledged).toBe(documents.documents);
    // Nothing acknowledged is lost, and nothing is counted twice but what was on its way to A when it
    // died: such a request may have committed before A died (its answer lost, and the document sent
    // again to B: counted twice) or not (counted once, by B). So the database holds every acknowledged
    // document, plus at most the attempts in flight to A at the kill.
    const unansweredOnA = documents.answers.filter((answer) => answer.url === a.url && answer.status === 0).length;
    console.log(`chaos: ${documents.acknowledged} acknowledged, ${final} counted, ${inFlightOnAAtKill} in flight to A at the kill, ${unansweredOnA} sent to A unanswered, ${connectsTimedOutOnB} connects to B timed out`);
    expect(final).toBeGreaterThanOrEqual(documents.acknowledged);
    expect(final - documents.acknowledged).toBeLessThanOrEqual(inFlightOnAAtKill);
    // B said it was ready at every look, from the first document to the last; A's renderer processes ended with it
    const readiness = await readinessOfB.stop();
    expect(readiness.looks).toBeGreaterThan(5);
    expect(readiness.other).toEqual([]);
    if (readiness.connectsTimedOut + connectsTimedOutOnB > 0) console.log(`chaos: connects to B that timed out: ${connectsTimedOutOnB} of documents, ${readiness.connectsTimedOut} of /ready`);
    await expect.poll(() => renderersOfA.filter((pid) => rendererPidAlive(pid)), { timeout: 30_000 }).toEqual([]);
  }, 240_000);

  it('kill -9 of one of two instances under the SDK through a balancer: every call with its Idempotency-Key makes its document, each counted once', async () => {
    const database = await createTestDatabase('postgresql');
    cleanups.push(() => database.drop());
    const [a, b] = await Promise.all([startInstance({ DATABASE_URL: database.url }), startInstance({ DATABASE_URL: database.url })]);
    const { id, secret } = await accountWithToken(b);
    const balancer = await roundRobinProxy([a.url, b.url]);
    cleanups.push(() => balancer.close());
    const sdk = sdkCallsThrough(balancer.url, secret, 2, 100);
    await waitUntil('the SDK has made 20 documents through both', () => sdk.calls.documentCounts.length >= 20 && Object.values(balancer.connectionsTo).every((connections) => connections > 0), [a, b]);
    const aExited = new Promise((resolve) => a.child.once('exit', (_code, signal) => resolve(signal)));
    a.child.kill('SIGKILL');
    expect(await aExited).toBe('SIGKILL');
    const madeAtKill = sdk.calls.documentCounts.length;
    await waitUntil('the SDK makes 20 more documents', () => sdk.calls.documentCounts.length >= madeAtKill + 20, [b]);
    // calls whose attempt died with A wait, within their deadline, for A's claim on their key to lapse
    await sdk.stop();

    // Every call made its document, and each document counted once. A call in flight on A when it
    // died retried with its key through the balancer to B, and got A's document if A had committed it
    // (a replay), or made it once A's claim lapsed. So the counts the calls were answered with are
    // exactly 1 to the token's count: none missing, none twice.
    const counted = await countInDatabase(database.url, id);
    console.log(`chaos: SDK ${sdk.calls.documentCounts.length} calls answered, ${sdk.calls.replayed} of them replays, ${counted} counted, longest call ${(sdk.calls.longestMs / 1000).toFixed(1)} s`);
    expect(sdk.calls.failures).toEqual([]);
    expect([...sdk.calls.documentCounts].sort((x, y) => x - y)).toEqual(Array.from({ length: counted }, (_, i) => i + 1));
  }, 120_000);

  it("kill -9 mid-render of an SDK call's attempt: the SDK's retry waits out the dead instance's claim on its key, then makes the document once", async () => {
    const database = await createTestDatabase('postgresql');
    cleanups.push(() => database.drop());
    // a render that takes a few seconds, under a render limit above it: time to kill its instance mid-render
    const env = { DATABASE_URL: database.url, RENDER_TIMEOUT_MS: '20000' };
    const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    const { session, id, secret } = await accountWithToken(b);
    const balancer = await roundRobinProxy([a.url, b.url]);
    cleanups.push(() => balancer.close());
    const client = new PogodocClient({ token: secret, baseUrl: balancer.url, envFile: '/nonexistent/.env' });

    // the balancer sends the call's first attempt to A
    const startedAt = Date.now();
    const call = client.renderDocument({ template: '{% for i in (1..1000) %}{% for j in (1..6000) %}{% endfor %}{% endfor %}Invoice for {{ customer }}', data: { customer: 'Ada' } });
    // awaited below; a refusal meanwhile is the test's failure there, not an unhandled rejection
    call.catch(() => {});
    const claimsOnA = async () => {
      const pgClient = new pg.Client({ connectionString: database.url });
      await pgClient.connect();
      try {
        return (await pgClient.query('SELECT "completedAt" FROM "IdempotencyKey" WHERE "tokenId" = $1', [id])).rows;
      } finally {
        await pgClient.end();
      }
    };
    // A holds the key and renders
    await expect.poll(claimsOnA, { timeout: 30_000, interval: 50 }).toEqual([{ completedAt: null }]);
    expect(balancer.connectionsTo).toEqual({ [a.url]: 1, [b.url]: 0 });
    const aExited = new Promise((resolve) => a.child.once('exit', (_code, signal) => resolve(signal)));
    a.child.kill('SIGKILL');
    expect(await aExited).toBe('SIGKILL');

    // the SDK saw the connection cut, retried with the same key through the balancer to B, was told
    // IDEMPOTENCY_KEY_IN_USE until A's claim lapsed, took the key over, and made the document once
    const document = await call;
    expect(document).toMatchObject({ content: 'Invoice for Ada', documentCount: 1, replayed: false });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(IDEMPOTENCY_CLAIM_LEASE_MS);
    expect(await countInDatabase(database.url, id)).toBe(1);
    expect(await claimsOnA()).toEqual([{ completedAt: expect.any(Date) }]);
    // and its answer came from B, which the token's count there confirms
    expect((await httpGql(b.url, 'query($id: ID!) { token(id: $id) { documentCount } }', { id }, session)).data.token.documentCount).toBe(1);
  }, 120_000);

  it('Redis restarted under 500 subscribers across both instances: documents go on, /ready 503 then 200, all end on the exact count', async () => {
    const database = await createTestDatabase('postgresql');
    cleanups.push(() => database.drop());
    const redisPort = await freePort();
    let redis = await startRedis(redisPort);
    cleanups.push(() => redis.stop());
    const env = { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    const [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    const { session, id, secret } = await accountWithToken(a);

    const SUBSCRIBERS = 500;
    const swarm = swarmOf({ urls: [a.url, b.url], session, tokenId: id, count: SUBSCRIBERS, batch: 50, batchPauseMs: 100 });
    await swarm.ready;
    await swarm.waitFor(`all ${SUBSCRIBERS} receive`, (status) => status.receiving === SUBSCRIBERS, { timeoutMs: 60_000 });
    const documents = documentsThrough({ urls: [a.url, b.url], secret, perSecond: 10 });
    documents.start();
    await swarm.waitFor('every subscriber hears live counts', (status) => status.minCount >= 5, { timeoutMs: 60_000 });

    await redis.stop();
    await expect.poll(() => Promise.all([readyStatus(a), readyStatus(b)]), { timeout: 30_000 }).toEqual([503, 503]);
    const notReadyAt = Date.now();
    // documents go on while Redis is down, counted in the database; their events are lost
    await waitUntil('10 documents sent since are acknowledged', () => documents.answers.filter((answer) => answer.sentAt > notReadyAt && answer.ok).length >= 10, [a, b]);
    const countedDuringOutage = await countInDatabase(database.url, id);
    // the outage is real: no subscriber has heard the documents made since Redis went (one of
    // them, sent after /ready said so, has the highest count in the database)
    expect((await swarm.status()).maxCount).toBeLessThan(countedDuringOutage);

    redis = await startRedis(redisPort);
    await expect.poll(() => Promise.all([readyStatus(a), readyStatus(b)]), { timeout: 60_000 }).toEqual([200, 200]);
    const acknowledgedWhenReady = documents.acknowledged;
    await waitUntil('20 more documents are acknowledged', () => documents.acknowledged >= acknowledgedWhenReady + 20, [a, b]);
    await documents.stop();

    // every document that reached an instance was answered with the document (a connect that timed
    // out on a starved machine sent nothing, and went to the other instance), and every one is counted
    expect(documents.answers.filter((answer) => !answer.ok && !answer.neverConnected)).toEqual([]);
    expect(documents.failedDocuments).toBe(0);
    const final = await countInDatabase(database.url, id);
    expect(final).toBe(documents.acknowledged);
    const ended = await swarm.waitFor(`all ${SUBSCRIBERS} end on the final count ${final}`, (status) => status.atFinal === SUBSCRIBERS, { finalCount: final, timeoutMs: 60_000 });
    expectConsistent(ended);
    // they got there on the connections they had (none dropped): the instances read the counts again
    // when Redis came back, since the events of the outage are gone
    expect({ reconnects: ended.reconnects, failedAttempts: ended.failedAttempts }).toEqual({ reconnects: 0, failedAttempts: 0 });
    expect(ended.receivingOn).toEqual({ [a.url]: SUBSCRIBERS / 2, [b.url]: SUBSCRIBERS / 2 });
  }, 180_000);
});

describe('a real PostgreSQL restart', () => {
  it('answers 503 with Retry-After and DATABASE_UNAVAILABLE while PostgreSQL restarts, /ready 503, then recovers without a restart of the service; nothing acknowledged is lost', async () => {
    // a cluster of this test's own: the shared one on 5432 serves the other suites
    const postgres = await startPrivatePostgres();
    cleanups.push(() => postgres.destroy());
    const server = await startInstance({ DATABASE_URL: postgres.url });
    const { secret, id } = await accountWithToken(server);
    // Four clients, each sending its next document as soon as the last is answered (20 ms after a
    // refusal: clients that do not wait out Retry-After, the hardest case). So there are transactions
    // open when PostgreSQL stops and connection attempts while it starts again: the moments a
    // restart tests. (At an open-loop 10 documents a second a restart missed them most runs.)
    const documents = documentsThrough({ urls: [server.url], secret, workers: 4, retryUnanswered: false });
    documents.start();
    await waitUntil('50 documents are acknowledged', () => documents.acknowledged >= 50, [server]);

    // A restart takes a fraction of a second here: three of them, so that a moment one of them
    // misses, another is likely to hit.
    const shutdowns: Array<{ began: number; ended: number }> = [];
    for (let restart = 0; restart < 3; restart++) {
      const began = Date.now();
      await postgres.stop();
      const ended = Date.now();
      shutdowns.push({ began, ended });
      // while it is down: documents are refused with 503, and the service says it is not ready
      await waitUntil('5 documents sent after the stop are refused', () => documents.answers.filter((answer) => answer.sentAt > ended && answer.status === 503).length >= 5, [server]);
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: { database: string } }).checks.database).toBe('unreachable');

      const startBegan = Date.now();
      await postgres.start();
      // it recovers on its own: the same process makes documents again
      await waitUntil('20 documents sent after the start are acknowledged', () => documents.answers.filter((answer) => answer.sentAt > startBegan && answer.ok).length >= 20, [server]);
    }
    await documents.stop();
    expectAlive(server);
    expect(await readyStatus(server)).toBe(200);

    // every answer was the document or that 503: never an internal error (a masked one comes as a
    // 200 without the document), never a dropped connection
    expect(Object.keys(documents.outcomesOf()).sort(), server.output().slice(-4000)).toEqual(['503 DATABASE_UNAVAILABLE', 'ok']);
    const refusals = documents.answers.filter((answer) => answer.status === 503);
    for (const refusal of refusals) expect(refusal.retryAfter).toMatch(/^[1-9]\d*$/);
    // No acknowledged document is lost. A 503 says nothing was changed; the one exception PostgreSQL
    // allows is a commit whose answer was cut off by the shutdown itself, so the count may exceed the
    // acknowledged ones by at most the refused requests in flight while PostgreSQL shut down.
    const inDoubt = refusals.filter((answer) => shutdowns.some(({ began, ended }) => answer.sentAt < ended && answer.at > began)).length;
    const counted = await countInDatabase(postgres.url, id);
    console.log(`chaos: PostgreSQL restarted 3 times: ${documents.acknowledged} acknowledged, ${counted} counted, ${refusals.length} answered 503 (${inDoubt} in flight during a shutdown)`);
    expect(counted).toBeGreaterThanOrEqual(documents.acknowledged);
    expect(counted - documents.acknowledged).toBeLessThanOrEqual(inDoubt);
  }, 120_000);
});

/** Fails at once, with its last output, when a server process that must stay up has ended. */
function expectAlive(server: ServerProcess) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`the server process ended (${server.child.exitCode ?? server.child.signalCode}):\n${server.output().slice(-4000)}`);
  }
}

/** Polls `check` until it holds; fails at once if one of `servers` has ended, and after `timeoutMs`. */
async function waitUntil(what: string, check: () => boolean, servers: ServerProcess[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return;
    servers.forEach(expectAlive);
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function rendererPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
