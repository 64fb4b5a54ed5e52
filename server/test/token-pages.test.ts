// The token tabs a page at a time (tokenConnection): the Deleted tab grows without bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, codes, createTestApp, type GraphQLResponse, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const PAGE = `query($status: TokenStatus, $first: Int, $after: String) {
  tokenConnection(status: $status, first: $first, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }
}`;
type Page = { edges: Array<{ cursor: string; node: { id: string; name: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

/** An account with `count` deleted tokens (10 active at most: generate, delete, repeat). */
async function accountWithDeleted(count: number) {
  const { session, accountId } = await t.signUp({ plan: 'pro' });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { id } = await t.generateToken(session, `deleted ${i}`);
    await t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, bearer(session));
    ids.push(id);
  }
  return { session, accountId, ids };
}

async function page(session: string, variables: Record<string, unknown>): Promise<Page> {
  const result = await t.gql(PAGE, { status: 'DELETED', ...variables }, bearer(session));
  expect(result.errors).toBeUndefined();
  return result.data.tokenConnection;
}

describe('tokenConnection', () => {
  it('pages the Deleted tab newest first, in the order of `tokens`, to the end', async () => {
    const { session, ids } = await accountWithDeleted(12);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const current: Page = await page(session, { first: 5, after });
      seen.push(...current.edges.map((edge) => edge.node.id));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const listed = (await t.gql('{ tokens(status: DELETED) { id } }', {}, bearer(session))).data.tokens.map((token: { id: string }) => token.id);
    expect(seen).toEqual(listed);
  });

  it('stays stable under concurrent deletes: no token of the first listing is skipped or repeated', async () => {
    const { session, ids } = await accountWithDeleted(15);
    const active = await Promise.all(Array.from({ length: 8 }, (_, i) => t.generateToken(session, `live ${i}`)));
    const seen: string[] = [];
    let after: string | null = null;
    let deleting = 0;
    for (;;) {
      // between pages, more tokens are deleted, and concurrently with the page's read
      const deletes = active.slice(deleting, deleting + 2).map(({ id }) => t.gql('mutation($id: ID!) { deleteToken(id: $id) { id } }', { id }, bearer(session)));
      deleting += 2;
      const [current] = (await Promise.all([page(session, { first: 4, after }), ...deletes])) as [Page, ...unknown[]];
      seen.push(...current.edges.map((edge) => edge.node.id));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    // every token deleted before paging began is there, in order; the ones deleted meanwhile
    // appear only at the head of the tab (before the first cursor), or on a page not yet read
    const before = seen.filter((id) => ids.includes(id));
    expect(before).toEqual([...ids].reverse());
  });

  it('costs a constant number of SQL statements per page, whatever the tab holds', async () => {
    const { session } = await accountWithDeleted(25);
    const statementsOf = async (variables: Record<string, unknown>) => {
      const before = t.sql.length;
      const result = await page(session, variables);
      return { statements: t.sql.length - before, result };
    };
    const first = await statementsOf({ first: 5 });
    const second = await statementsOf({ first: 5, after: first.result.pageInfo.endCursor });
    const large = await statementsOf({ first: 20, after: first.result.pageInfo.endCursor });
    // the session joined with its account, then the page
    expect([first.statements, second.statements, large.statements]).toEqual([2, 2, 2]);
    expect(large.result.edges).toHaveLength(20);
  });

  it('refuses a bad page size, a forged cursor, and paging backwards', async () => {
    const { session } = await accountWithDeleted(1);
    expect(codes(await t.gql(PAGE, { first: 0 }, bearer(session)))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(PAGE, { first: 101 }, bearer(session)))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(PAGE, { after: 'not-a-cursor' }, bearer(session)))).toEqual(['BAD_USER_INPUT']);
    // dates JavaScript reads but a database's timestamps do not: a bad cursor, not an unexpected error
    const forged = (at: string) => Buffer.from(JSON.stringify([at, 'x'])).toString('base64url');
    for (const at of ['0000-01-01T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '-000001-01-01T00:00:00.000Z', '2026-02-30T00:00:00.000Z']) {
      expect(codes(await t.gql(PAGE, { after: forged(at) }, bearer(session)))).toEqual(['BAD_USER_INPUT']);
      const audit = await t.gql('query($after: String) { auditEvents(after: $after) { nodes { id } } }', { after: Buffer.from(`audit:${at}|x`).toString('base64url') }, bearer(session));
      expect(codes(audit)).toEqual(['AUDIT_CURSOR_INVALID']);
    }
    expect(codes(await t.gql('{ tokenConnection(last: 2) { edges { cursor } } }', {}, bearer(session)))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('tokens(status: DELETED), capped', () => {
  // many deleted tokens, inserted directly: through the API each costs a generate and a delete
  // under the 10-active cap and the rate limits
  async function accountWithManyDeleted(count: number) {
    const { session, accountId } = await t.signUp({ plan: 'pro' });
    const start = Date.UTC(2026, 0, 1);
    const rows = Array.from({ length: count }, (_, i) => ({
      id: `bulk${String(i).padStart(4, '0')}${accountId}`,
      accountId,
      name: `bulk ${i}`,
      secretHash: `bulk-hash-${accountId}-${i}`,
      preview: 'pgd_bulk…',
      createdAt: new Date(start + i * 60_000),
      deletedAt: new Date(start + i * 60_000 + 1000),
    }));
    await t.app.database.prisma.apiToken.createMany({ data: rows });
    // newest deleted first
    return { session, ids: rows.map((row) => row.id).reverse() };
  }

  it('answers only the 100 most recently deleted, and the connection pages through all of them with its count', async () => {
    const { session, ids } = await accountWithManyDeleted(130);
    const listed = await t.gql('{ tokens(status: DELETED) { id } }', {}, bearer(session));
    expect(listed.errors).toBeUndefined();
    expect(listed.data.tokens.map((token: { id: string }) => token.id)).toEqual(ids.slice(0, 100));

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      type CountedPage = { totalCount: number; edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      const result: GraphQLResponse<{ tokenConnection: CountedPage }> = await t.gql(
        'query($after: String) { tokenConnection(status: DELETED, first: 25, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        { after },
        bearer(session),
      );
      expect(result.errors).toBeUndefined();
      const connection: CountedPage = result.data!.tokenConnection;
      expect(connection.totalCount).toBe(130);
      seen.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('costs the same statements with 130 deleted tokens as with a few, the count one more only when asked', async () => {
    const { session } = await accountWithManyDeleted(130);
    const statementsOf = async (query: string) => {
      const before = t.sql.length;
      const result = await t.gql(query, {}, bearer(session));
      expect(result.errors).toBeUndefined();
      return t.sql.length - before;
    };
    // the session joined with its account, then the list (leaks: one batched read)
    expect(await statementsOf('{ tokens(status: DELETED) { id } }')).toBe(2);
    expect(await statementsOf('{ tokens(status: DELETED) { id leak { url } } }')).toBe(3);
    expect(await statementsOf('{ tokenConnection(status: DELETED, first: 25) { edges { node { id leak { url } } } } }')).toBe(3);
    expect(await statementsOf('{ tokenConnection(status: DELETED, first: 25) { totalCount edges { node { id leak { url } } } } }')).toBe(4);
  });
});
