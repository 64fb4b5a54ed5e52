// The quota across instances: two real server processes sharing one database, the requests split
// between them, on PostgreSQL (the scale-out setup) and on one SQLite file. The database's
// conditional upsert is the only thing that knows the count, so it holds across processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { httpGql } from '../support/http-client.js';

const setups: Array<{ provider: 'postgresql' | 'sqlite'; database?: TestDatabase; servers: ServerProcess[] }> = [
  { provider: 'postgresql', servers: [] },
  { provider: 'sqlite', servers: [] },
];

beforeAll(async () => {
  for (const setup of setups) {
    setup.database = await createTestDatabase(setup.provider);
    const env = { DATABASE_URL: setup.database.url };
    // one after the other: the first applies the migrations (on SQLite a concurrent start would
    // race for the file's write lock during the migration, which is not what this suite tests)
    setup.servers.push(await startServerProcess(env));
    setup.servers.push(await startServerProcess(env));
  }
}, 180_000);

afterAll(async () => {
  for (const setup of setups) {
    await Promise.all(setup.servers.map((server) => server.stop()));
    await setup.database?.drop();
  }
});

describe.each(setups)('two instances on $provider', (setup) => {
  it('150 concurrent documents of a fresh free account, split over both: exactly 100 made and 50 QUOTA_EXCEEDED', async () => {
    const [a, b] = setup.servers as [ServerProcess, ServerProcess];
    const signUp = await httpGql(a.url, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', {
      e: `quota-${setup.provider}-${process.pid}@example.com`,
    });
    const session = signUp.data.signUp.sessionToken as string;
    await httpGql(b.url, 'mutation { choosePlan(planId: "free") { id } }', {}, session);
    const generated = await httpGql(a.url, 'mutation { generateToken(name: "split") { secret } }', {}, session);
    const secret = generated.data.generateToken.secret as string;

    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => httpGql(i % 2 ? a.url : b.url, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, secret)),
    );
    const made = results.filter((result) => result.data?.renderDocument);
    const refused = results.filter((result) => !result.data?.renderDocument);
    expect(made).toHaveLength(100);
    expect(new Set(made.map((result) => result.data.renderDocument.documentCount)).size).toBe(100);
    expect(refused.map((result) => [result.status, result.errors?.[0]?.extensions?.code])).toEqual(Array(50).fill([429, 'QUOTA_EXCEEDED']));

    for (const server of [a, b]) {
      const period = await httpGql(server.url, '{ viewer { currentPeriod { used quota } } }', {}, session);
      expect(period.data.viewer.currentPeriod).toEqual({ used: 100, quota: 100 });
    }
  });
});
