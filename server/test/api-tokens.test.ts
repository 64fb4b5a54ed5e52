// The API Tokens page, rule by rule, through the public GraphQL API and the database.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const GENERATE = 'mutation($name: String!) { generateToken(name: $name) { secret token { id name preview createdAt documentCount lastUsedAt deletedAt status } } }';
const LIST = 'query($status: TokenStatus) { tokens(status: $status) { id name preview createdAt documentCount lastUsedAt deletedAt status } }';
const DELETE = 'mutation($id: ID!) { deleteToken(id: $id) { id status deletedAt documentCount } }';

/** Every row of every table, as text: what an attacker with the database would read. */
async function databaseDump(): Promise<string> {
  const { prisma } = t.app.database;
  const rows = await Promise.all([prisma.account.findMany(), prisma.session.findMany(), prisma.apiToken.findMany()]);
  return JSON.stringify(rows);
}

describe('generating a token', () => {
  it('returns the token once, with its name, creation date, zero documents and a preview', async () => {
    const { session } = await t.signUp();
    const result = await t.gql(GENERATE, { name: 'Production' }, bearer(session));
    expect(result.errors).toBeUndefined();
    const { secret, token } = result.data.generateToken;
    expect(secret).toMatch(/^pgd_[0-9A-Za-z]{36}$/);
    expect(token).toMatchObject({ name: 'Production', documentCount: 0, lastUsedAt: null, deletedAt: null, status: 'ACTIVE' });
    expect(token.preview).toBe(`${secret.slice(0, 8)}…${secret.slice(-4)}`);
    expect(Date.now() - new Date(token.createdAt).getTime()).toBeLessThan(60_000);
  });

  it('the secret is never returned again: no field of any token holds it', async () => {
    const { session } = await t.signUp();
    const { secret, id } = await t.generateToken(session, 'once');
    const listed = await t.gql(LIST, {}, bearer(session));
    const single = await t.gql('query($id: ID!) { token(id: $id) { id name preview } }', { id }, bearer(session));
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(JSON.stringify(single)).not.toContain(secret);
    expect(JSON.stringify(listed)).toContain(id);
    // and the schema has no field that could carry it
    const introspection = await t.gql('{ __type(name: "ApiToken") { fields { name } } }');
    const fieldNames = introspection.data.__type.fields.map((field: { name: string }) => field.name);
    expect(fieldNames).not.toContain('secret');
    expect(fieldNames).not.toContain('secretHash');
  });

  it('only a SHA-256 of the secret is stored; the database never contains the secret', async () => {
    const { session } = await t.signUp();
    const { secret, id } = await t.generateToken(session, 'hashed');
    const row = await t.app.database.prisma.apiToken.findUniqueOrThrow({ where: { id }, select: { secretHash: true } });
    expect(row.secretHash).toBe(createHash('sha256').update(secret).digest('hex'));
    const dump = await databaseDump();
    expect(dump).toContain(row.secretHash);
    expect(dump).not.toContain(secret.slice(4, 34));
    // on SQLite, not even in the file's free pages or the write-ahead log
    const file = t.database.sqliteFile;
    if (file) {
      for (const part of [file, `${file}-wal`]) {
        if (existsSync(part)) expect(readFileSync(part).includes(Buffer.from(secret.slice(4, 34)))).toBe(false);
      }
    }
  });

  it('a plan is required: without one, generation is refused with the product\'s reason', async () => {
    const { session } = await t.signUp({ plan: null });
    const result = await t.gql(GENERATE, { name: 'no plan' }, bearer(session));
    expect(codes(result)).toEqual(['PLAN_REQUIRED']);
    expect(result.errors![0]!.message).toMatch(/subscribed to a plan/);
    const chosen = await t.gql('mutation { choosePlan(planId: "pro") { planActive plan { id } } }', {}, bearer(session));
    expect(chosen.data.choosePlan).toEqual({ planActive: true, plan: { id: 'pro' } });
    expect((await t.gql(GENERATE, { name: 'with plan' }, bearer(session))).errors).toBeUndefined();
  });

  it('needs a session or TOKENS_WRITE: a document token cannot generate or delete tokens', async () => {
    const { session } = await t.signUp();
    const { secret, id } = await t.generateToken(session);
    expect(codes(await t.gql(GENERATE, { name: 'sneaky' }, bearer(secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
    expect(codes(await t.gql(DELETE, { id }, bearer(secret)))).toEqual(['API_TOKEN_SCOPE_MISSING']);
    expect(codes(await t.gql(GENERATE, { name: 'anonymous' }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('token names (1 to 20 characters, counted in Unicode code points after NFC and trimming)', () => {
  let session: string;
  beforeAll(async () => {
    ({ session } = await t.signUp({ plan: 'business' }));
  });
  const generate = (name: string) => t.gql(GENERATE, { name }, bearer(session));

  it('a token name of 20 characters is accepted', async () => {
    const result = await generate('a'.repeat(20));
    expect(result.data.generateToken.token.name).toBe('a'.repeat(20));
  });

  it('a token name of 21 characters is refused', async () => {
    const result = await generate('a'.repeat(21));
    expect(codes(result)).toEqual(['TOKEN_NAME_TOO_LONG']);
    expect(result.errors![0]!.message).toMatch(/at most 20 characters/);
  });

  it('an empty or blank name is refused', async () => {
    expect(codes(await generate(''))).toEqual(['TOKEN_NAME_REQUIRED']);
    expect(codes(await generate('   \t '))).toEqual(['TOKEN_NAME_REQUIRED']);
  });

  it('surrounding spaces are trimmed and do not count', async () => {
    const result = await generate(`   ${'b'.repeat(20)}   `);
    expect(result.data.generateToken.token.name).toBe('b'.repeat(20));
  });

  it('an emoji counts as one character: 20 emoji are accepted, 21 refused', async () => {
    // each 🔑 is 2 UTF-16 units, so 20 of them are 40 units
    expect((await generate('🔑'.repeat(20))).data.generateToken.token.name).toBe('🔑'.repeat(20));
    expect(codes(await generate('🔑'.repeat(21)))).toEqual(['TOKEN_NAME_TOO_LONG']);
  });

  it('control and text-direction characters are refused', async () => {
    expect(codes(await generate('bad\u0000name'))).toEqual(['TOKEN_NAME_INVALID']);
    expect(codes(await generate('evil\u202Egnp.exe'))).toEqual(['TOKEN_NAME_INVALID']);
  });

  it('invisible and text-direction characters (Unicode format characters) are refused, naming the character', async () => {
    const refused = await generate('Produc\u200Btion');
    expect(codes(refused)).toEqual(['TOKEN_NAME_INVALID']);
    expect(refused.errors![0]!.message).toMatch(/U\+200B at character 7.*Remove it/);
    // joiners, marks, isolates, the byte-order mark, the soft hyphen and tag characters alike
    for (const name of ['a\u200Db', 'left\u200Eright', 'x\u200Fy', 'ar\u061Cb', '\u2066x\u2069', 'na\uFEFFme', 'soft\u00ADhyphen', 'tag\u{E0067}', 'word\u2060joiner']) {
      expect({ name, codes: codes(await generate(name)) }).toEqual({ name, codes: ['TOKEN_NAME_INVALID'] });
    }
    const { data } = await t.gql(LIST, {}, bearer(session));
    expect(data.tokens.map((token: { name: string }) => token.name).filter((name: string) => /\p{Cf}/u.test(name))).toEqual([]);
  });

  it('an emoji made with joiners or tags is one visible emoji and is accepted', async () => {
    for (const name of ['👨\u200D👩\u200D👧 team', '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} ops', '❤\uFE0F prod']) {
      const result = await generate(name);
      expect(result.data.generateToken.token.name).toBe(name);
      await t.gql(`mutation { deleteToken(id: "${result.data.generateToken.token.id}") { id } }`, {}, bearer(session));
    }
  });

  it('is normalised to NFC, and its 1-20 characters (code points) are counted after that', async () => {
    // "e" + a combining acute accent is two code points, stored and counted as the one "é"
    const composed = await generate('e\u0301'.repeat(20));
    expect(composed.data.generateToken.token.name).toBe('\u00E9'.repeat(20));
    await t.gql(`mutation { deleteToken(id: "${composed.data.generateToken.token.id}") { id } }`, {}, bearer(session));
    expect(codes(await generate('e\u0301'.repeat(21)))).toEqual(['TOKEN_NAME_TOO_LONG']);
  });

  it('a refused name creates nothing', async () => {
    const before = await t.gql(LIST, {}, bearer(session));
    await generate('x'.repeat(50));
    const after = await t.gql(LIST, {}, bearer(session));
    expect(after.data.tokens).toHaveLength(before.data.tokens.length);
  });
});

describe('the limit of 10 active tokens', () => {
  it('the 11th active token is refused', async () => {
    const { session } = await t.signUp();
    for (let i = 1; i <= 10; i++) await t.generateToken(session, `token ${i}`);
    const eleventh = await t.gql(GENERATE, { name: 'token 11' }, bearer(session));
    expect(codes(eleventh)).toEqual(['TOKEN_LIMIT_REACHED']);
    expect(eleventh.errors![0]!.message).toMatch(/limit of 10 active API tokens/);
    const viewer = await t.gql('{ viewer { activeTokenCount } tokenRules { maxActiveTokens nameMaxLength } }', {}, bearer(session));
    expect(viewer.data).toEqual({ viewer: { activeTokenCount: 10 }, tokenRules: { maxActiveTokens: 10, nameMaxLength: 20 } });
  });

  it("deleted tokens don't count toward the limit", async () => {
    const { session } = await t.signUp();
    const tokens = [];
    for (let i = 1; i <= 10; i++) tokens.push(await t.generateToken(session, `token ${i}`));
    await t.gql(DELETE, { id: tokens[3]!.id }, bearer(session));
    expect((await t.gql(GENERATE, { name: 'replacement' }, bearer(session))).errors).toBeUndefined();
    expect(codes(await t.gql(GENERATE, { name: 'one too many' }, bearer(session)))).toEqual(['TOKEN_LIMIT_REACHED']);
    const deleted = await t.gql(LIST, { status: 'DELETED' }, bearer(session));
    expect(deleted.data.tokens.map((token: { id: string }) => token.id)).toEqual([tokens[3]!.id]);
  });

  it('holds under concurrency: 50 simultaneous generateToken calls leave exactly 10 active', async () => {
    const { session, accountId } = await t.signUp();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.gql(GENERATE, { name: `burst ${i}` }, bearer(session))),
    );
    const succeeded = results.filter((result) => result.data?.generateToken);
    const refused = results.filter((result) => codes(result)?.[0] === 'TOKEN_LIMIT_REACHED');
    expect(succeeded).toHaveLength(10);
    expect(refused).toHaveLength(40);
    expect(await t.app.database.prisma.apiToken.count({ where: { accountId, deletedAt: null } })).toBe(10);
  });
});

describe('deleting a token', () => {
  it('moves it to the Deleted tab with its count and deletion date, and it cannot be restored', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session, 'to delete');
    await t.renderDocument(secret);
    await t.renderDocument(secret);
    const deleted = await t.gql(DELETE, { id }, bearer(session));
    expect(deleted.data.deleteToken).toMatchObject({ id, status: 'DELETED', documentCount: 2 });
    expect(deleted.data.deleteToken.deletedAt).toBeTruthy();
    const active = await t.gql(LIST, { status: 'ACTIVE' }, bearer(session));
    const inDeletedTab = await t.gql(LIST, { status: 'DELETED' }, bearer(session));
    expect(active.data.tokens.map((token: { id: string }) => token.id)).not.toContain(id);
    expect(inDeletedTab.data.tokens).toEqual([expect.objectContaining({ id, name: 'to delete', documentCount: 2, status: 'DELETED' })]);
    // the schema offers no way back
    const mutations = await t.gql('{ __type(name: "Mutation") { fields { name } } }');
    const names = mutations.data.__type.fields.map((field: { name: string }) => field.name);
    expect(names.filter((name: string) => /restore|undelete|reactivate/i.test(name))).toEqual([]);
  });

  it('a deleted token stops working immediately', async () => {
    const { session } = await t.signUp();
    const { id, secret } = await t.generateToken(session);
    expect((await t.renderDocument(secret)).errors).toBeUndefined();
    await t.gql(DELETE, { id }, bearer(session));
    const after = await t.renderDocument(secret);
    expect(after.status).toBe(401);
    expect(codes(after)).toEqual(['API_TOKEN_DELETED']);
  });

  it('deleting an already deleted token is a clear error', async () => {
    const { session } = await t.signUp();
    const { id } = await t.generateToken(session);
    await t.gql(DELETE, { id }, bearer(session));
    const again = await t.gql(DELETE, { id }, bearer(session));
    expect(codes(again)).toEqual(['TOKEN_ALREADY_DELETED']);
    expect(again.errors![0]!.message).toMatch(/cannot be restored/);
  });

  it('deleting an unknown id is TOKEN_NOT_FOUND', async () => {
    const { session } = await t.signUp();
    expect(codes(await t.gql(DELETE, { id: 'does-not-exist' }, bearer(session)))).toEqual(['TOKEN_NOT_FOUND']);
  });

  it('two concurrent deletes of one token: exactly one succeeds', async () => {
    const { session } = await t.signUp();
    const { id } = await t.generateToken(session);
    const results = await Promise.all([t.gql(DELETE, { id }, bearer(session)), t.gql(DELETE, { id }, bearer(session))]);
    expect(results.map((result) => (result.data?.deleteToken ? 'deleted' : codes(result)![0])).sort()).toEqual([
      'TOKEN_ALREADY_DELETED',
      'deleted',
    ]);
  });
});

describe('the two tabs', () => {
  it('list active tokens newest first and deleted tokens most recently deleted first', async () => {
    const { session } = await t.signUp();
    const first = await t.generateToken(session, 'first');
    const second = await t.generateToken(session, 'second');
    const third = await t.generateToken(session, 'third');
    expect((await t.gql(LIST, {}, bearer(session))).data.tokens.map((token: { name: string }) => token.name)).toEqual([
      'third',
      'second',
      'first',
    ]);
    await t.gql(DELETE, { id: first.id }, bearer(session));
    await t.gql(DELETE, { id: third.id }, bearer(session));
    const deleted = await t.gql(LIST, { status: 'DELETED' }, bearer(session));
    expect(deleted.data.tokens.map((token: { name: string }) => token.name)).toEqual(['third', 'first']);
    expect((await t.gql(LIST, { status: 'ACTIVE' }, bearer(session))).data.tokens.map((token: { id: string }) => token.id)).toEqual([second.id]);
  });

  it('reading a tab costs a constant number of SQL queries, whatever the number of tokens', async () => {
    const { session } = await t.signUp();
    const measure = async (query = LIST) => {
      const before = t.sql.length;
      const result = await t.gql(query, {}, bearer(session));
      expect(result.errors).toBeUndefined();
      return t.sql.length - before;
    };
    // the leak banner's field is read for every row: one read for the page, not one per token
    const LIST_WITH_LEAK = 'query { tokens { id name leak { url reportedAt } } }';
    await t.generateToken(session, 'one');
    const withOne = await measure();
    const withOneAndLeaks = await measure(LIST_WITH_LEAK);
    for (let i = 0; i < 9; i++) await t.generateToken(session, `more ${i}`);
    const withTen = await measure();
    const withTenAndLeaks = await measure(LIST_WITH_LEAK);
    expect(withTen).toBe(withOne);
    expect(withTenAndLeaks).toBe(withOneAndLeaks);
    // the session joined with its account, then the list; the leaks add one read
    expect(withTen).toBe(2);
    expect(withTenAndLeaks).toBe(3);
  });
});
