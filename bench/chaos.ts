// Workload 14, chaos: what a client sees when an instance or the database goes away.
//
// 1. kill -9 of one of two instances (PostgreSQL + Redis, as workload 6) under 2,000 live dashboards,
//    half on each, while documents go through a load balancer at 100 a second (round robin; a
//    request that gets no answer is sent again to the other instance). The dashboards reconnect as
//    client/src/live-socket.ts does (500 ms × 2^n, up to 10 s, + up to 300 ms of jitter), through
//    the load balancer to the survivor. The harness is server/test/support/chaos-swarm.ts, which
//    server/test/multi-instance/chaos.test.ts uses too. Measured: the dashboards ending on the exact
//    final count (exactly 1.0), acknowledged documents lost (0), the seconds from the kill until
//    every dashboard of the killed instance receives again from the survivor, and the delivery p99
//    after the kill (once they all do) against before it.
// 2. A real PostgreSQL restart (pg_ctl stop -m fast, then start, on a private cluster:
//    server/test/support/private-postgres.ts), three times, seconds apart, under one instance and
//    four clients sending documents back to back, no retries: how long documents are answered 503
//    (DATABASE_UNAVAILABLE, Retry-After), answers that were neither 2xx nor 503 (0: an internal
//    error, or no answer at all, as when the process died), the seconds from PostgreSQL accepting
//    connections again to the first 2xx, and acknowledged documents lost (0). A restart takes a
//    fraction of a second here; back-to-back clients keep transactions open at the moment it
//    comes, and three restarts make a service that mishandles one likelier still to show it.
import pg from 'pg';
import { BalancedDocuments, startChaosSwarm, type ChaosSwarmStatus } from '../server/test/support/chaos-swarm.js';
import { httpGql } from '../server/test/support/http-client.js';
import { startPrivatePostgres } from '../server/test/support/private-postgres.js';
import { freePort, startRedis, type ServerProcess } from '../server/test/support/server-process.js';
import { createTestDatabase } from '../server/test/support/test-database.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

export interface ChaosWorkloadOptions {
  /** Starts an instance as production runs it; `env` names its database (and Redis). */
  startServer: (env: Record<string, string>) => Promise<ServerProcess>;
  /** Live dashboards, half on each instance (default 2,000). */
  subscribers?: number;
  /** Documents a second through the load balancer (default 100). */
  documentsPerSecond?: number;
  /** Seconds of steady documents before the kill, and again once every dashboard is back (default 10). */
  seconds?: number;
  /** PostgreSQL restarts in part 2, seconds apart (default 3). */
  postgresRestarts?: number;
  /** The workload's number in the results (default 14). */
  number?: number;
}

