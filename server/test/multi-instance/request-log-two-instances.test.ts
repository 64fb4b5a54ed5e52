// A token's rate limit and its request log across two real server processes sharing one
// PostgreSQL database and one Redis: the limit is exact over both (one count in Redis), every
// request either instance served is in the log, and the live feed on one instance hears of the
// other's requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { freePort, startRedis, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { httpGql } from '../support/http-client.js';
import { collect, wsClient } from '../support/ws-client.js';
import { REFUSED_ENTRIES_PER_TOKEN_PER_SECOND } from '../../src/persistence/request-log-writer.js';

let database: TestDatabase;
let redis: { stop(): Promise<void> };
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  database = await createTestDatabase('postgresql');
  const redisPort = await freePort();
  redis = await startRedis(redisPort);
  const env = { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await database?.drop();
});

const RENDER = 'mutation { renderDocument(template: "x", data: {}) { documentCount } }';

async function teamWithToken(name: string): Promise<{ session: string; tokenId: string; secret: string }> {
  const signUp = await httpGql(a.url, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', { e: `${name}-${process.pid}-${Date.now()}@example.com` });
  const session = signUp.data.signUp.sessionToken as string;
  await httpGql(b.url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  const generated = await httpGql(a.url, 'mutation($n: String!) { generateToken(name: $n) { secret token { id } } }', { n: name }, session);
  return { session, tokenId: generated.data.generateToken.token.id, secret: generated.data.generateToken.secret };
}

interface Entry {
  outcome: string;
  requestId: string;
}

/** The token's log, read from `server`, once it holds at least `count` entries (each instance writes its own every 250 ms). */
async function logOf(server: ServerProcess, session: string, tokenId: string, count: number): Promise<Entry[]> {
  for (let attempt = 0; ; attempt++) {
    const page = await httpGql(server.url, 'query($t: ID!) { requestConnection(tokenId: $t, first: 100) { edges { node { outcome requestId } } } }', { t: tokenId }, session);
    const entries = (page.data.requestConnection.edges as Array<{ node: Entry }>).map((edge) => edge.node);
    if (entries.length >= count || attempt >= 100) return entries;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The token's outcome counts over the last hour, read from `server`, once they add up to `total`. */
async function summaryOf(server: ServerProcess, session: string, tokenId: string, total: number) {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  for (let attempt = 0; ; attempt++) {
    const to = new Date(Date.now() + 60_000).toISOString();
    const answer = await httpGql(server.url, 'query($t: ID!, $from: DateTime!, $to: DateTime!) { requestSummary(tokenId: $t, from: $from, to: $to, granularity: HOUR) { okCount refusedCount refusals { outcome count } } }', { t: tokenId, from, to }, session);
    const summary = answer.data.requestSummary as { okCount: number; refusedCount: number };
    if (summary.okCount + summary.refusedCount >= total || attempt >= 100) return summary;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a token across two instances', () => {
  it('is held to its rate limit exactly over both; every request either served is counted, and logged up to the refusal budget', async () => {
    const { session, tokenId, secret } = await teamWithToken('limited');
    const set = await httpGql(b.url, 'mutation($id: ID!) { updateToken(id: $id, rateLimitPerMinute: 20) { rateLimit { perMinute } } }', { id: tokenId }, session);
    expect(set.data.updateToken.rateLimit.perMinute).toBe(20);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => httpGql(i % 2 ? a.url : b.url, RENDER, {}, secret)));
    const made = results.filter((result) => result.data?.renderDocument);
    expect(made).toHaveLength(20);
    expect(results.filter((result) => !result.data?.renderDocument).map((result) => [result.status, result.errors?.[0]?.extensions?.code])).toEqual(Array(40).fill([429, 'RATE_LIMITED']));

    // the counts are exact over both instances; the entries are every OK one and the refusals up to
    // each instance's budget of 20 a second per token (request-log-writer.ts), however the 40 split
    const summary = await summaryOf(a, session, tokenId, 60);
    expect(summary).toEqual({ okCount: 20, refusedCount: 40, refusals: [{ outcome: 'RATE_LIMITED', count: 40 }] });
    const entries = await logOf(a, session, tokenId, 20);
    expect(entries.filter((entry) => entry.outcome === 'OK')).toHaveLength(20);
    const refusals = entries.filter((entry) => entry.outcome === 'RATE_LIMITED');
    expect(refusals.length).toBeGreaterThanOrEqual(REFUSED_ENTRIES_PER_TOKEN_PER_SECOND);
    expect(refusals.length).toBeLessThanOrEqual(40);
    expect(new Set(entries.map((entry) => entry.requestId)).size).toBe(entries.length);
  });

  it('the live log on one instance hears of requests the other served', async () => {
    const { session, tokenId, secret } = await teamWithToken('watched');
    const client = wsClient(a.url, { connectionParams: { authorization: `Bearer ${session}` } });
    const live = collect<{ requestLogged: Entry }>(client, 'subscription($t: ID) { requestLogged(tokenId: $t) { outcome requestId } }', { t: tokenId });
    // the subscription joins its channel asynchronously: requests on the other instance until one arrives
    for (let attempt = 0; attempt < 100 && live.values.length === 0; attempt++) {
      await httpGql(b.url, '{ tokenInfo { token { id } } }', {}, secret);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await live.waitFor(1);
    const seen = live.values.length;
    await httpGql(b.url, RENDER, {}, secret, { 'x-request-id': 'served-by-b' });
    await live.waitUntil((values) => values.some((value) => value.requestLogged.requestId === 'served-by-b'));
    expect(live.values.slice(seen).map((value) => value.requestLogged).find((entry) => entry.requestId === 'served-by-b')).toEqual({ outcome: 'OK', requestId: 'served-by-b' });
    expect(live.errors).toEqual([]);
    live.dispose();
    await client.dispose();
  });
});
