// The response cache (graphql/response-cache.ts): a session's repeated query is answered without
// executing it, and never once anything was committed since, by any path or process, nor past its
// time, nor for another session, nor for an API token. Whether a request executed is read from
// the statements it sent: the token list's own statement runs only when the query executes.
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/persistence/database.js';
import { sqliteFilePath } from '../src/persistence/sqlite.js';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';
import { movableClock } from './support/movable-clock.js';
import { createTestDatabase } from './support/test-database.js';

const LIST = 'query($status: TokenStatus) { tokens(status: $status) { id name documentCount status } }';
const TOKEN_SCOPES = 'mutation($name: String!, $scopes: [TokenScope!]) { generateToken(name: $name, scopes: $scopes) { secret token { id } } }';
const DAY = 24 * 60 * 60 * 1000;

const clock = movableClock();

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { clock: clock.now });
});
afterAll(() => t.close());

/** Reads the token list and says whether it executed (its statement ran) or came from the cache. */
async function list(credential: string, status = 'ACTIVE', headers: Record<string, string> = {}) {
  const before = t.sql.length;
  const result = await t.gql(LIST, { status }, { ...bearer(credential), ...headers });
  const executed = t.sql.slice(before).some((statement) => /FROM "ApiToken" t\s+WHERE t\."accountId" = \$1/.test(statement));
  return { result, executed, tokens: result.data?.tokens as Array<{ id: string; name: string; documentCount: number; status: string }> | undefined };
}

describe('a session reading the same query twice', () => {
  it('gets the second answer from the cache, the same as the first', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session, 'cached');
    const first = await list(session);
    const second = await list(session);
    expect(first.executed).toBe(true);
    expect(second.executed).toBe(false);
    expect(second.result.data).toEqual(first.result.data);
    expect(second.tokens!.map((token) => token.name)).toEqual(['cached']);
  });

  it('gets a fresh answer after a change through the API', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session, 'one');
    await list(session);
    await t.generateToken(session, 'two');
    const after = await list(session);
    expect(after.executed).toBe(true);
    expect(after.tokens!.map((token) => token.name).sort()).toEqual(['one', 'two']);
  });

  it('gets a fresh count after a document, which is written outside GraphQL mutations on tokens', async () => {
    const { session } = await t.signUp();
    const token = await t.generateToken(session, 'counted');
    expect((await list(session)).tokens![0]!.documentCount).toBe(0);
    expect((await t.renderDocument(token.secret)).errors).toBeUndefined();
    const after = await list(session);
    expect(after.executed).toBe(true);
    expect(after.tokens![0]!.documentCount).toBe(1);
  });

  it('gets a fresh answer after another process wrote to the database file', async () => {
    const { session } = await t.signUp();
    const token = await t.generateToken(session, 'before');
    await list(session);
    expect((await list(session)).executed).toBe(false);
    const other = new BetterSqlite3(sqliteFilePath(t.database.url), { timeout: 5000 });
    try {
      other.prepare('UPDATE "ApiToken" SET "name" = ? WHERE "id" = ?').run('renamed elsewhere', token.id);
    } finally {
      other.close();
    }
    const after = await list(session);
    expect(after.executed).toBe(true);
    expect(after.tokens!.map((each) => each.name)).toEqual(['renamed elsewhere']);
  });

  it('gets the error, not the cached answer, once the session is signed out', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session);
    await list(session);
    expect((await t.gql('mutation { signOut }', {}, bearer(session))).errors).toBeUndefined();
    const after = await list(session);
    expect(after.result.data).toBeNull();
    expect(codes(after.result)).toEqual(['SESSION_EXPIRED']);
  });

  it('gets a fresh answer once the clock has moved past the reuse time: a token that expired leaves the Active tab', async () => {
    const { session } = await t.signUp();
    const generated = await t.gql('mutation { generateToken(name: "expiring", expiresIn: DAYS_7) { token { id } } }', {}, bearer(session));
    expect(generated.errors).toBeUndefined();
    expect((await list(session)).tokens!.map((token) => token.name)).toEqual(['expiring']);
    expect((await list(session)).executed).toBe(false);
    clock.advance(8 * DAY);
    try {
      const after = await list(session);
      expect(after.executed).toBe(true);
      expect(after.tokens).toEqual([]);
    } finally {
      clock.advance(-(8 * DAY));
    }
  });

  it('keeps different variables apart', async () => {
    const { session } = await t.signUp();
    const token = await t.generateToken(session, 'to delete');
    await t.generateToken(session, 'kept');
    expect((await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id: token.id }, bearer(session))).errors).toBeUndefined();
    await list(session, 'ACTIVE');
    const deleted = await list(session, 'DELETED');
    expect(deleted.executed).toBe(true);
    expect(deleted.tokens!.map((each) => each.name)).toEqual(['to delete']);
    expect((await list(session, 'ACTIVE')).tokens!.map((each) => each.name)).toEqual(['kept']);
  });
});

