// A leak reported to one instance revokes the token on every instance: no instance caches tokens
// (each request reads its row), so the committed delete is the whole story. Two real server
// processes on one PostgreSQL database; the scanner's key list is served from loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { httpGql } from '../support/http-client.js';
import { postReport, scannerKey, serveKeyList, signedReport, type KeyListServer, type ScannerKey } from '../support/secret-scanner.js';

let database: TestDatabase;
let keys: KeyListServer;
let key: ScannerKey;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  database = await createTestDatabase('postgresql');
  key = scannerKey();
  keys = await serveKeyList([key]);
  const env = { DATABASE_URL: database.url, SECRET_SCANNING_KEYS_URL: keys.url };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await keys?.close();
  await database?.drop();
});

const render = (server: ServerProcess, secret: string) => httpGql(server.url, 'mutation { renderDocument(template: "x", data: {}) { documentCount } }', {}, secret);

describe('a leak reported to instance A', () => {
  it('revokes the token on instance B by the time A answers, and both show the leak', async () => {
    const email = `leak-${process.pid}@example.com`;
    const session = (await httpGql(a.url, 'mutation($e: String!) { signUp(email: $e, password: "long password") { sessionToken } }', { e: email })).data.signUp.sessionToken;
    await httpGql(a.url, 'mutation { choosePlan(planId: "pro") { id } }', {}, session);
    const generated = (await httpGql(a.url, 'mutation { generateToken(name: "leaky") { secret token { id } } }', {}, session)).data.generateToken;
    // B has served the token before the leak: were it cached there, it would keep working
    expect((await render(b, generated.secret)).errors).toBeUndefined();

    const started = performance.now();
    const answer = await postReport(a.url, signedReport([{ token: generated.secret, url: 'https://github.com/acme/app/blob/1/.env' }], key));
    const answeredAfter = performance.now() - started;
    const refusedOnB = await render(b, generated.secret);
    const refusedOnBAfter = performance.now() - started;
    expect(answer.body[0].label).toBe('true_positive');
    expect(refusedOnB.status).toBe(401);
    expect(refusedOnB.errors?.[0]?.extensions?.code).toBe('API_TOKEN_DELETED');
    expect((await render(a, generated.secret)).errors?.[0]?.extensions?.code).toBe('API_TOKEN_DELETED');
    console.log(`leak to revocation: A answered (token already revoked) after ${answeredAfter.toFixed(1)} ms; B refused the token ${refusedOnBAfter.toFixed(1)} ms after the report was sent`);

    for (const server of [a, b]) {
      const listed = await httpGql(server.url, '{ tokens(status: DELETED) { id leak { url } } }', {}, session);
      expect(listed.data.tokens).toEqual([{ id: generated.token.id, leak: { url: 'https://github.com/acme/app/blob/1/.env' } }]);
    }
    // the same report to B, a replay: the same answer, still one leak event
    const replay = await postReport(b.url, signedReport([{ token: generated.secret, url: 'https://github.com/acme/app/blob/1/.env' }], key));
    expect(replay.body).toEqual(answer.body);
    const events = await httpGql(b.url, '{ auditEvents(types: [TOKEN_LEAKED]) { nodes { tokenId actorType } } }', {}, session);
    expect(events.data.auditEvents.nodes).toEqual([{ tokenId: generated.token.id, actorType: 'SCANNER' }]);
  });
});
