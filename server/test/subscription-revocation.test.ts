// Revocation is immediate for the dashboard too: an open documentCount subscription ends when the
// session that opened it is signed out or expires, or when the account's plan is cancelled, over
// WebSocket and over HTTP (SSE). On PostgreSQL the ending travels through Redis, as it would to
// another instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t.close());

const ALL_TOKENS = 'subscription { documentCount { tokenId documentCount } }';
type Update = { documentCount: { tokenId: string; documentCount: number } };

/** The extensions.code of what ended a graphql-ws subscription. */
function codeOf(error: unknown): unknown {
  const errors = Array.isArray(error) ? error : [error];
  return (errors[0] as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
}

async function openDashboard(session: string) {
  const client = wsClient(url, { connectionParams: { authorization: `Bearer ${session}` } });
  const updates = collect<Update>(client, ALL_TOKENS);
  await updates.waitFor(1);
  return { client, updates };
}

/** An SSE subscription read as text until it ends. */
async function openEventStream(session: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(session) },
    body: JSON.stringify({ query: ALL_TOKENS }),
  });
  const reader = response.body!.getReader();
  let text = '';
  const readUntil = async (needle: string) => {
    while (!text.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) return { text, ended: true };
      text += new TextDecoder().decode(value);
    }
    return { text, ended: false };
  };
  return { readUntil, cancel: () => reader.cancel() };
}

describe('an open live-count subscription', () => {
  it('ends with SESSION_EXPIRED when its session signs out, over WebSocket', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session);
    const { client, updates } = await openDashboard(session);
    expect((await t.gql('mutation { signOut }', {}, bearer(session))).data.signOut).toBe(true);
    expect(codeOf(await updates.waitForError())).toBe('SESSION_EXPIRED');
    await client.dispose();
  });

  it('of another session of the same account keeps running after a sign-out', async () => {
    const { session, email } = await t.signUp();
    const { secret } = await t.generateToken(session);
    const other = await t.gql('mutation($email: String!) { signIn(email: $email, password: "correct horse battery") { sessionToken } }', { email });
    const otherSession = other.data.signIn.sessionToken as string;
    const signedOut = await openDashboard(session);
    const stays = await openDashboard(otherSession);
    await t.gql('mutation { signOut }', {}, bearer(session));
    await signedOut.updates.waitForError();
    await t.renderDocument(secret);
    expect((await stays.updates.waitFor(2))[1]!.documentCount.documentCount).toBe(1);
    expect(stays.updates.errors).toEqual([]);
    await signedOut.client.dispose();
    await stays.client.dispose();
  });

  it('ends with SESSION_EXPIRED when its session signs out, over HTTP (SSE)', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session);
    const stream = await openEventStream(session);
    await stream.readUntil('"documentCount":0');
    await t.gql('mutation { signOut }', {}, bearer(session));
    const { text } = await stream.readUntil('SESSION_EXPIRED');
    expect(text).toContain('"code":"SESSION_EXPIRED"');
    await stream.cancel();
  });

  it('ends with PLAN_REQUIRED when the plan is cancelled, and a new one is refused until a plan is chosen', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session);
    const { client, updates } = await openDashboard(session);
    await t.gql('mutation { cancelPlan { planActive } }', {}, bearer(session));
    expect(codeOf(await updates.waitForError())).toBe('PLAN_REQUIRED');

    const refused = collect<Update>(client, ALL_TOKENS);
    expect(codeOf(await refused.waitForError())).toBe('PLAN_REQUIRED');
    await t.gql('mutation { choosePlan(planId: "free") { planActive } }', {}, bearer(session));
    const again = collect<Update>(client, ALL_TOKENS);
    expect(await again.waitFor(1)).toHaveLength(1);
    await client.dispose();
  });

  it('ends with SESSION_EXPIRED when its session expires', async () => {
    const { session, accountId } = await t.signUp();
    await t.generateToken(session);
    // a session that expires in 1.5 s, instead of in 30 days
    await t.app.database.prisma.session.updateMany({ where: { accountId }, data: { expiresAt: new Date(Date.now() + 1500) } });
    const { client, updates } = await openDashboard(session);
    expect(codeOf(await updates.waitForError())).toBe('SESSION_EXPIRED');
    expect(codes(await t.gql('{ viewer { id } }', {}, bearer(session)))).toEqual(['SESSION_EXPIRED']);
    await client.dispose();
  });
});
