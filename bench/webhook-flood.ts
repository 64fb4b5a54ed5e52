// Workload 10: the webhook flood. One account with 10 endpoints on a receiver that accepts every
// connection and never answers runs token mutations (generateToken, deleteToken) as fast as it can
// for 10 seconds; meanwhile another account, with one endpoint on a receiver that answers, makes a
// token every 500 ms. Measured: that account's delivery delay (its token.created reaching its
// receiver, from the mutation's answer), p50 and p99, against the same account alone on a fresh
// server in the same run (the quiet run). Twice: as configured (the per-account limit on token
// mutations refuses most of the flood), and with that limit lifted, where only the delivery's
// turns and the circuit breaker stand between the flood and the other account.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { httpGql } from '../server/test/support/http-client.js';
import type { ServerProcess } from '../server/test/support/server-process.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

const WORKLOAD = '10. webhook flood';
const FLOOD_SECONDS = 10;
// a generate and a delete each time: 40 mutations in the 10 s, within the default 60 a minute
const QUIET_EVERY_MS = 500;
const HANGING_ENDPOINTS = 10;
// how long the other account's last messages may take to arrive before they count as lost
const DRAIN_MS = 30_000;
const P99_TARGET_MS = 10_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function listen(server: { listen(port: number, host: string, done: () => void): unknown; address(): unknown }): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function signUp(url: string, name: string): Promise<string> {
  const email = `flood-${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const session = (await httpGql(url, 'mutation($e: String!) { signUp(email: $e, password: "bench password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
  await httpGql(url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  return session;
}

async function addEndpoint(url: string, session: string, endpointUrl: string): Promise<void> {
  const created = await httpGql(url, 'mutation($u: String!) { createWebhookEndpoint(url: $u, events: ["token.created", "token.deleted"]) { secret } }', { u: endpointUrl }, session);
  if (!created.data) throw new Error(`endpoint refused: ${JSON.stringify(created.errors)}`);
}

/** One run on a fresh server: the other account's delivery delays (ms, Infinity for lost), and what the flood did. */
async function run(startServer: (env: Record<string, string>) => Promise<ServerProcess>, flood: boolean, env: Record<string, string>) {
  const arrivals = new Map<string, number>();
  const answering = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as { type: string; data: { tokenId: string } };
      if (payload.type === 'token.created' && !arrivals.has(payload.data.tokenId)) arrivals.set(payload.data.tokenId, performance.now());
      res.writeHead(200).end();
    });
  });
  const held = new Set<Socket>();
  const hanging = createNetServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => held.delete(socket));
    socket.resume();
  });
  const answeringPort = await listen(answering);
  const hangingPort = await listen(hanging);
  const server = await startServer({ WEBHOOKS_ALLOW_PRIVATE_URLS: '1', ...env });
  try {
    const quiet = await signUp(server.url, 'quiet');
    await addEndpoint(server.url, quiet, `http://127.0.0.1:${answeringPort}/hooks`);
    const flooder = flood ? await signUp(server.url, 'flooder') : undefined;
    if (flooder) for (let i = 0; i < HANGING_ENDPOINTS; i++) await addEndpoint(server.url, flooder, `http://127.0.0.1:${hangingPort}/hooks?n=${i}`);

    const end = performance.now() + FLOOD_SECONDS * 1000;
    const counts = { accepted: 0, refused: 0 };
    // the flood: generate, then delete what was generated, from 4 loops at once
    const floodLoop = async () => {
      while (flooder && performance.now() < end) {
        const generated = await httpGql(server.url, 'mutation { generateToken(name: "flood") { token { id } } }', {}, flooder);
        const id = generated.data?.generateToken?.token?.id as string | undefined;
        if (id) counts.accepted++;
        else counts.refused++;
        if (!id) continue;
        const deleted = await httpGql(server.url, 'mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, flooder);
        if (deleted.data?.deleteToken) counts.accepted++;
        else counts.refused++;
      }
    };
    const answered = new Map<string, number>();
    const quietLoop = async () => {
      while (performance.now() < end) {
        const next = performance.now() + QUIET_EVERY_MS;
        const generated = await httpGql(server.url, 'mutation { generateToken(name: "quiet") { token { id } } }', {}, quiet);
        const id = generated.data?.generateToken?.token?.id as string | undefined;
        if (id) {
          answered.set(id, performance.now());
          // stay under the 10 active tokens: the delete's own message goes out too
          await httpGql(server.url, 'mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, quiet);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
    };
    await Promise.all([quietLoop(), ...(flood ? Array.from({ length: 4 }, floodLoop) : [])]);
    const drainUntil = performance.now() + DRAIN_MS;
    while (performance.now() < drainUntil && [...answered.keys()].some((id) => !arrivals.has(id))) await new Promise((resolve) => setTimeout(resolve, 100));
    const delays = [...answered].map(([id, at]) => (arrivals.has(id) ? arrivals.get(id)! - at : Infinity)).sort((a, b) => a - b);
    return { delays, counts, connectionsHeld: held.size };
  } finally {
    await server.stop();
    for (const socket of held) socket.destroy();
    answering.closeAllConnections();
    await new Promise<void>((resolve) => answering.close(() => resolve()));
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  }
}

export async function webhookFloodWorkload(add: Add, startServer: (env: Record<string, string>) => Promise<ServerProcess>): Promise<void> {
  const quiet = await run(startServer, false, {});
  const quietP50 = percentile(quiet.delays, 0.5);
  const quietP99 = percentile(quiet.delays, 0.99);
  add(WORKLOAD, 'quiet run: delivery delay p50 (ms)', quietP50, 'baseline');
  add(WORKLOAD, 'quiet run: delivery delay p99 (ms)', quietP99, 'baseline');
  for (const [label, env] of [
    ['as configured', {}],
    ['token-mutation limit lifted', { TOKEN_MUTATIONS_PER_ACCOUNT_PER_MINUTE: '100000000' }],
  ] as const) {
    const flooded = await run(startServer, true, env);
    // a message that never arrived counts as the longest wait measured, not as infinity
    const shown = (delay: number) => (Number.isFinite(delay) ? delay : DRAIN_MS + FLOOD_SECONDS * 1000);
    const p50 = shown(percentile(flooded.delays, 0.5));
    const p99 = shown(percentile(flooded.delays, 0.99));
    const lost = flooded.delays.filter((delay) => delay === Infinity).length;
    add(WORKLOAD, `flood (${label}): the other account's delay p50 (ms)`, p50, 'ratio to the quiet run', { baseline: quietP50 });
    add(WORKLOAD, `flood (${label}): the other account's delay p99 (ms)`, p99, `p99 ≤ ${P99_TARGET_MS / 1000} s`, { baseline: quietP99, met: p99 <= P99_TARGET_MS });
    add(WORKLOAD, `flood (${label}): the other account's messages not delivered within ${DRAIN_MS / 1000} s`, lost, '0', { met: lost === 0 });
    add(WORKLOAD, `flood (${label}): flooder's token mutations accepted / refused (RATE_LIMITED and others)`, flooded.counts.accepted, `refused: ${flooded.counts.refused}`);
  }
}
