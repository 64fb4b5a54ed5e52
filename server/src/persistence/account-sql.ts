// The Account and Session tables in SQL, for the two stores that write them together (a sign-up is
// an account and its first session in one transaction): the account's columns and the session's insert.
import type { AccountRecord } from '../domain/ports.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { dateColumns, prismaSelect, type RowModel } from './row-model.js';
import type { SqlStatement } from './sql-driver.js';

export const ACCOUNT_ROW = {
  id: 'value',
  email: 'value',
  passwordHash: 'value',
  name: 'value',
  twoFactorRequiredAt: 'date',
  emailVerifiedAt: 'date',
  planId: 'value',
  planActivatedAt: 'date',
  planCancelledAt: 'date',
  createdAt: 'date',
} as const satisfies RowModel<AccountRecord>;

export const ACCOUNT_FIELDS = prismaSelect(ACCOUNT_ROW) satisfies Prisma.AccountSelect;
export const ACCOUNT_DATES = dateColumns(ACCOUNT_ROW);
/** The account as a write left it, for every store that writes the Account table. */
export const RETURNING_ACCOUNT = `RETURNING ${Object.keys(ACCOUNT_ROW).map((column) => `"${column}"`).join(', ')}`;

export const INSERT_SESSION: SqlStatement = {
  name: 'session_insert',
  text: `INSERT INTO "Session" ("id", "accountId", "secretHash", "createdAt", "expiresAt", "clientAddress", "userAgent", "lastSeenAt")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $4) RETURNING "id", "accountId"`,
};

// Serialises the changes of one account that decide on a count (its webhook endpoints, its pending
// invitations, its owners): a no-op UPDATE, the same text on both databases. On PostgreSQL it holds
// the row lock until commit, so concurrent changes of one account take turns; SQLite has one writer.
export const LOCK_ACCOUNT: SqlStatement = {
  name: 'account_lock',
  text: `UPDATE "Account" SET "id" = "id" WHERE "id" = $1 RETURNING "id"`,
};
