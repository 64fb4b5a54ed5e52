// Workload 13, one busy account: a customer's nightly batch job, one token of one account sending
// documents over 8 connections, on PostgreSQL against SQLite in the same run (and the same
// documents spread over 8 accounts on PostgreSQL, where no two share a period row). Every
// document of one account counts on its billing-period row and its token's row, so on PostgreSQL
// they take those rows' locks in turn; this measures what that costs.
//
// Servers alike but for the database, in production mode, taking turns in alternating order so
// that drift on this shared machine falls on each alike; medians of the turns. Afterwards each
// token's count is read back: the documents counted against those answered 2xx (what was in
// flight when autocannon stopped may have committed too).
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { childPids, commandLine, cpuTicks } from '../server/test/support/processes.js';
import { httpGql } from '../server/test/support/http-client.js';
import type { ServerProcess } from '../server/test/support/server-process.js';
import { median } from './median.js';
import { machineBusyTicks, TICKS_PER_SECOND } from './machine-cpu.js';

type Add = (workload: string, metric: string, ours: number, target: string, options?: { baseline?: number; met?: boolean }) => void;

export interface OneAccountOptions {
  startServer: (env: Record<string, string>) => Promise<ServerProcess>;
  /** A fresh PostgreSQL database's URL, and its cleanup. */
  postgresDatabase: () => Promise<{ url: string; drop: () => Promise<void> }>;
  seconds: number;
  warmUpSeconds: number;
  rounds: number;
  /** REDIS_URL for the PostgreSQL servers, as the scale-out setup runs them. */
  redisUrl: string;
}

const WORKLOAD = '13. one busy account (8 connections)';
const CONNECTIONS = 8;
const DOCUMENT = JSON.stringify({ query: 'mutation { renderDocument(template: "Invoice for {{ customer }}", data: { customer: "Ada" }) { documentCount } }' });



interface CpuBy {
  server: number;
  renderers: number;
  postgres: number;
  machine: number;
}

/** The CPU time (ticks) of a server, of its renderer processes, of each PostgreSQL process, and of the whole machine (/proc/stat). */
function cpuSample(serverPid: number) {
  const postgres = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && commandLine(pid)[0]?.startsWith('postgres')) postgres.set(pid, cpuTicks(pid));
  }
  return { server: cpuTicks(serverPid), renderers: childPids(serverPid).reduce((sum, pid) => sum + cpuTicks(pid), 0), postgres, machine: machineBusyTicks() };
}

/** What each used between two samples: a PostgreSQL backend that started in between counts from 0, one that ended is left out. */
function cpuUsed(before: ReturnType<typeof cpuSample>, after: ReturnType<typeof cpuSample>): CpuBy {
  let postgres = 0;
  for (const [pid, ticks] of after.postgres) postgres += ticks - (before.postgres.get(pid) ?? 0);
  return { server: after.server - before.server, renderers: after.renderers - before.renderers, postgres, machine: after.machine - before.machine };
}