describe('what is never shared or kept', () => {
  it("another account's session running the same query gets its own tokens", async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    await t.generateToken(a.session, 'of a');
    await t.generateToken(b.session, 'of b');
    await list(a.session);
    expect((await list(a.session)).executed).toBe(false);
    const ofB = await list(b.session);
    expect(ofB.executed).toBe(true);
    expect(ofB.tokens!.map((token) => token.name)).toEqual(['of b']);
  });

  it("a second session of the same person gets its own answer, not the first one's", async () => {
    const { session: first, email } = await t.signUp();
    const signedIn = await t.gql('mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { sessionToken } }', { e: email });
    const second = signedIn.data?.signIn?.sessionToken as string | undefined;
    if (!second) return expect.unreachable(`sign-in failed: ${JSON.stringify(signedIn.errors)}`);
    // `current` says which session asked: the same query, a different answer per session
    const SESSIONS = '{ sessions { id current } }';
    const currentOf = async (session: string) => {
      const result = await t.gql(SESSIONS, {}, bearer(session));
      const sessions = result.data?.sessions as Array<{ id: string; current: boolean }>;
      expect(sessions).toHaveLength(2);
      return sessions.find((each) => each.current)?.id;
    };
    const ofFirst = await currentOf(first);
    expect(await currentOf(first)).toBe(ofFirst);
    const ofSecond = await currentOf(second);
    expect(ofSecond).toBeDefined();
    expect(ofSecond).not.toBe(ofFirst);
  });

  it('the same session working in another team (Pogodoc-Team) gets that team\'s tokens', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const created = await t.gql('mutation($name: String!) { createTeam(name: $name) { id } }', { name: 'Cache team' }, bearer(session));
    const teamId = created.data?.createTeam?.id as string;
    expect(teamId).toBeTruthy();
    const inTeam = { 'pogodoc-team': teamId };
    expect((await t.gql('mutation { choosePlan(planId: "pro") { id } }', {}, { ...bearer(session), ...inTeam })).errors).toBeUndefined();
    expect((await t.gql('mutation { generateToken(name: "of the team") { token { id } } }', {}, { ...bearer(session), ...inTeam })).errors).toBeUndefined();
    await t.generateToken(session, 'personal');
    await list(session);
    expect((await list(session)).executed).toBe(false);
    const team = await list(session, 'ACTIVE', inTeam);
    expect(team.executed).toBe(true);
    expect(team.tokens!.map((token) => token.name)).toEqual(['of the team']);
  });

  it('an API token with TOKENS_READ executes every read', async () => {
    const { session } = await t.signUp();
    const created = await t.gql(TOKEN_SCOPES, { name: 'reader', scopes: ['TOKENS_READ'] }, bearer(session));
    const secret = created.data?.generateToken?.secret as string;
    expect(secret).toBeTruthy();
    const first = await list(secret);
    const second = await list(secret);
    expect(first.tokens!.map((token) => token.name)).toEqual(['reader']);
    expect([first.executed, second.executed]).toEqual([true, true]);
  });

  it('a mutation is never answered from the cache', async () => {
    const { session } = await t.signUp();
    const names = [];
    for (let i = 0; i < 2; i++) {
      const result = await t.gql('mutation { generateToken(name: "same") { token { id } } }', {}, bearer(session));
      names.push(result.data?.generateToken?.token?.id);
    }
    expect(new Set(names).size).toBe(2);
  });

  it('an answer with errors is not kept', async () => {
    const { session } = await t.signUp();
    const query = 'query($id: ID!) { token(id: $id) { id } }';
    const before = t.sql.length;
    const first = await t.gql(query, { id: 'missing' }, bearer(session));
    const statementsOfFirst = t.sql.length - before;
    const second = await t.gql(query, { id: 'missing' }, bearer(session));
    expect(codes(first)).toEqual(codes(second));
    expect(codes(first)).toHaveLength(1);
    expect(t.sql.length - before).toBe(2 * statementsOfFirst);
  });
});