// what bench/run.ts's servers have already (BENCH_ENV), for a caller whose startServer has not
const LOOPBACK_LOAD_ENV = {
  MAX_CONNECTIONS_PER_ADDRESS: '0',
  WS_MAX_CONNECTIONS_PER_ACCOUNT: '100000',
  DOCUMENTS_PER_TOKEN_PER_MINUTE: '100000000',
  DOCUMENTS_PER_TOKEN_PER_SECOND: '100000000',
};
/** Clients sending documents back to back through a PostgreSQL restart. */
const RESTART_CLIENTS = 4;
/** How long a step may take before the workload reports what it got and moves on. */
const STEP_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function accountWithToken(url: string) {
  const email = `chaos-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const session = (await httpGql(url, 'mutation($e: String!) { signUp(email: $e, password: "bench password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
  await httpGql(url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  const generated = await httpGql(url, 'mutation { generateToken(name: "chaos") { secret token { id } } }', {}, session);
  return { session, id: generated.data.generateToken.token.id as string, secret: generated.data.generateToken.secret as string };
}

async function countInDatabase(databaseUrl: string, tokenId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ documentCount: number }>('SELECT "documentCount" FROM "ApiToken" WHERE "id" = $1', [tokenId])).rows[0]!.documentCount;
  } finally {
    await client.end();
  }
}

/** The answered-at times of the counts answered within [from, to). */
function answeredBetween(answeredAt: Record<number, number>, from: number, to: number): Record<number, number> {
  return Object.fromEntries(Object.entries(answeredAt).filter(([, at]) => at >= from && at < to));
}

/** The p99 of the time from sending to a 2xx answer, over the attempts answered within [from, to). */
function answerP99(documents: BalancedDocuments, from: number, to: number): number {
  const times = documents.answers.filter((answer) => answer.at >= from && answer.at < to && answer.ok).map((answer) => answer.at - answer.sentAt);
  times.sort((x, y) => x - y);
  return times.length ? times[Math.min(times.length - 1, Math.floor(0.99 * times.length))]! : NaN;
}

export async function chaosWorkload(add: Add, options: ChaosWorkloadOptions): Promise<void> {
  await killOneOfTwo(add, options);
  await postgresRestart(add, options);
}

async function killOneOfTwo(add: Add, { startServer, subscribers = 2000, documentsPerSecond = 100, seconds = 10, number = 14 }: ChaosWorkloadOptions) {
  const workload = `${number}. chaos: kill -9 of one of two instances (${subscribers} subscribers, ${documentsPerSecond} documents/s)`;
  const database = await createTestDatabase('postgresql');
  const redisPort = await freePort();
  const redis = await startRedis(redisPort);
  const env = { ...LOOPBACK_LOAD_ENV, DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
  const servers: ServerProcess[] = [];
  let swarm: ReturnType<typeof startChaosSwarm> | undefined;
  let documents: BalancedDocuments | undefined;
  try {
    const [a, b] = await Promise.all([startServer(env), startServer(env)]);
    servers.push(a, b);
    const { session, id, secret } = await accountWithToken(b.url);
    swarm = startChaosSwarm({
      urls: [a.url, b.url],
      session,
      tokenId: id,
      count: subscribers,
      batch: 50,
      batchPauseMs: 250,
      // the dashboard's own backoff (client/src/live-socket.ts)
      retryBaseMs: 500,
      retryMaxMs: 10_000,
      retryJitterMs: 300,
      recordReceipts: true,
    });
    await swarm.ready;
    const subscribed = await swarm.waitFor(`all ${subscribers} receive`, (status) => status.receiving === subscribers, { timeoutMs: STEP_TIMEOUT_MS }).catch(() => swarm!.status());
    if (subscribed.receiving < subscribers) add(workload, 'subscribers receiving before the kill', subscribed.receiving, `all ${subscribers}`, { met: false });

    documents = new BalancedDocuments({ urls: [a.url, b.url], secret, perSecond: documentsPerSecond });
    documents.start();
    await sleep(3000); // warm-up: JIT, pools, the first events' fan-out
    const measuredFrom = Date.now();
    await sleep(seconds * 1000);

    const inFlightOnA = documents.inFlightOn(a.url);
    const killedAt = Date.now();
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    await exited;
    const half = Math.ceil(subscribers / 2); // subscriber i starts on urls[i % 2]: the even ones on A
    let moved: ChaosSwarmStatus;
    try {
      moved = await swarm.waitFor(`A's ${half} subscribers receive from B`, (status) => status.moved === half, { movedFrom: a.url, timeoutMs: STEP_TIMEOUT_MS });
    } catch {
      moved = await swarm.status({ movedFrom: a.url });
    }
    const recoveredAt = moved.moved === half ? moved.movedLastFirstValueAt : Date.now();
    await sleep(Math.max(0, recoveredAt + seconds * 1000 - Date.now()));
    await documents.stop();
    const stoppedAt = Date.now();

    const final = await countInDatabase(database.url, id);
    const ended = await swarm
      .waitFor(`all ${subscribers} end on ${final}`, (status) => status.atFinal === subscribers, { finalCount: final, timeoutMs: 60_000 })
      .catch(() => swarm!.status({ finalCount: final }));
    const before = await swarm.latency(answeredBetween(documents.answeredAt, measuredFrom, killedAt));
    const after = await swarm.latency(answeredBetween(documents.answeredAt, recoveredAt, stoppedAt));
    const bOutcomes = documents.outcomesOf(b.url);
    const bNotOk = Object.entries(bOutcomes).reduce((sum, [outcome, n]) => sum + (outcome === 'ok' ? 0 : n), 0);

    add(workload, 'subscribers ending on the exact final count (fraction)', ended.atFinal / subscribers, 'exactly 1.0', { met: ended.atFinal === subscribers });
    add(workload, 'acknowledged documents lost (acknowledged − counted, if above 0)', Math.max(0, documents.acknowledged - final), '0', { met: documents.acknowledged <= final });
    add(workload, `documents counted beyond those acknowledged (at most the ${inFlightOnA} in flight to A at the kill)`, final - documents.acknowledged, `0 to ${inFlightOnA}`, {
      met: final - documents.acknowledged >= 0 && final - documents.acknowledged <= inFlightOnA,
    });
    add(workload, 'documents that got no 2xx in the end (B refused, or no answer anywhere)', documents.failedDocuments, '0', { met: documents.failedDocuments === 0 });
    add(workload, "B's answers that were not the document (2xx)", bNotOk, '0 (B keeps answering)', { met: bNotOk === 0 });
    for (const [outcome, count] of Object.entries(bOutcomes)) if (outcome !== 'ok') add(workload, `B's answers: ${outcome}`, count, 'report');
    add(workload, 'document answer p99 after the kill vs before (ms, from sending to the 2xx)', answerP99(documents, recoveredAt, stoppedAt), 'report', { baseline: answerP99(documents, measuredFrom, killedAt) });
    add(workload, `seconds from the kill until all ${half} of A's subscribers receive from B`, moved.moved === half ? (moved.movedLastFirstValueAt - killedAt) / 1000 : NaN, 'report', moved.moved === half ? {} : { met: false });
    add(workload, 'delivery p99 after the kill (all on B) vs before (ms)', after.p99, 'report', { baseline: before.p99 });
    add(workload, 'delivery p50 after the kill vs before (ms)', after.p50, 'report', { baseline: before.p50 });
    add(workload, 'counts going backwards, or not growing within a subscription', ended.backwards + ended.notGrowingWithinSubscription, '0', { met: ended.backwards + ended.notGrowingWithinSubscription === 0 });
  } finally {
    await documents?.stop();
    await swarm?.stop();
    await Promise.all(servers.map((server) => (server.child.exitCode === null && server.child.signalCode === null ? server.stop() : undefined)));
    await redis.stop();
    await database.drop();
  }
}

