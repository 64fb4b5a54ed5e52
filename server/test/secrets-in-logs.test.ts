// No log line ever shows a secret: API tokens, session tokens or passwords, across a full run
// that includes every kind of failure, with the most verbose logging.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, bearer, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

const captured: string[] = [];
const capture = (...args: unknown[]) => {
  captured.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
};
const originalConsole = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
let t: TestApp;

beforeAll(async () => {
  // the app logs through Yoga's logger; anything written straight to the console is caught too
  Object.assign(console, { log: capture, info: capture, warn: capture, error: capture, debug: capture });
  t = await createTestApp({}, { logger: { debug: capture, info: capture, warn: capture, error: capture } });
});
afterAll(async () => {
  Object.assign(console, originalConsole);
  await t.close();
});

describe('logs', () => {
  it('never contain an issued token, a session token or a password', async () => {
    const issued: string[] = [];
    const { session } = await t.signUp();
    issued.push(session, 'correct horse battery');
    const first = await t.generateToken(session, 'logged run');
    const second = await t.generateToken(session, 'second');
    issued.push(first.secret, second.secret);
    const url = await t.app.start(0, '127.0.0.1');
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect(client, 'subscription { documentCount { tokenId documentCount } }');
    await updates.waitFor(2);

    await t.renderDocument(first.secret);
    await t.renderDocument(first.secret, '{% if %}', {});
    await t.renderDocument(first.secret.slice(0, -1));
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: first.id }, bearer(session));
    await t.renderDocument(first.secret);
    await t.gql('mutation { generateToken(name: "from an API token") { secret } }', {}, bearer(second.secret));
    await t.gql('mutation($e: String!) { signIn(email: $e, password: "wrong password") { sessionToken } }', { e: `nobody-${randomUUID()}@example.com` });
    await t.gql('{ tokens { id } }', {}, bearer(`${session}x`));
    await t.gql('mutation { signOut }', {}, bearer(session));
    await t.gql('{ tokens { id } }', {}, bearer(session));
    // a request that fails unexpectedly is logged: make sure one happens
    await t.app.yoga.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });

    updates.dispose();
    await client.dispose();

    const log = captured.join('\n');
    // the run did log (a check over an empty log would prove nothing)
    expect(captured.length).toBeGreaterThan(0);
    for (const secret of issued) expect(log).not.toContain(secret);
    // the secrets' random parts, in case something trimmed a prefix
    for (const secret of issued.filter((value) => /^pg[ds]_/.test(value))) expect(log).not.toContain(secret.slice(4, 20));
  });
});