describe('what makes a key', () => {
  it('variables the operation does not declare make no key of their own: they change nothing in the answer', async () => {
    const { session } = await t.signUp();
    await t.generateToken(session, 'padded');
    await list(session);
    const before = t.sql.length;
    const padded = await t.gql(LIST, { status: 'ACTIVE', pad: 'x'.repeat(100_000) }, bearer(session));
    const other = await t.gql(LIST, { status: 'ACTIVE', pad: 'y'.repeat(100_000) }, bearer(session));
    expect(padded.data?.tokens.map((token: { name: string }) => token.name)).toEqual(['padded']);
    expect(other.data).toEqual(padded.data);
    expect(t.sql.slice(before).some((statement) => /FROM "ApiToken" t\s+WHERE t\."accountId" = \$1/.test(statement))).toBe(false);
  });

  it('a long declared variable is not a key: that request executes every time', async () => {
    const { session } = await t.signUp();
    const query = 'query($actor: ID) { auditEventConnection(actorUserId: $actor) { edges { cursor } } }';
    const statementsOf = async (actor: string) => {
      const before = t.sql.length;
      const result = await t.gql(query, { actor }, bearer(session));
      expect(result.errors).toBeUndefined();
      expect(result.data?.auditEventConnection?.edges).toEqual([]);
      return t.sql.length - before;
    };
    const long = 'a'.repeat(5000);
    const short = 'a'.repeat(50);
    const [longFirst, longAgain, shortFirst, shortAgain] = [await statementsOf(long), await statementsOf(long), await statementsOf(short), await statementsOf(short)];
    expect(longAgain).toBe(longFirst);
    expect(shortFirst).toBe(longFirst);
    expect(shortAgain).toBeLessThan(shortFirst);
  });
});

describe('where there is no cache', () => {
  it('with RESPONSE_CACHE_TTL_MS=0 every read executes', async () => {
    const off = await createTestApp({ responseCacheTtlMs: 0 });
    try {
      const { session } = await off.signUp();
      await off.generateToken(session);
      const executed = [];
      for (let i = 0; i < 2; i++) {
        const before = off.sql.length;
        await off.gql(LIST, { status: 'ACTIVE' }, bearer(session));
        executed.push(off.sql.slice(before).some((statement) => /FROM "ApiToken" t\s+WHERE t\."accountId" = \$1/.test(statement)));
      }
      expect(executed).toEqual([true, true]);
    } finally {
      await off.close();
    }
  });

  it('PostgreSQL has no data version to check, so the cache is off there', async () => {
    const database = await createTestDatabase('postgresql');
    try {
      const opened = await openDatabase(database.url);
      try {
        expect(opened.dataVersion).toBeUndefined();
      } finally {
        await opened.close();
      }
    } finally {
      await database.drop();
    }
  });
});