async function postgresRestart(add: Add, { startServer, seconds = 10, number = 14, postgresRestarts = 3 }: ChaosWorkloadOptions) {
  const workload = `${number}. chaos: PostgreSQL restart (pg_ctl stop -m fast; start) ×${postgresRestarts} under ${RESTART_CLIENTS} clients sending back to back`;
  const postgres = await startPrivatePostgres();
  let server: ServerProcess | undefined;
  let documents: BalancedDocuments | undefined;
  try {
    server = await startServer({ ...LOOPBACK_LOAD_ENV, DATABASE_URL: postgres.url });
    const alive = () => server!.child.exitCode === null && server!.child.signalCode === null;
    const { id, secret } = await accountWithToken(server.url);
    // Closed loop: clients that send their next document once the last is answered (20 ms after a
    // refusal, not waiting out Retry-After). Transactions are open whenever PostgreSQL stops and
    // connections are attempted while it starts: the moments a restart tests. At an open-loop
    // 100 documents/s a compiled server is idle most of the time, and the restart mostly misses them.
    documents = new BalancedDocuments({ urls: [server.url], secret, workers: RESTART_CLIENTS, retryUnanswered: false });
    documents.start();
    const restarts: Array<{ stopBegan: number; acceptingAgain: number; firstAfter?: number }> = [];
    await sleep(3000); // warm-up
    for (let restart = 0; restart < postgresRestarts && alive(); restart++) {
      const stopBegan = Date.now();
      await postgres.stop();
      await postgres.start();
      const acceptingAgain = Date.now();
      // documents go on until one sent after the restart is acknowledged (bounded)
      const firstAfter = () => documents!.answers.find((answer) => answer.sentAt >= acceptingAgain && answer.ok);
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      while (!firstAfter() && Date.now() < deadline && alive()) await sleep(50);
      restarts.push({ stopBegan, acceptingAgain, firstAfter: firstAfter()?.at });
      await sleep(Math.min(5, seconds) * 1000);
    }
    await documents.stop();

    const answers = documents.answers;
    const refusals = answers.filter((answer) => answer.status === 503);
    const others = answers.filter((answer) => !answer.ok && answer.status !== 503);
    const wellFormed = refusals.filter((answer) => answer.code === 'DATABASE_UNAVAILABLE' && /^[1-9]\d*$/.test(answer.retryAfter ?? '')).length;
    // per restart: from its first 503 to its last (the restarts are seconds apart)
    const refusalSeconds = restarts.map(({ stopBegan, firstAfter }) => {
      const own = refusals.filter((answer) => answer.at >= stopBegan && answer.at <= (firstAfter ?? Infinity));
      return own.length ? (own.at(-1)!.at - own[0]!.at) / 1000 : 0;
    });
    const toFirst2xx = restarts.map(({ acceptingAgain, firstAfter }) => (firstAfter === undefined ? NaN : (firstAfter - acceptingAgain) / 1000));
    const pgCtlSeconds = restarts.map(({ stopBegan, acceptingAgain }) => (acceptingAgain - stopBegan) / 1000);
    const counted = await countInDatabase(postgres.url, id);
    const survived = alive();
    const outcomes = documents.outcomesOf();
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

    add(workload, 'restarts done (the service must survive each)', restarts.length, `${postgresRestarts}`, { met: restarts.length === postgresRestarts && survived });
    add(workload, 'seconds of 503 answers per restart (first to last, mean)', mean(refusalSeconds), 'report', { baseline: mean(pgCtlSeconds) });
    add(workload, '503 answers with DATABASE_UNAVAILABLE and Retry-After (fraction)', refusals.length ? wellFormed / refusals.length : 1, 'exactly 1.0', { met: wellFormed === refusals.length });
    add(workload, 'answers neither the document (2xx) nor 503 (an internal error, or no answer)', others.length, '0', { met: others.length === 0 });
    for (const [outcome, count] of Object.entries(outcomes)) if (outcome !== 'ok' && !outcome.startsWith('503')) add(workload, `answers: ${outcome}`, count, 'report');
    add(workload, 'seconds from PostgreSQL accepting again to the first 2xx (worst restart)', Math.max(...toFirst2xx), 'report', toFirst2xx.every(Number.isFinite) ? {} : { met: false });
    add(workload, 'acknowledged documents lost (acknowledged − counted, if above 0)', Math.max(0, documents.acknowledged - counted), '0', { met: documents.acknowledged <= counted });
    add(workload, 'the service process survived (1 = yes)', survived ? 1 : 0, '1', { met: survived });
    if (!survived) console.warn(`${workload}: the server process ended:\n${server.output().slice(-3000)}`);
  } finally {
    await documents?.stop();
    if (server && server.child.exitCode === null && server.child.signalCode === null) await server.stop();
    await postgres.destroy();
  }
}
