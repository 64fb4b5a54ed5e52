// Moving an existing SQLite deployment to PostgreSQL keeps every session, token and count working.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { configFromEnv } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { appGql, bearer } from '../support/test-app.js';

const run = promisify(execFile);
let sqlite: TestDatabase;
let postgres: TestDatabase;
beforeAll(async () => {
  sqlite = await createTestDatabase('sqlite');
  postgres = await createTestDatabase('postgresql');
});
afterAll(async () => {
  await sqlite?.drop();
  await postgres?.drop();
});

const gql = (app: Awaited<ReturnType<typeof buildApp>>, query: string, headers: Record<string, string> = {}) =>
  appGql(app, query, {}, headers);

describe('npm run db:copy', () => {
  it('moves a SQLite deployment to PostgreSQL with sessions, tokens and counts intact', async () => {
    const config = { ...configFromEnv({}), logging: false as const };
    const before = await buildApp({ ...config, databaseUrl: sqlite.url });
    const session = (await gql(before, 'mutation { signUp(email: "move@example.com", password: "long password") { sessionToken } }')).data.signUp.sessionToken;
    await gql(before, 'mutation { choosePlan(planId: "pro") { id } }', bearer(session));
    const kept = (await gql(before, 'mutation { generateToken(name: "kept") { secret } }', bearer(session))).data.generateToken.secret;
    const gone = await gql(before, 'mutation { generateToken(name: "gone") { token { id } } }', bearer(session));
    await gql(before, `mutation { deleteToken(id: "${gone.data.generateToken.token.id}") { id } }`, bearer(session));
    for (let i = 0; i < 3; i++) await gql(before, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', bearer(kept));
    const keyed = { ...bearer(kept), 'idempotency-key': 'moved-key' };
    await gql(before, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', keyed);
    await before.stop();

    const { stdout } = await run('npm', ['run', '--silent', 'db:copy', '--', sqlite.url, postgres.url]);
    expect(stdout).toContain('copied 1 accounts, 1 sessions, 2 API tokens, 1 idempotency keys');

    const after = await buildApp({ ...config, databaseUrl: postgres.url });
    const listed = await gql(after, '{ active: tokens(status: ACTIVE) { name documentCount } deleted: tokens(status: DELETED) { name } }', bearer(session));
    expect(listed.data).toEqual({ active: [{ name: 'kept', documentCount: 4 }], deleted: [{ name: 'gone' }] });
    // a retry of the last document, after the move, is still its replay
    const replayed = await gql(after, 'mutation { renderDocument(template: "x", data: {}) { documentCount replayed } }', keyed);
    expect(replayed.data.renderDocument).toEqual({ documentCount: 4, replayed: true });
    const rendered = await gql(after, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', bearer(kept));
    expect(rendered.data.renderDocument.documentCount).toBe(5);
    // the limit slots came along: 9 more fit, the 11th active does not
    for (let i = 0; i < 9; i++) await gql(after, `mutation { generateToken(name: "more ${i}") { token { id } } }`, bearer(session));
    const refused = await gql(after, 'mutation { generateToken(name: "too many") { token { id } } }', bearer(session));
    expect(JSON.stringify(refused.errors)).toContain('TOKEN_LIMIT_REACHED');
    await after.stop();

    // a second copy into the now non-empty database is refused
    await expect(run('npm', ['run', '--silent', 'db:copy', '--', sqlite.url, postgres.url])).rejects.toThrow(/empty database/);
    // two migrations, two npm and tsx starts and two argon2 hashes: 16 s alone, more than the
    // suite's 30 s beside other forks and a CPU-heavy process. It is about the data, not the time.
  }, 180_000);
});
