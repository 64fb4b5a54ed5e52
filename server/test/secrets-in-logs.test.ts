// No log line ever shows a secret: API tokens, session tokens, session cookies, Authorization
// headers or passwords, across a full run over real HTTP and WebSocket that includes every kind
// of failure, with the most verbose logging. The log is read as the JSON lines it is.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog, LEVEL } from './support/log-lines.js';
import { createTestApp, bearer, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

const log = captureLog();
const consoleLines: string[] = [];
const capture = (...args: unknown[]) => {
  consoleLines.push(args.map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack}` : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
};
const originalConsole = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
let t: TestApp;
let url: string;

beforeAll(async () => {
  // the app logs through its logger; anything written straight to the console is caught too
  Object.assign(console, { log: capture, info: capture, warn: capture, error: capture, debug: capture });
  t = await createTestApp({ logging: 'debug' }, { logDestination: log.destination });
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(async () => {
  Object.assign(console, originalConsole);
  await t.close();
});

/** A GraphQL request over real HTTP, with whatever headers a client may send. */
async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return response.json() as Promise<{ data?: any; errors?: unknown[] }>;
}

describe('logs', () => {
  it('never contain an issued token, a session token, a session cookie or a password', async () => {
    const password = `correct horse ${randomUUID()}`;
    const email = `logs-${randomUUID()}@example.com`;
    const signUp = await post('mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { sessionToken } }', { e: email, p: password });
    const session: string = signUp.data.signUp.sessionToken;
    await post('mutation { choosePlan(planId: "free") { id } }', {}, bearer(session));
    const issued = [session, password];
    const first = await t.generateToken(session, 'logged run');
    const second = await t.generateToken(session, 'second');
    issued.push(first.secret, second.secret);
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
    const updates = collect(client, 'subscription { documentCount { tokenId documentCount } }');
    await updates.waitFor(2);

    const render = 'mutation($t: String!, $d: JSON!) { renderDocument(template: $t, data: $d) { content } }';
    await post(render, { t: 'Invoice for {{ customer }}', d: { customer: 'Ada' } }, bearer(first.secret));
    await post(render, { t: '{% if %}', d: {} }, bearer(first.secret));
    await post(render, { t: 'x', d: {} }, bearer(first.secret.slice(0, -1)));
    // a secret in a header no one should put it in, and as a request id
    await post(render, { t: 'x', d: {} }, { ...bearer(second.secret), 'x-request-id': second.secret, 'x-api-key': second.secret });
    await post('{ tokens { id } }', {}, { cookie: `pogodoc_session=${session}` });
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: first.id }, bearer(session));
    await post(render, { t: 'x', d: {} }, bearer(first.secret));
    await post('mutation { generateToken(name: "from an API token") { secret } }', {}, bearer(second.secret));
    await post('mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { sessionToken } }', { e: email, p: `${password} wrong` });
    await post('mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { sessionToken } }', { e: email, p: password });
    await post('{ tokens { id } }', {}, bearer(`${session}x`));
    // a body that is not JSON, quoting a secret
    await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(session) }, body: `{"query": "${session}` });
    await post('mutation { signOut }', {}, bearer(session));
    await post('{ tokens { id } }', {}, bearer(session));

    updates.dispose();
    await client.dispose();

    const lines = log.lines(); // every line is JSON
    // the run did log, every request over HTTP (a check over an empty log would prove nothing)
    expect(lines.filter((line) => line.msg === 'request' && line.level === LEVEL.info).length).toBeGreaterThanOrEqual(15);
    const text = [...log.raw, ...consoleLines].join('\n');
    for (const secret of issued) expect(text).not.toContain(secret);
    // the secrets' random parts, in case something trimmed a prefix
    for (const secret of issued.filter((value) => /^pg[ds]_/.test(value))) expect(text).not.toContain(secret.slice(4, 20));
  });
});
