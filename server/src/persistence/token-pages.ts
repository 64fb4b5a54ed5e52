// Pages of a token tab (domain/token-pages.ts), one statement per page along the account's
// index: the tab's condition as token-store.ts's `usable` writes it, then "after this position"
// as a keyset condition on (sort instant, id), and LIMIT one more than the page, which tells
// whether another page follows.
import type { ApiTokenRecord, TokenStatus } from '../domain/ports.js';
import type { TokenPage, TokenPosition } from '../domain/token-pages.js';
import type { SqlDriver, SqlStatement } from './sql-driver.js';
import { TOKEN_COLUMNS, TOKEN_DATES, usable } from './token-sql.js';

const TABS: Record<TokenStatus, { where: string; sortInstant: string }> = {
  ACTIVE: { where: usable('t.', '$2'), sortInstant: 't."createdAt"' },
  // the Deleted tab lists expired tokens too, by when they stopped working
  DELETED: { where: `NOT (${usable('t.', '$2')})`, sortInstant: 'COALESCE(t."deletedAt", t."expiresAt")' },
  EXPIRED: { where: 't."deletedAt" IS NULL AND t."expiresAt" <= $2', sortInstant: 't."expiresAt"' },
};

const statementOf = (status: TokenStatus, after: boolean): SqlStatement => {
  const { where, sortInstant } = TABS[status];
  return {
    name: `token_page_${status.toLowerCase()}${after ? '_after' : ''}`,
    text: `SELECT ${TOKEN_COLUMNS} FROM "ApiToken" t WHERE t."accountId" = $1 AND ${where}
      ${after ? `AND (${sortInstant} < $4 OR (${sortInstant} = $4 AND t."id" < $5))` : ''}
      ORDER BY ${sortInstant} DESC, t."id" DESC LIMIT $3`,
    dateColumns: TOKEN_DATES,
  };
};

const PAGES = Object.fromEntries(
  (['ACTIVE', 'DELETED', 'EXPIRED'] as const).map((status) => [status, { first: statementOf(status, false), after: statementOf(status, true) }]),
) as Record<TokenStatus, { first: SqlStatement; after: SqlStatement }>;

const COUNTS = Object.fromEntries(
  (['ACTIVE', 'DELETED', 'EXPIRED'] as const).map((status) => [
    status,
    { name: `token_count_${status.toLowerCase()}`, text: `SELECT COUNT(*) AS "count" FROM "ApiToken" t WHERE t."accountId" = $1 AND ${TABS[status].where}` },
  ]),
) as Record<TokenStatus, SqlStatement>;

export class DatabaseTokenPages {
  constructor(private readonly sql: SqlDriver) {}

  async page(accountId: string, status: TokenStatus, now: Date, size: number, after: TokenPosition | undefined): Promise<TokenPage> {
    const rows = after
      ? await this.sql.rows<ApiTokenRecord>(PAGES[status].after, [accountId, now, size + 1, after.at, after.id])
      : await this.sql.rows<ApiTokenRecord>(PAGES[status].first, [accountId, now, size + 1]);
    return { tokens: rows.slice(0, size), hasNextPage: rows.length > size };
  }

  async count(accountId: string, status: TokenStatus, now: Date): Promise<number> {
    const [row] = await this.sql.rows<{ count: number | bigint | string }>(COUNTS[status], [accountId, now]);
    // PostgreSQL's COUNT is a bigint, which pg hands over as a string
    return Number(row?.count ?? 0);
  }
}
