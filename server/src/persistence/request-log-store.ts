// The request log's rows (domain/request-log.ts). Written by the batch writer
// (request-log-writer.ts) through the driver, the one write path: a batch's entries as multi-row
// INSERTs, its counts as upserts, in one transaction. Read with Prisma, like the audit trail's
// pages: these are cold reads of a person looking at the log.
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import {
  OK_OUTCOME,
  type RequestLogCursor,
  type RequestLogEntry,
  type RequestLogFilter,
  type RequestLogStore,
  type RequestOutcomeCount,
} from '../domain/request-log.js';
import type { SqlDriver, SqlStatement, SqlStep } from './sql-driver.js';

const ENTRY_COLUMNS = ['id', 'accountId', 'tokenId', 'at', 'operation', 'outcome', 'httpStatus', 'clientAddress', 'userAgent', 'durationMs', 'requestId', 'expiresAt'] as const;

// Rows per INSERT come in powers of two, so that a batch of any size is a few statements of at
// most log2(MAX_ROWS_PER_INSERT) + 1 shapes, each prepared once per connection.
const MAX_ROWS_PER_INSERT = 64;

function insertEntries(rows: number): SqlStatement {
  const values = Array.from({ length: rows }, (_, row) => `(${ENTRY_COLUMNS.map((_, column) => `$${row * ENTRY_COLUMNS.length + column + 1}`).join(', ')})`);
  return {
    name: `request_log_insert_${rows}`,
    text: `INSERT INTO "RequestLogEntry" (${ENTRY_COLUMNS.map((column) => `"${column}"`).join(', ')}) VALUES ${values.join(', ')}`,
  };
}

const INSERT_STATEMENTS = new Map<number, SqlStatement>();
for (let rows = 1; rows <= MAX_ROWS_PER_INSERT; rows *= 2) INSERT_STATEMENTS.set(rows, insertEntries(rows));

const ADD_OUTCOME_COUNT: SqlStatement = {
  name: 'request_log_add_outcome_count',
  text: `INSERT INTO "RequestOutcomeHour" ("tokenId", "accountId", "hour", "outcome", "count", "expiresAt") VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT ("tokenId", "hour", "outcome") DO UPDATE SET "count" = "RequestOutcomeHour"."count" + excluded."count", "expiresAt" = excluded."expiresAt"`,
};

const PRUNE_ENTRIES: SqlStatement = {
  name: 'request_log_prune_entries',
  text: `DELETE FROM "RequestLogEntry" WHERE "id" IN (SELECT "id" FROM "RequestLogEntry" WHERE "expiresAt" < $1 LIMIT $2) RETURNING "id"`,
};

const PRUNE_COUNTS: SqlStatement = {
  name: 'request_log_prune_counts',
  text: `DELETE FROM "RequestOutcomeHour" WHERE "expiresAt" < $1`,
};

function entrySteps(entries: readonly RequestLogEntry[]): SqlStep[] {
  const steps: SqlStep[] = [];
  let start = 0;
  while (start < entries.length) {
    let rows = MAX_ROWS_PER_INSERT;
    while (rows > entries.length - start) rows /= 2;
    const params = entries.slice(start, start + rows).flatMap((entry) => ENTRY_COLUMNS.map((column) => entry[column]));
    steps.push({ statement: INSERT_STATEMENTS.get(rows)!, params });
    start += rows;
  }
  return steps;
}

const ENTRY_FIELDS = Object.fromEntries(ENTRY_COLUMNS.map((column) => [column, true])) as Record<(typeof ENTRY_COLUMNS)[number], true>;

export class DatabaseRequestLogStore implements RequestLogStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
  ) {}

  async write(entries: readonly RequestLogEntry[], counts: readonly RequestOutcomeCount[]): Promise<void> {
    if (entries.length === 0 && counts.length === 0) return;
    // in key order, the same on every instance: two instances' batches take the rows' locks in
    // the same order and wait for each other instead of deadlocking (PostgreSQL)
    const ordered = [...counts].sort((a, b) => a.tokenId.localeCompare(b.tokenId) || a.hour.getTime() - b.hour.getTime() || a.outcome.localeCompare(b.outcome));
    const countSteps: SqlStep[] = ordered.map((count) => ({
      statement: ADD_OUTCOME_COUNT,
      params: [count.tokenId, count.accountId, count.hour, count.outcome, count.count, count.expiresAt],
    }));
    await this.sql.transaction([...entrySteps(entries), ...countSteps]);
  }

  async list(accountId: string, filter: RequestLogFilter, after: RequestLogCursor | null, limit: number): Promise<RequestLogEntry[]> {
    const where: Prisma.RequestLogEntryWhereInput = { accountId };
    if (filter.tokenId) where.tokenId = filter.tokenId;
    if (filter.outcomes?.length) where.outcome = { in: [...filter.outcomes] };
    else if (filter.refusedOnly) where.outcome = { not: OK_OUTCOME };
    if (filter.from || filter.to) where.at = { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) };
    const page: Prisma.RequestLogEntryWhereInput = after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {};
    return this.prisma.requestLogEntry.findMany({
      where: { AND: [where, page] },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: limit,
      select: ENTRY_FIELDS,
    });
  }

  async outcomeCounts(accountId: string, { tokenId, from, to }: { tokenId?: string; from: Date; to: Date }) {
    return this.prisma.requestOutcomeHour.findMany({
      where: { accountId, ...(tokenId ? { tokenId } : {}), hour: { gte: from, lt: to } },
      select: { hour: true, outcome: true, count: true },
    });
  }

  async pruneExpired(now: Date, limit: number): Promise<number> {
    const result = await this.sql.transaction([
      { statement: PRUNE_ENTRIES, params: [now, limit] },
      { statement: PRUNE_COUNTS, params: [now] },
    ]);
    return result.committed ? result.rows[0]!.length : 0;
  }
}
