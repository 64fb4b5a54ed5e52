// Workload 9 (W-usage): the usage query at scale, and what metering adds to each document.
// - a 90-day, hourly usage query on a token with 2 million recorded documents (2,160 hourly
//   buckets, seeded directly rather than by rendering 2M documents), among 50 other tokens with
//   90 days of buckets each, so that the index does the work; p99 on SQLite, and on PostgreSQL
//   with the ratio to SQLite. In-process through yoga.fetch: GraphQL included, HTTP not.
//   Baseline: a bare graphql-yoga answering the same query with the same 2,160 points from
//   memory, measured alternately in the same process: the floor GraphQL itself sets.
// - the bucket write per document: the metered transaction (period upsert, the count, the hour
//   upsert) against the count's UPDATE alone, run alternately on the same database.
//
// It runs in a process of its own with NODE_ENV=production, as the service runs in production:
// graphql-js checks every type test for a duplicate graphql module outside production, which a
// profile put at a quarter of this query's CPU (2,160 objects, 4,320 fields); and a fresh heap, not
// the harness's after eight workloads.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createSchema, createYoga } from 'graphql-yoga';
import { GraphQLScalarType } from 'graphql';
import { buildApp, type App } from '../server/src/app.js';
import { configFromEnv } from '../server/src/config.js';
import { meterDocument } from '../server/src/persistence/metering-statements.js';
import { RECORD_DOCUMENT, recordDocumentParams } from '../server/src/persistence/token-sql.js';
import { appGql } from '../server/test/support/test-app.js';
import { createTestDatabase } from '../server/test/support/test-database.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

const WORKLOAD = '9. W-usage';
const HOURS = 90 * 24;
const DOCUMENTS = 2_000_000;
const OTHER_TOKENS = 50;
const QUERIES = 300;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function seededApp(provider: 'sqlite' | 'postgresql') {
  const database = await createTestDatabase(provider);
  const app = await buildApp({ ...configFromEnv({}), databaseUrl: database.url, logging: false });
  const gql = (query: string, auth?: string, variables: Record<string, unknown> = {}) => appGql(app, query, variables, auth ? { authorization: `Bearer ${auth}` } : {});
  const session = (await gql(`mutation { signUp(email: "usage-${provider}@example.com", password: "bench password") { sessionToken } }`)).data.signUp.sessionToken as string;
  await gql('mutation { choosePlan(planId: "business") { id } }', session);
  const tokens: Array<{ id: string; secret: string }> = [];
  for (let i = 0; i < 10; i++) {
    const created = (await gql(`mutation { generateToken(name: "u${i}") { secret token { id } } }`, session)).data.generateToken;
    tokens.push({ id: created.token.id, secret: created.secret });
  }
  const { prisma } = app.database;
  const accountId = (await prisma.apiToken.findUniqueOrThrow({ where: { id: tokens[0]!.id } })).accountId;
  // the other tokens: deleted ones of the same account, so that the 10-token limit does not apply
  const others = Array.from({ length: OTHER_TOKENS }, (_, i) => `bench-other-${i}`);
  await prisma.apiToken.createMany({
    data: others.map((id) => ({ id, accountId, name: id, secretHash: `hash-${id}`, preview: 'pgd_…', deletedAt: new Date() })),
  });
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const start = end - HOURS * 3_600_000;
  const perHour = Math.floor(DOCUMENTS / HOURS);
  const rowsOf = (tokenId: string, count: (hour: number) => number) =>
    Array.from({ length: HOURS }, (_, hour) => ({ tokenId, accountId, hour: new Date(start + hour * 3_600_000), documentCount: count(hour) }));
  // the measured token: 2,000,000 documents over 2,160 hours
  await prisma.tokenUsageHour.createMany({ data: rowsOf(tokens[0]!.id, (hour) => perHour + (hour < DOCUMENTS - perHour * HOURS ? 1 : 0)) });
  await prisma.apiToken.update({ where: { id: tokens[0]!.id }, data: { documentCount: DOCUMENTS } });
  for (const id of others) await prisma.tokenUsageHour.createMany({ data: rowsOf(id, () => 10) });
  if (provider === 'postgresql') await prisma.$executeRawUnsafe('ANALYZE "TokenUsageHour"');
  return { app, database, session, tokens, range: { from: new Date(start).toISOString(), to: new Date(end).toISOString() } };
}

const USAGE_QUERY = 'query($id: ID, $from: DateTime!, $to: DateTime!) { usage(tokenId: $id, from: $from, to: $to, granularity: HOUR) { at documentCount } }';

/** The baseline: the same query answered by a bare graphql-yoga from points in memory. */
function bareUsageYoga(range: { from: string; to: string }) {
  const start = Date.parse(range.from);
  const points = Array.from({ length: HOURS }, (_, hour) => ({ at: new Date(start + hour * 3_600_000), documentCount: Math.floor(DOCUMENTS / HOURS) }));
  const DateTime = new GraphQLScalarType({ name: 'DateTime', serialize: (value) => (value as Date).toISOString(), parseValue: (value) => new Date(value as string) });
  return createYoga({
    schema: createSchema({
      typeDefs: `scalar DateTime
        enum UsageGranularity { HOUR DAY }
        type UsagePoint { at: DateTime! documentCount: Int! }
        type Query { usage(tokenId: ID, from: DateTime!, to: DateTime!, granularity: UsageGranularity!): [UsagePoint!]! }`,
      resolvers: { DateTime, Query: { usage: () => points } },
    }),
    logging: false,
  });
}