async function accountToken(url: string): Promise<{ session: string; id: string; secret: string }> {
  const email = `bench-one-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const session = (await httpGql(url, 'mutation($e: String!) { signUp(email: $e, password: "bench password") { sessionToken } }', { e: email })).data.signUp.sessionToken as string;
  await httpGql(url, 'mutation { choosePlan(planId: "business") { id } }', {}, session);
  const generated = (await httpGql(url, 'mutation { generateToken(name: "nightly batch") { secret token { id } } }', {}, session)).data.generateToken;
  return { session, id: generated.token.id, secret: generated.secret };
}

/** What `read` answers once it stops changing: two reads 250 ms apart that agree. */
async function settled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

/** 8 connections for `seconds`, each sending the secret of its index (one secret for all, or one each). */
function load(url: string, secrets: string[], seconds: number): Promise<autocannon.Result> {
  let connection = 0;
  return autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: DOCUMENT,
    setupClient: (client) => {
      const secret = secrets[connection++ % secrets.length]!;
      client.setHeaders({ 'content-type': 'application/json', authorization: `Bearer ${secret}` });
    },
  });
}

export async function oneAccountWorkload(add: Add, options: OneAccountOptions): Promise<void> {
  const databases = [await options.postgresDatabase(), await options.postgresDatabase(), await options.postgresDatabase()];
  const variants: Array<{ name: string; env: Record<string, string>; accounts: number }> = [
    { name: 'SQLite, one account', env: {}, accounts: 1 },
    { name: 'PostgreSQL, one account', env: { DATABASE_URL: databases[0]!.url }, accounts: 1 },
    { name: 'PostgreSQL, 8 accounts', env: { DATABASE_URL: databases[1]!.url }, accounts: CONNECTIONS },
    // the scale-out setup: the token's rate limit counted in Redis too (a round trip per group of documents, both windows in one script)
    { name: 'PostgreSQL + Redis, one account', env: { DATABASE_URL: databases[2]!.url, REDIS_URL: options.redisUrl }, accounts: 1 },
  ];
  const servers: ServerProcess[] = [];
  try {
    for (const variant of variants) servers.push(await options.startServer({ NODE_ENV: 'production', ...variant.env }));
    const tokens = await Promise.all(servers.map(async (server, i) => {
      const made = [];
      for (let account = 0; account < variants[i]!.accounts; account++) made.push(await accountToken(server.url));
      return made;
    }));
    // one account: the same secret on every connection; 8 accounts: one each
    const secretsOf = (i: number) => Array.from({ length: CONNECTIONS }, (_, c) => tokens[i]![c % tokens[i]!.length]!.secret);
    for (const [i, server] of servers.entries()) await load(server.url, secretsOf(i), options.warmUpSeconds);
    const throughput = variants.map(() => [] as number[]);
    const p99 = variants.map(() => [] as number[]);
    const answered = variants.map(() => 0);
    // where each document's CPU goes, by process, in the SQLite and PostgreSQL one-account turns
    const cpuPerDocument = variants.map(() => [] as CpuBy[]);
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1, 2, 3] : [3, 2, 1, 0];
      for (const i of order) {
        const before = cpuSample(servers[i]!.child.pid!);
        const result = await load(servers[i]!.url, secretsOf(i), options.seconds);
        const used = cpuUsed(before, cpuSample(servers[i]!.child.pid!));
        const perDocument = (key: keyof CpuBy) => (used[key] * (1e6 / TICKS_PER_SECOND)) / Math.max(1, result.requests.total);
        cpuPerDocument[i]!.push({ server: perDocument('server'), renderers: perDocument('renderers'), postgres: perDocument('postgres'), machine: perDocument('machine') });
        throughput[i]!.push(result.requests.average);
        p99[i]!.push(result.latency.p99);
        answered[i]! += result['2xx'];
        if (result.non2xx || result.errors) console.warn(`${variants[i]!.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
    }
    const sqlite = median(throughput[0]!);
    const postgres = median(throughput[1]!);
    add(WORKLOAD, 'SQLite, one account: documents/s (median of turns)', sqlite, 'report');
    add(WORKLOAD, 'PostgreSQL, one account: documents/s, vs SQLite in the same run', postgres, '≥ 0.6× SQLite', { baseline: sqlite, met: postgres >= 0.6 * sqlite });
    add(WORKLOAD, 'PostgreSQL, 8 accounts: documents/s, vs one account', median(throughput[2]!), 'report', { baseline: postgres });
    add(WORKLOAD, 'PostgreSQL, one account: p99 latency (ms), vs SQLite', median(p99[1]!), 'report', { baseline: median(p99[0]!) });
    // What limits PostgreSQL on this machine: the CPU each document takes of its 2 cores, whoever uses it
    const cpu = (i: number, key: keyof CpuBy) => median(cpuPerDocument[i]!.map((turn) => turn[key]));
    for (const key of ['server', 'renderers', 'postgres', 'machine'] as const) {
      add(WORKLOAD, `CPU per document (µs), ${key === 'machine' ? 'the whole machine (every process, load generator too)' : key === 'postgres' ? 'every PostgreSQL process' : key === 'server' ? 'the server process' : 'its renderer processes'}: PostgreSQL vs SQLite, one account`, cpu(1, key), 'report', { baseline: cpu(0, key) });
    }
    const cores = cpus().length;
    add(WORKLOAD, `PostgreSQL, one account: the most ${cores} cores could make at its CPU per document (documents/s), vs SQLite's measured`, (cores * 1e6) / cpu(1, 'machine'), 'report', { baseline: sqlite });
    const scaleOut = median(throughput[3]!);
    add(WORKLOAD, 'PostgreSQL + Redis, one account: documents/s, vs SQLite in the same run', scaleOut, '≥ 0.6× SQLite', { baseline: sqlite, met: scaleOut >= 0.6 * sqlite });
    // exactness: what each token counted against what was answered 2xx (the warm-up counted too)
    for (const [i, variant] of variants.entries()) {
      const countOf = async (token: { id: string; session: string }) =>
        (await httpGql(servers[i]!.url, 'query($id: ID!) { token(id: $id) { documentCount } }', { id: token.id }, token.session)).data.token.documentCount as number;
      // the requests in flight when the last turn's load stopped are still being made and counted
      // (that turn may be this server's): read once they have, or the period, read after the
      // tokens, would include documents that the tokens' counts did not yet
      await settled(() => countOf(tokens[i]![0]!));
      let counted = 0;
      for (const token of tokens[i]!) counted += await countOf(token);
      const usage = (await httpGql(servers[i]!.url, '{ viewer { currentPeriod { used } } }', {}, tokens[i]![0]!.session)).data.viewer.currentPeriod.used as number;
      // one account: its period's usage is every document of its token
      if (variant.accounts === 1 && usage !== counted) console.warn(`${variant.name}: period usage ${usage} against the token's count ${counted}`);
      add(WORKLOAD, `${variant.name}: documents counted − answered 2xx in the measured turns`, counted - answered[i]!, '≥ 0 (the warm-up\'s are counted too)', { met: counted - answered[i]! >= 0 });
      if (variant.accounts === 1) add(WORKLOAD, `${variant.name}: period usage − the token's count`, usage - counted, '0', { met: usage === counted });
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    for (const database of databases) await database.drop();
  }
}
