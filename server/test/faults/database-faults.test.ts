// When the database is locked or unreachable, requests fail with a clear, retryable error,
// and the service recovers on its own when the database comes back.
import { createServer, type Server, type Socket, connect } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parsePrometheusText } from '../support/prometheus-text.js';
import { configFromEnv } from '../../src/config.js';
import { appGql, bearer, codes, createTestApp } from '../support/test-app.js';
import { createTestDatabase } from '../support/test-database.js';
import { freePort } from '../support/server-process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a locked SQLite database', () => {
  it('answers DATABASE_UNAVAILABLE (503, Retry-After) and counts nothing; works again once the lock is gone', async () => {
    const t = await createTestApp({}, {});
    cleanups.push(() => t.close());
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    expect((await t.renderDocument(secret)).errors).toBeUndefined();

    // another process (here: another connection) holds the write lock
    const locker = new Database(t.database.sqliteFile!);
    locker.exec('BEGIN IMMEDIATE');
    const locked = await t.renderDocument(secret);
    expect(locked.status).toBe(503);
    expect(codes(locked)).toEqual(['DATABASE_UNAVAILABLE']);
    expect(locked.headers.get('retry-after')).toBe('1');
    expect(locked.errors![0]!.message).toMatch(/try again/);
    locker.exec('ROLLBACK');
    locker.close();

    const recovered = await t.renderDocument(secret);
    expect(recovered.data.renderDocument.documentCount).toBe(2);
    const token = await t.gql('query($id: ID!) { token(id: $id) { documentCount } }', { id }, bearer(session));
    expect(token.data.token.documentCount).toBe(2);
  });
});

/** A TCP proxy to PostgreSQL that the test can cut and restore, to make the database unreachable. */
async function startProxy(port: number, target = { host: '127.0.0.1', port: 5432 }) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('an unreachable PostgreSQL', () => {
  it('answers DATABASE_UNAVAILABLE while it is gone, and recovers without a restart', async () => {
    const database = await createTestDatabase('postgresql');
    cleanups.push(() => database.drop());
    const port = await freePort();
    let proxy = await startProxy(port);
    const url = new URL(database.url);
    url.port = String(port);
    const app = await buildApp({ ...configFromEnv({}), databaseUrl: url.toString(), logging: false, metrics: true });
    cleanups.push(() => app.stop());
    const base = await app.start(0, '127.0.0.1');
    const gql = (query: string, headers: Record<string, string> = {}) => appGql(app, query, {}, headers);
    const session = (await gql('mutation { signUp(email: "pg-down@example.com", password: "long password") { sessionToken } }')).data.signUp.sessionToken;
    await gql('mutation { choosePlan(planId: "free") { id } }', bearer(session));
    const secret = (await gql('mutation { generateToken(name: "resilient") { secret } }', bearer(session))).data.generateToken.secret;
    const render = () => gql('mutation { renderDocument(template: "x", data: {}) { documentCount } }', bearer(secret));
    expect((await render()).data.renderDocument.documentCount).toBe(1);

    await proxy.cut();
    const down = await render();
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(codes(down)).toEqual(['DATABASE_UNAVAILABLE']);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks.database).toBe('unreachable');
    // what an operator alerts on
    const metrics = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
    expect(metrics.value('pogodoc_database_errors_total', { kind: 'unavailable' })).toBeGreaterThanOrEqual(1);

    proxy = await startProxy(port);
    cleanups.push(() => proxy.cut());
    await expect.poll(async () => (await render()).data?.renderDocument?.documentCount, { timeout: 15_000 }).toBe(2);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });
});
