// Workload 11, what the integrator's view costs workload 1: the request log (every document request
// buffered and written in batches) on ÷ off, and 1b, the per-token rate limit's two windows.
//
// The request log: two servers alike but for REQUEST_LOG, taking turns in alternating order (as
// workload 8 does) so that drift on this shared machine falls on both alike; medians of the turns.
// Afterwards the log's own rows are counted in the database file: entries written against the
// documents counted, so that a cheap log is not one that dropped what it should have kept.
import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import type autocannon from 'autocannon';
import { httpGql } from '../server/test/support/http-client.js';
import type { ServerProcess } from '../server/test/support/server-process.js';
import { median } from './median.js';
import { REFUSED_ENTRIES_PER_TOKEN_PER_SECOND } from '../server/src/persistence/request-log-writer.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

export interface RequestLogCostOptions {
  startServer: (env: Record<string, string>) => Promise<ServerProcess>;
  cannon: (url: string, body: unknown, headers: Record<string, string>, seconds: number) => Promise<autocannon.Result>;
  cpuTicksOf: (pid: number) => number;
  ticksPerSecond: number;
  workDir: string;
  seconds: number;
  warmUpSeconds: number;
  rounds: number;
}

const WORKLOAD = '11. request log cost on workload 1';
const DOCUMENT = { query: 'mutation { renderDocument(template: "Invoice for {{ customer }}", data: { customer: "Ada" }) { documentCount } }' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


async function tokenOf(url: string): Promise<{ session: string; id: string; secret: string }> {
  const email = `bench-log-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const session = (await httpGql(url, 'mutation($e: String!) { signUp(email: $e, password: "bench password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
  await httpGql(url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  const generated = (await httpGql(url, 'mutation { generateToken(name: "bench log") { secret token { id } } }', {}, session)).data.generateToken;
  return { session, id: generated.token.id, secret: generated.secret };
}

export async function requestLogCost(add: Add, options: RequestLogCostOptions): Promise<void> {
  const logged = path.join(options.workDir, `request-log-on-${Date.now()}.db`);
  const variants: Array<{ name: string; env: Record<string, string> }> = [
    { name: 'request log off', env: { REQUEST_LOG: '0' } },
    { name: 'request log on', env: { DATABASE_URL: `file:${logged}` } },
  ];
  const servers = await Promise.all(variants.map((variant) => options.startServer(variant.env)));
  const tokens = await Promise.all(servers.map((server) => tokenOf(server.url)));
  const headers = (i: number) => ({ authorization: `Bearer ${tokens[i]!.secret}` });
  for (const [i, server] of servers.entries()) await options.cannon(server.url, DOCUMENT, headers(i), options.warmUpSeconds);
  const throughput = variants.map(() => [] as number[]);
  const cpuMsPerRequest = variants.map(() => [] as number[]);
  for (let round = 0; round < options.rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const server = servers[i]!;
      const before = options.cpuTicksOf(server.child.pid!);
      const result = await options.cannon(server.url, DOCUMENT, headers(i), options.seconds);
      // requests still in flight when autocannon stopped, and the log's last batch of the turn
      await sleep(500);
      cpuMsPerRequest[i]!.push(((options.cpuTicksOf(server.child.pid!) - before) * (1000 / options.ticksPerSecond)) / Math.max(1, result['2xx']));
      throughput[i]!.push(result.requests.average);
      if (result.non2xx || result.errors) console.warn(`${variants[i]!.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
  }
  // what the log kept: its entries of the token against the requests that presented it
  const on = servers[1]!;
  const counted = (await httpGql(on.url, 'query($id: ID!) { token(id: $id) { documentCount } }', { id: tokens[1]!.id }, tokens[1]!.session)).data.token.documentCount as number;
  await sleep(1000);
  const database = new BetterSqlite3(logged, { readonly: true });
  const entriesOf = (outcome: string) => (database.prepare('SELECT COUNT(*) AS n FROM "RequestLogEntry" WHERE "tokenId" = ? AND "outcome" = ?').get(tokens[1]!.id, outcome) as { n: number }).n;
  const [ok, aborted] = [entriesOf('OK'), entriesOf('ABORTED')];
  const entries = (database.prepare('SELECT COUNT(*) AS n FROM "RequestLogEntry" WHERE "tokenId" = ?').get(tokens[1]!.id) as { n: number }).n;
  const countedOf = (outcome: string) => (database.prepare('SELECT COALESCE(SUM("count"), 0) AS n FROM "RequestOutcomeHour" WHERE "tokenId" = ? AND "outcome" = ?').get(tokens[1]!.id, outcome) as { n: number }).n;
  const summed = (database.prepare('SELECT COALESCE(SUM("count"), 0) AS n FROM "RequestOutcomeHour" WHERE "tokenId" = ?').get(tokens[1]!.id) as { n: number }).n;
  const [okCounted, abortedCounted] = [countedOf('OK'), countedOf('ABORTED')];
  database.close();
  await Promise.all(servers.map((server) => server.stop()));

  const [offRate, onRate] = throughput.map(median) as [number, number];
  const [offCpu, onCpu] = cpuMsPerRequest.map(median) as [number, number];
  add(WORKLOAD, `throughput, log on ÷ off (req/s; median of ${options.rounds} turns)`, onRate, '≥ 0.95× log off (issue 26)', { baseline: offRate, met: onRate >= 0.95 * offRate });
  add(WORKLOAD, `server CPU per request, log on ÷ off (ms; median of ${options.rounds} turns)`, onCpu, 'report', { baseline: offCpu });
  // Every request is in the outcome counts, which are never dropped. What the log promises for its
  // entries: every OK request has one (the buffer drops none at this rate), and refused ones have
  // one up to REFUSED_ENTRIES_PER_TOKEN_PER_SECOND a token. autocannon cuts its 50 connections at
  // each turn's end; a document counted whose client had gone is ABORTED, a refusal, so at most 20
  // of those 50 have an entry (bench/NOTES.md). Entries against all requests would count those as lost.
  add(WORKLOAD, 'OK entries written ÷ OK requests in the outcome counts', ok / Math.max(1, okCounted), 'exactly 1.0 (nothing dropped at this rate)', { met: ok === okCounted });
  add(WORKLOAD, `ABORTED entries written, of ABORTED requests counted (${REFUSED_ENTRIES_PER_TOKEN_PER_SECOND} refusals a token a second have an entry)`, aborted, `${Math.min(abortedCounted, REFUSED_ENTRIES_PER_TOKEN_PER_SECOND)} to ${abortedCounted}`, { met: aborted <= abortedCounted && aborted >= Math.min(abortedCounted, REFUSED_ENTRIES_PER_TOKEN_PER_SECOND) });
  add(WORKLOAD, 'documents counted, between the OK entries and the OK + ABORTED requests counted', counted, `${ok} to ${okCounted + abortedCounted}`, { met: ok <= counted && counted <= okCounted + abortedCounted });
  console.log(`${WORKLOAD}: ${counted} documents counted; entries: ${ok} OK, ${aborted} ABORTED, ${entries} in all; outcome counts: ${okCounted} OK, ${abortedCounted} ABORTED, ${summed} in all`);
  console.log(`${WORKLOAD}: per turn, off ${throughput[0]!.map(Math.round)}, on ${throughput[1]!.map(Math.round)} req/s; CPU ms per request off ${cpuMsPerRequest[0]!.map((ms) => ms.toFixed(3))}, on ${cpuMsPerRequest[1]!.map((ms) => ms.toFixed(3))}`);
}

/**
 * What a token's rate limit adds to a document: counting it in both windows (the in-memory counters
 * of a single instance; with Redis, one increment per window, sent together) and comparing with its
 * limits, against the same loop calling nothing.
 */
export async function tokenRateLimitCost(add: Add): Promise<void> {
  const { createRateLimiters } = await import('../server/src/rate-limiting/rate-limiters.js');
  const { limitsFromEnv } = await import('../server/src/config.js');
  const { countTokenRequest } = await import('../server/src/domain/token-rate-limits.js');
  const limiters = createRateLimiters(limitsFromEnv({}));
  const policy = { perSecond: 1_000_000_000, perMinute: 1_000_000_000 };
  const rounds = 200_000;
  const measure = async (work: (i: number) => Promise<unknown>) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) await work(i);
    return Number(process.hrtime.bigint() - started) / rounds / 1000;
  };
  // a thousand tokens, as many keys as a busy instance holds
  const count = (i: number) => countTokenRequest(limiters, `token-${i % 1000}`, policy);
  const nothing = async (_i: number) => undefined;
  for (let warm = 0; warm < 2; warm++) await measure(count);
  const baseline = await measure(nothing);
  const cost = (await measure(count)) - baseline;
  await limiters.close();
  add('1b. token rate limit (per second and per minute)', 'µs per request, in memory', cost, '< 5 µs', { met: cost < 5 });
}
