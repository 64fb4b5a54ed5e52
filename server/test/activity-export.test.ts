// GET /activity/export.csv: the whole filtered audit trail as CSV, every page, with the rules of the
// audit query; a field a spreadsheet would run as a formula is defused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFromEnv } from '../src/config.js';
import { MAX_AUDIT_PAGE_SIZE } from '../src/domain/audit.js';
import { parseCsv } from './support/parse-csv.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ limits: { ...limitsFromEnv({}), tokenMutationsPerAccountPerMinute: 1000 } });
});
afterAll(async () => {
  await t?.close();
});

const exportOf = (query: string, headers: Record<string, string> = {}) => t.app.yoga.fetch(`http://yoga/activity/export.csv${query}`, { headers });

describe('the activity export', () => {
  it('streams every page of the filtered range, with token names, as CSV', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    const token = await t.generateToken(session, 'exported');
    const renames = MAX_AUDIT_PAGE_SIZE + 20;
    for (let rename = 0; rename < renames; rename++) {
      const renamed = await t.gql('mutation($id: ID!, $n: String!) { updateToken(id: $id, name: $n) { id } }', { id: token.id, n: `name ${rename}` }, bearer(session));
      expect(renamed.errors).toBeUndefined();
    }
    const all = await exportOf('', bearer(session));
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(all.headers.get('content-disposition')).toMatch(/^attachment; filename="activity-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(await all.text());
    expect(rows[0]).toEqual(['time', 'type', 'actorType', 'actorEmail', 'actorId', 'tokenId', 'tokenName', 'clientAddress', 'userAgent', 'details']);
    // sign-up, sign-in, plan, generate and every rename: more than one page
    expect(rows.length - 1).toBeGreaterThanOrEqual(renames + 3);

    const renamesOnly = parseCsv(await (await exportOf(`?types=TOKEN_RENAMED&tokenId=${token.id}`, bearer(session))).text()).slice(1);
    expect(renamesOnly).toHaveLength(renames);
    for (const row of renamesOnly) expect(row.slice(1, 2).concat(row.slice(5, 7))).toEqual(['TOKEN_RENAMED', token.id, `name ${renames - 1}`]);
    // newest first
    expect(JSON.parse(renamesOnly[0]![9]!)).toEqual({ name: `name ${renames - 1}` });
  });

  it('defuses a field a spreadsheet would run as a formula', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    await t.generateToken(session, '=HYPERLINK("x")');
    const rows = parseCsv(await (await exportOf('?types=TOKEN_GENERATED', bearer(session))).text());
    expect(rows[1]![6]).toBe(`'=HYPERLINK("x")`);
  });

  it('refuses as the audit query does: no credential 401, a token without AUDIT_READ 403, a bad filter 400', async () => {
    const { session } = await t.signUp({ plan: 'pro' });
    expect((await exportOf('')).status).toBe(401);
    const renderOnly = await t.generateToken(session, 'render only');
    const refused = await exportOf('', bearer(renderOnly.secret));
    expect(refused.status).toBe(403);
    expect((await refused.json()).errors[0].extensions.code).toBe('API_TOKEN_SCOPE_MISSING');
    const bad = await exportOf('?types=NOT_A_TYPE', bearer(session));
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].extensions.code).toBe('EXPORT_FILTER_INVALID');
    const otherTeam = await exportOf('?team=team_none', bearer(session));
    expect((await otherTeam.json()).errors[0].extensions.code).toBe('TEAM_NOT_FOUND');
  });
});