async function queryTimes(app: App, session: string, tokenId: string, range: { from: string; to: string }) {
  const run = () => appGql(app, USAGE_QUERY, { id: tokenId, ...range }, { authorization: `Bearer ${session}` });
  const bare = bareUsageYoga(range);
  const runBare = async () => {
    const response = await bare.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: USAGE_QUERY, variables: { id: tokenId, ...range } }) });
    return (await response.json()) as { data: { usage: unknown[] } };
  };
  const check = await run();
  if (!check.data) throw new Error(`the usage query failed: ${JSON.stringify(check.errors)}`);
  const points = check.data.usage as Array<{ documentCount: number }>;
  const sum = points.reduce((total, point) => total + point.documentCount, 0);
  if (points.length !== HOURS || sum !== DOCUMENTS) throw new Error(`usage query returned ${points.length} points summing to ${sum}`);
  if ((await runBare()).data?.usage.length !== HOURS) throw new Error('the baseline returned the wrong number of points');
  for (let i = 0; i < 30; i++) {
    await run();
    await runBare();
  } // warm-up
  const ours: number[] = [];
  const baseline: number[] = [];
  // alternately, so that both see the same moments of a shared machine
  for (let i = 0; i < QUERIES; i++) {
    let started = performance.now();
    await run();
    ours.push(performance.now() - started);
    started = performance.now();
    await runBare();
    baseline.push(performance.now() - started);
  }
  const summary = (times: number[]) => {
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
  };
  return { ours: summary(ours), baseline: summary(baseline) };
}

/** µs per document: the metered transaction, and the count's UPDATE alone, alternating in rounds. */
async function writeCost(app: App, tokenId: string) {
  const { sql } = app.database;
  const rounds = 5;
  const perRound = 1000;
  const metered: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    for (let i = 0; i < perRound; i++) await meterDocument(sql, tokenId, { at: new Date(), clientAddress: '127.0.0.1', userAgent: null }, () => new Date());
    metered.push(((performance.now() - started) * 1000) / perRound);
    started = performance.now();
    for (let i = 0; i < perRound; i++) await sql.rows(RECORD_DOCUMENT, recordDocumentParams(tokenId, { at: new Date(), clientAddress: '127.0.0.1', userAgent: null }));
    bare.push(((performance.now() - started) * 1000) / perRound);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { metered: median(metered), bare: median(bare) };
}

type Measured = Parameters<Add>;

/** Runs in the child process: measures, and sends each figure to the harness. */
async function measureUsage(report: (...figure: Measured) => void): Promise<void> {
  const p99s: Record<string, number> = {};
  for (const provider of ['sqlite', 'postgresql'] as const) {
    const { app, database, session, tokens, range } = await seededApp(provider);
    try {
      const { ours, baseline } = await queryTimes(app, session, tokens[0]!.id, range);
      p99s[provider] = ours.p99;
      const name = provider === 'sqlite' ? 'SQLite' : 'PostgreSQL';
      if (provider === 'sqlite') {
        report(WORKLOAD, '90-day hourly usage query, 2M documents, SQLite p99 (ms), vs bare yoga with the points in memory', ours.p99, '< 50 ms', { baseline: baseline.p99, met: ours.p99 < 50 });
      } else {
        report(WORKLOAD, '90-day hourly usage query, PostgreSQL p99 (ms), vs SQLite', ours.p99, 'report, ratio to SQLite', { baseline: p99s.sqlite });
        report(WORKLOAD, '90-day hourly usage query, PostgreSQL p99 (ms), vs bare yoga with the points in memory', ours.p99, 'report', { baseline: baseline.p99 });
      }
      report(WORKLOAD, `90-day hourly usage query, ${name} p50 (ms), vs bare yoga with the points in memory`, ours.p50, 'report', { baseline: baseline.p50 });
      const cost = await writeCost(app, tokens[1]!.id);
      report(WORKLOAD, `${provider}: µs per document, metered transaction (3 statements + BEGIN/COMMIT) vs the count's UPDATE alone`, cost.metered, 'report', { baseline: cost.bare });
      report(WORKLOAD, `${provider}: µs the metering adds per document`, cost.metered - cost.bare, 'report');
    } finally {
      await app.stop();
      await database.drop();
    }
  }
}

export async function usageWorkload(add: Add): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (figure: Measured) => add(...figure));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the W-usage process exited with ${code}`);
}

const CHILD_FLAG = '--usage-workload';
if (process.argv.includes(CHILD_FLAG)) {
  const sent: Array<Promise<void>> = [];
  const send = (figure: Measured) => sent.push(new Promise<void>((resolve) => process.send!(figure, undefined, undefined, () => resolve())));
  measureUsage((...figure) => send(figure)).then(
    // every figure delivered before the process ends
    () => Promise.all(sent).then(() => process.exit(0)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
