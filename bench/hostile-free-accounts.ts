// Workload 7, many accounts: sign-up is free, so one attacker can be several free accounts. Four
// free accounts each keep three renders that run to the timeout in flight, against a well-behaved
// paying (Pro) account's trivial documents at a steady rate. The baseline is the same account at
// the same rate on the same server, measured first in the same run without them. The share of the
// render pool by plan (server/src/rendering/fair-slots.ts) is what keeps the two apart: before it,
// the well-behaved p50 went from 8 ms to 2.4-2.6 s.
import { httpGql } from '../server/test/support/http-client.js';
import type { ServerProcess } from '../server/test/support/server-process.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

const WORKLOAD = '7. noisy neighbour, 4 hostile free accounts';
const HOSTILE_ACCOUNTS = 4;
const RENDERS_KEPT_PER_ACCOUNT = 3;
const DOCUMENTS_PER_SECOND = 50;
/** Spins far longer than any timeout, allocating almost nothing. */
const ENDLESS_LOOP = '{% assign r = (1..100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}';
const RENDER_MUTATION = 'mutation($t: String!, $d: JSON!) { renderDocument(template: $t, data: $d) { documentCount } }';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** A new account on `plan`, and the secret of a token of it. */
async function accountOnPlan(url: string, plan: string): Promise<string> {
  const email = `bench-${plan}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const session = (await httpGql(url, 'mutation($e: String!) { signUp(email: $e, password: "bench password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
  await httpGql(url, 'mutation($p: ID!) { choosePlan(planId: $p) { id } }', { p: plan }, session);
  return (await httpGql(url, 'mutation { generateToken(name: "bench") { secret } }', {}, session)).data.generateToken.secret as string;
}

/** An account that keeps `connections` endless renders in flight; refused, it waits a second and asks again. */
function hostileAccount(url: string, secret: string, connections: number, outcomes: Record<string, number>) {
  let stopping = false;
  const done = Promise.all(
    Array.from({ length: connections }, async () => {
      while (!stopping) {
        const result = await httpGql(url, RENDER_MUTATION, { t: ENDLESS_LOOP, d: {} }, secret).catch(() => undefined);
        const code = result ? (result.errors?.[0]?.extensions?.code ?? 'rendered') : 'network error';
        outcomes[code] = (outcomes[code] ?? 0) + 1;
        if (code === 'RATE_LIMITED') await sleep(1000);
      }
    }),
  );
  return () => ((stopping = true), done);
}

/** The well-behaved account's documents at a steady rate: each answered one's latency (ms, from when it was sent), and the failures. */
async function steadyDocuments(url: string, secret: string, seconds: number) {
  const latencies: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < DOCUMENTS_PER_SECOND * seconds; i++) {
    const wait = started + (i * 1000) / DOCUMENTS_PER_SECOND - Date.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    pending.push(
      httpGql(url, RENDER_MUTATION, { t: 'Invoice for {{ customer }}', d: { customer: 'Ada' } }, secret).then(
        (result) => void (result.data?.renderDocument ? latencies.push(performance.now() - sentAt) : failed++),
        () => void failed++,
      ),
    );
  }
  await Promise.all(pending);
  return { latencies: latencies.sort((a, b) => a - b), failed };
}

export async function hostileFreeAccounts(
  add: Add,
  { startServer, seconds, warmUpSeconds }: { startServer: () => Promise<ServerProcess>; seconds: number; warmUpSeconds: number },
): Promise<void> {
  const server = await startServer();
  try {
    const wellBehaved = await accountOnPlan(server.url, 'pro');
    const attackers: string[] = [];
    for (let i = 0; i < HOSTILE_ACCOUNTS; i++) attackers.push(await accountOnPlan(server.url, 'free'));
    const outcomes: Record<string, number> = {};
    const measure = async (hostile: boolean) => {
      const stops = hostile ? attackers.map((secret) => hostileAccount(server.url, secret, RENDERS_KEPT_PER_ACCOUNT, outcomes)) : [];
      await steadyDocuments(server.url, wellBehaved, warmUpSeconds);
      const measured = await steadyDocuments(server.url, wellBehaved, seconds);
      await Promise.all(stops.map((stop) => stop()));
      return measured;
    };
    const quiet = await measure(false);
    const noisy = await measure(true);

    for (const [code, count] of Object.entries(outcomes)) add(WORKLOAD, `hostile renders answered ${code}`, count, 'report');
    const [p50, quietP50] = [percentile(noisy.latencies, 50), percentile(quiet.latencies, 50)];
    add(WORKLOAD, `well-behaved (Pro) documents p50 (ms), ${DOCUMENTS_PER_SECOND}/s`, p50, '≤ 3× the same run without them', { baseline: quietP50, met: p50 <= 3 * quietP50 });
    add(WORKLOAD, 'well-behaved (Pro) documents p99 (ms)', percentile(noisy.latencies, 99), 'report', { baseline: percentile(quiet.latencies, 99) });
    add(WORKLOAD, 'longest well-behaved wait (ms)', noisy.latencies.at(-1) ?? NaN, 'report', { baseline: quiet.latencies.at(-1) ?? NaN });
    add(WORKLOAD, 'well-behaved requests failed', noisy.failed + quiet.failed, 'none', { met: noisy.failed + quiet.failed === 0 });
  } finally {
    await server.stop();
  }
}
