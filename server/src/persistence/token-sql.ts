// The ApiToken table in SQL, for every store that reads or counts on it: its columns, which rows
// are usable (the one place that knows deletedAt IS NULL, the slot and the expiry), and the
// UPDATE that counts a document.
import type { ApiTokenRecord, TokenUse } from '../domain/ports.js';
import { monthOf } from '../domain/token-restrictions.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { dateColumns, prismaSelect, sqlColumns, type RowModel } from './row-model.js';
import type { SqlStatement } from './sql-driver.js';

export const TOKEN_ROW = {
  id: 'value',
  accountId: 'value',
  name: 'value',
  preview: 'value',
  documentCount: 'value',
  lastUsedAt: 'date',
  lastUsedAddress: 'value',
  lastUsedUserAgent: 'value',
  createdAt: 'date',
  deletedAt: 'date',
  disabledAt: 'date',
  expiresAt: 'date',
  previousSecretValidUntil: 'date',
  previousSecretUseCount: 'value',
  previousSecretLastUsedAt: 'date',
  previousSecretLastUsedAddress: 'value',
  previousSecretLastUsedUserAgent: 'value',
  allowedIps: 'value',
  monthlyDocumentLimit: 'value',
  rateLimitPerSecond: 'value',
  rateLimitPerMinute: 'value',
  monthlyDocumentCount: 'value',
  monthlyCountMonth: 'value',
  scopes: 'value',
  mode: 'value',
} as const satisfies RowModel<ApiTokenRecord>;

export const TOKEN_FIELDS = prismaSelect(TOKEN_ROW) satisfies Prisma.ApiTokenSelect;

// The statements every document request and every dashboard read runs, on the driver itself
// (sql-driver.ts explains why), reading the same columns as TOKEN_FIELDS.
export const TOKEN_COLUMNS = sqlColumns(TOKEN_ROW, 't');
export const TOKEN_DATES = dateColumns(TOKEN_ROW);

/** A usable token, in SQL: not deleted, holding its slot, and not past its expiry at `nowParam`. */
export const usable = (alias: string, nowParam: string) =>
  `${alias}"deletedAt" IS NULL AND ${alias}"activeSlot" IS NOT NULL AND (${alias}"expiresAt" IS NULL OR ${alias}"expiresAt" > ${nowParam})`;

// One UPDATE … RETURNING: the increment is atomic, the new count is exactly ours, and the
// "still usable" check is in the same statement, so a delete, a disable or an expiry that lands
// mid-request wins. So is the monthly limit: the row's month count goes up only while it stays
// within the limit (a new month starts again from 0), and concurrent documents take the row lock
// in turn, each re-checking the count the previous one left; PostgreSQL re-evaluates the WHERE on
// the updated row, SQLite runs one writer at a time. The use's address and agent are stamped by
// the same statement: no extra write. It counts $7 documents at once, all or none: one, or a
// group of the same token's documents committed together (document-count-batcher.ts), stamped
// with the last one's use. A document with an idempotency key runs it inside the transaction that
// stores its result (idempotency-store.ts).
export const RECORD_DOCUMENT: SqlStatement = {
  name: 'token_record_document',
  text: `UPDATE "ApiToken" SET "documentCount" = "documentCount" + CAST($7 AS INTEGER), "lastUsedAt" = $2,
      "lastUsedAddress" = $3, "lastUsedUserAgent" = $4,
      "monthlyDocumentCount" = CASE WHEN "monthlyCountMonth" = $5 THEN "monthlyDocumentCount" ELSE 0 END + CAST($7 AS INTEGER),
      "monthlyCountMonth" = $5,
      "previousSecretUseCount" = "previousSecretUseCount" + CAST($6 AS INTEGER),
      "previousSecretLastUsedAt" = CASE WHEN CAST($6 AS INTEGER) > 0 THEN $2 ELSE "previousSecretLastUsedAt" END,
      "previousSecretLastUsedAddress" = CASE WHEN CAST($6 AS INTEGER) > 0 THEN $3 ELSE "previousSecretLastUsedAddress" END,
      "previousSecretLastUsedUserAgent" = CASE WHEN CAST($6 AS INTEGER) > 0 THEN $4 ELSE "previousSecretLastUsedUserAgent" END
    WHERE "id" = $1 AND ${usable('', '$2')} AND "disabledAt" IS NULL
      AND ("monthlyDocumentLimit" IS NULL
        OR CASE WHEN "monthlyCountMonth" = $5 THEN "monthlyDocumentCount" ELSE 0 END + CAST($7 AS INTEGER) <= "monthlyDocumentLimit")
    RETURNING "documentCount"`,
};

/** The parameters of RECORD_DOCUMENT, for its callers: `documents` documents of one token and one kind of secret, the last of them `use`. */
export const recordDocumentParams = (tokenId: string, use: TokenUse, documents = 1) => [
  tokenId,
  use.at,
  use.clientAddress,
  use.userAgent,
  monthOf(use.at),
  use.previousSecret ? documents : 0,
  documents,
];

