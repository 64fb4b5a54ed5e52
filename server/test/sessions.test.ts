// The list of sessions: where each signed in and with what, when it was last seen, and revoking
// one or every other; a revoked session's next request is refused and its live views end at once.
// On PostgreSQL the ending travels through Redis, as it would to another instance (API_SUITES).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_SCOPE_NAMES } from '../src/domain/token-scopes.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { collect, wsClient } from './support/ws-client.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.app.start(0, '127.0.0.1');
});
afterAll(() => t?.close());

const SESSIONS = '{ sessions { id current createdAt lastSeenAt clientAddress userAgent } }';
interface Listed {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string | null;
  clientAddress: string | null;
  userAgent: string | null;
}

async function signInAgain(email: string, userAgent: string): Promise<string> {
  const answer = await t.gql(
    'mutation($email: String!) { signIn(email: $email, password: "correct horse battery") { sessionToken } }',
    { email },
    { 'user-agent': userAgent },
  );
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return answer.data.signIn.sessionToken;
}

const listOf = async (session: string): Promise<Listed[]> => {
  const answer = await t.gql(SESSIONS, {}, bearer(session));
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return answer.data.sessions;
};

describe('the list of sessions', () => {
  it('lists every signed-in session with where and what it signed in with, marks the current one, and never a token', async () => {
    const { session, email } = await t.signUp();
    const laptop = await signInAgain(email, 'Firefox on the laptop');
    const listed = await listOf(laptop);
    expect(listed).toHaveLength(2);
    expect(listed.filter((entry) => entry.current)).toHaveLength(1);
    const current = listed.find((entry) => entry.current)!;
    expect(current.userAgent).toBe('Firefox on the laptop');
    expect(current.clientAddress).toMatch(/^2001:db8:/);
    expect(current.lastSeenAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(laptop);
    expect(JSON.stringify(listed)).not.toContain(session);
    // another account's list holds none of these
    const other = await t.signUp();
    const theirs = await listOf(other.session);
    expect(theirs.map((entry) => entry.id)).not.toContain(current.id);
  });

  it('"last seen" moves with use, at most once in five minutes', async () => {
    const { session } = await t.signUp();
    const [first] = await listOf(session);
    await listOf(session);
    expect((await listOf(session))[0]!.lastSeenAt).toBe(first!.lastSeenAt);
    // six minutes pass (the sessions keep the real clock: the row is moved back instead)
    const sixMinutesAgo = new Date(Date.now() - 6 * 60 * 1000);
    await t.app.database.prisma.session.update({ where: { id: first!.id }, data: { lastSeenAt: sixMinutesAgo } });
    expect((await listOf(session))[0]!.lastSeenAt).not.toBe(sixMinutesAgo.toISOString()); // this request recorded itself
    const [later] = await listOf(session);
    expect(new Date(later!.lastSeenAt!).getTime()).toBeGreaterThan(sixMinutesAgo.getTime() + 5 * 60 * 1000);
  });
});

describe('revoking sessions', () => {
  it('revokes one: its next request is SESSION_EXPIRED, its live counts end at once, the others go on, and the log says who did it', async () => {
    const { session, email } = await t.signUp();
    await t.generateToken(session);
    const stolen = await signInAgain(email, 'curl/8.0');
    const client = wsClient(url, { connectionParams: { authorization: `Bearer ${stolen}` } });
    const counts = collect<unknown>(client, 'subscription { documentCount { tokenId documentCount } }');
    await counts.waitFor(1);

    const stolenId = (await listOf(session)).find((entry) => !entry.current)!.id;
    const revoked = await t.gql('mutation($id: ID!) { revokeSession(id: $id) }', { id: stolenId }, bearer(session));
    expect(revoked.data.revokeSession).toBe(true);
    const error = (await counts.waitForError()) as Array<{ extensions?: { code?: string } }>;
    expect(error[0]!.extensions!.code).toBe('SESSION_EXPIRED');
    await client.dispose();
    expect(codes(await t.gql(SESSIONS, {}, bearer(stolen)))).toEqual(['SESSION_EXPIRED']);
    expect((await listOf(session)).map((entry) => entry.id)).not.toContain(stolenId);

    const log = await t.gql('{ auditEventConnection(first: 5, types: [SESSION_REVOKED]) { edges { node { actorType actorId details } } } }', {}, bearer(session));
    const [event] = log.data.auditEventConnection.edges.map((edge: { node: { actorType: string; actorId: string; details: string } }) => edge.node);
    expect(event.actorType).toBe('SESSION');
    expect(event.actorId).toBe((await listOf(session)).find((entry) => entry.current)!.id);
    expect(JSON.parse(event.details)).toEqual({ sessionId: stolenId });
  });

  it('revokes every other session at once, keeping this one', async () => {
    const { session, email } = await t.signUp();
    const others = [await signInAgain(email, 'one'), await signInAgain(email, 'two'), await signInAgain(email, 'three')];
    const answer = await t.gql('mutation { revokeOtherSessions }', {}, bearer(session));
    expect(answer.data.revokeOtherSessions).toBe(3);
    for (const other of others) expect(codes(await t.gql(SESSIONS, {}, bearer(other)))).toEqual(['SESSION_EXPIRED']);
    expect(await listOf(session)).toHaveLength(1);
  });

  it("another account's session, or one already gone, is SESSION_NOT_FOUND; no API token lists or revokes sessions", async () => {
    const mine = await t.signUp({ plan: 'pro' });
    const theirs = await t.signUp();
    const theirId = (await listOf(theirs.session))[0]!.id;
    expect(codes(await t.gql('mutation($id: ID!) { revokeSession(id: $id) }', { id: theirId }, bearer(mine.session)))).toEqual(['SESSION_NOT_FOUND']);
    expect(await listOf(theirs.session)).toHaveLength(1);

    const made = await t.gql('mutation($scopes: [TokenScope!]) { generateToken(name: "all", scopes: $scopes) { secret } }', { scopes: TOKEN_SCOPE_NAMES }, bearer(mine.session));
    const all = made.data.generateToken.secret as string;
    expect(codes(await t.gql(SESSIONS, {}, bearer(all)))).toEqual(['SESSION_REQUIRED']);
    expect(codes(await t.gql('mutation { revokeOtherSessions }', {}, bearer(all)))).toEqual(['SESSION_REQUIRED']);
    expect(codes(await t.gql('mutation($id: ID!) { revokeSession(id: $id) }', { id: theirId }, bearer(all)))).toEqual(['SESSION_REQUIRED']);
  });
});
