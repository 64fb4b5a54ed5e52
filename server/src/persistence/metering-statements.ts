// The statements that meter a document, run in the transaction that counts it, so that usage can
// never drift from the counts: the account's period usage (which is the quota), the token's count
// (token-sql.ts's RECORD_DOCUMENT, with its own monthly limit) and the token's hourly bucket.
// All or nothing: a document refused by the quota or by its token counts nowhere.
//
// Lock order, the same for every transaction that takes more than one of these rows (here and in
// idempotency-store.ts): the account's period row, then the token, then its hour. On PostgreSQL
// concurrent documents of one account wait for each other on the period row; that wait is what
// makes the quota exact.
import { PLANS } from '../domain/plans.js';
import { TEST_MODE_MONTHLY_DOCUMENTS } from '../domain/token-modes.js';
import { auditEvent } from '../domain/audit.js';
import { billingPeriodOf, bucketOf, periodResetOf, quotaEventKey, quotaEventsOfDocument, quotaForecast, quotaForecastWindowStart, quotaWarningAt } from '../domain/metering.js';
import type { TokenUse } from '../domain/ports.js';
import { auditSteps } from './audit-event-steps.js';
import type { SqlDriver, SqlStatement, SqlStep, TransactionResult, TransactionStep } from './sql-driver.js';
import { RECORD_DOCUMENT, recordDocumentParams } from './token-sql.js';

// The plan catalogue (domain/plans.ts) as a SQL expression over an Account row: the quota stays
// defined in one place, and the statement reads the plan as it is at that moment, so that a plan
// change takes effect on the next document. Plan ids are code constants, not user input.
const quotaOfPlan = (alias: string) =>
  `CASE ${alias}."planId" ${PLANS.filter((plan) => plan.monthlyDocumentQuota !== null)
    .map((plan) => `WHEN '${plan.id.replace(/'/g, "''")}' THEN ${plan.monthlyDocumentQuota}`)
    .join(' ')} ELSE NULL END`;

const accountOfToken = `(SELECT "accountId" FROM "ApiToken" WHERE "id" = $1)`;

// One upsert per document: the first document of a period inserts the row at 1 (every quota is at
// least 1); later ones add 1 only while the row is under the plan's quota (no quota: always).
// Concurrent documents take the row's lock in turn and each re-checks the count the previous one
// left (PostgreSQL re-evaluates the DO UPDATE's WHERE on the locked row; SQLite has one writer),
// so exactly `quota` documents pass. No row back: over the quota. A downgrade below what was used
// leaves the row over the new quota, which blocks until the period changes.
export const CHARGE_PERIOD: SqlStatement = {
  name: 'usage_charge_period',
  text: `INSERT INTO "AccountPeriodUsage" ("accountId", "period", "documentCount") VALUES (${accountOfToken}, $2, 1)
    ON CONFLICT ("accountId", "period") DO UPDATE SET "documentCount" = "AccountPeriodUsage"."documentCount" + 1
    WHERE "AccountPeriodUsage"."documentCount" < COALESCE(
      (SELECT ${quotaOfPlan('a')} FROM "Account" a WHERE a."id" = "AccountPeriodUsage"."accountId"),
      "AccountPeriodUsage"."documentCount" + 1)
    RETURNING "documentCount", "accountId",
      (SELECT ${quotaOfPlan('q')} FROM "Account" q WHERE q."id" = "AccountPeriodUsage"."accountId") AS "quota"`,
};

// The plan's 80% warning as a SQL expression, from the same catalogue and rule (metering.ts).
const warningOfPlan = (alias: string) =>
  `CASE ${alias}."planId" ${PLANS.filter((plan) => plan.monthlyDocumentQuota !== null)
    .map((plan) => `WHEN '${plan.id.replace(/'/g, "''")}' THEN ${quotaWarningAt(plan.monthlyDocumentQuota!)}`)
    .join(' ')} ELSE NULL END`;

/**
 * The most documents counted together by the quiet charge below (document-count-batcher.ts). A
 * period's first documents are inserted by it without a look at the plan: right only while that
 * many cross no plan's 80% warning nor its quota, which no plan of the catalogue comes near.
 */
export const MAX_QUIET_DOCUMENTS = Math.min(
  16,
  ...PLANS.flatMap(({ monthlyDocumentQuota: quota }) => (quota === null ? [] : [Math.min(quota, quotaWarningAt(quota)) - 1])),
);

/**
 * CHARGE_PERIOD for documents that cross no threshold, which is all but two a period: it adds $3
 * (1, or a group of the same token's documents, up to MAX_QUIET_DOCUMENTS) only while the new
 * usage stays under the quota and does not reach or pass the 80% warning, so the documents it
 * counts record no quota event and its transaction has no follow-up, and goes to PostgreSQL in
 * one round trip (sql-driver.ts). It returns no row when they would reach the warning or the
 * quota, and each document is then charged on its own by CHARGE_PERIOD, which decides which.
 */
const CHARGE_PERIOD_QUIETLY: SqlStatement = {
  name: 'usage_charge_period_quietly',
  text: `INSERT INTO "AccountPeriodUsage" ("accountId", "period", "documentCount") VALUES (${accountOfToken}, $2, CAST($3 AS INTEGER))
    ON CONFLICT ("accountId", "period") DO UPDATE SET "documentCount" = "AccountPeriodUsage"."documentCount" + CAST($3 AS INTEGER)
    WHERE (SELECT ${quotaOfPlan('a')} IS NULL OR ("AccountPeriodUsage"."documentCount" + CAST($3 AS INTEGER) < ${quotaOfPlan('a')}
        AND NOT ("AccountPeriodUsage"."documentCount" < ${warningOfPlan('a')}
          AND "AccountPeriodUsage"."documentCount" + CAST($3 AS INTEGER) >= ${warningOfPlan('a')}))
      FROM "Account" a WHERE a."id" = "AccountPeriodUsage"."accountId")
    RETURNING "documentCount"`,
};

/** $3 documents (1, or a quiet group) in the token's hourly bucket. */
export const COUNT_HOUR: SqlStatement = {
  name: 'usage_count_hour',
  text: `INSERT INTO "TokenUsageHour" ("tokenId", "accountId", "hour", "documentCount") VALUES ($1, ${accountOfToken}, $2, CAST($3 AS INTEGER))
    ON CONFLICT ("tokenId", "hour") DO UPDATE SET "documentCount" = "TokenUsageHour"."documentCount" + CAST($3 AS INTEGER)`,
};

/** Which step refused the document, by its index in meteredDocumentSteps. */
export const METERED_STEP = { period: 0, token: 1, hour: 2, quotaEvents: 3 } as const;

/**
 * The quota events (80%, 100%) of the document the period step just counted, as steps of the same
 * transaction: the audit row, deduplicated by its key, and its webhook messages. The period step
 * returns the new usage and the quota it was checked against, and holds the period row's lock
 * (PostgreSQL) or the one write lock (SQLite) until commit, so the usage it returned is this
 * document's alone. Every other document runs no statement here: the decision is made on the rows
 * already read (quotaEventsOfDocument), not by a conditional INSERT on each document.
 */
function quotaEventSteps(tokenId: string, use: TokenUse, period: string, now: () => Date, earlier: readonly Record<string, unknown>[][]): TransactionStep[] {
  const charged = earlier[METERED_STEP.period]![0] as { documentCount: number; accountId: string; quota: number | null };
  const quota = charged.quota === null ? null : Number(charged.quota);
  const used = Number(charged.documentCount);
  const types = quotaEventsOfDocument(used, quota);
  if (types.length === 0 || quota === null) return [];
  const actor = { type: 'API_TOKEN' as const, id: tokenId, clientAddress: use.clientAddress, userAgent: use.userAgent };
  // Dated now, while this transaction holds the period's lock, not at use.at: use.at is taken
  // before the transaction waits for that lock, so the document counted 100th may have an earlier
  // use.at than the 80th, and the trail would read QUOTA_REACHED before QUOTA_WARNING. Read under
  // the lock, the clock (and the id's sequence) follow the order in which the documents counted.
  const countedAt = now();
  const events = (details: Record<string, unknown>) =>
    types.flatMap((type) =>
      auditSteps(
        auditEvent(type, actor, countedAt, {
          accountId: charged.accountId,
          tokenId,
          details: type === 'QUOTA_WARNING' ? details : { period, used, quota },
          dedupeKey: quotaEventKey(type, charged.accountId, period, quota),
        }),
      ),
    );
  if (!types.includes('QUOTA_WARNING')) return events({});
  // the warning says when the quota runs out at the recent rate (the meter's forecast, metering.ts):
  // the last days' documents, read once, by the document that crosses 80%
  return [
    { statement: RECENT_DOCUMENTS, params: [charged.accountId, quotaForecastWindowStart(countedAt)] },
    {
      followUp: (rows) => {
        const recent = Number((rows.at(-1)![0] as { documents: number | string } | undefined)?.documents ?? 0);
        const runsOutAt = quotaForecast({ used, quota, resetsAt: periodResetOf(countedAt) }, recent, countedAt);
        return events({ period, used, quota, runsOutAt: runsOutAt?.toISOString() ?? null });
      },
    },
  ];
}

// The account's documents since an hour: its hourly buckets, by the (accountId, hour) index.
const RECENT_DOCUMENTS: SqlStatement = {
  name: 'usage_recent_documents',
  text: `SELECT COALESCE(SUM("documentCount"), 0) AS "documents" FROM "TokenUsageHour" WHERE "accountId" = $1 AND "hour" >= $2`,
};

/**
 * The steps that count one document on a token, its account's period and its hour, in lock order,
 * then the quota events the document crossed (none, nearly always).
 */
function meteredDocumentSteps(tokenId: string, use: TokenUse, now: () => Date): TransactionStep[] {
  const period = billingPeriodOf(use.at);
  return [
    { statement: CHARGE_PERIOD, params: [tokenId, period], requireRow: true },
    { statement: RECORD_DOCUMENT, params: recordDocumentParams(tokenId, use), requireRow: true },
    { statement: COUNT_HOUR, params: [tokenId, bucketOf(use.at, 'HOUR'), 1] },
    { followUp: (earlier) => quotaEventSteps(tokenId, use, period, now, earlier) },
  ];
}

/** The same for documents that cross no threshold (CHARGE_PERIOD_QUIETLY): no follow-up. `documents` of one token, period and hour, the last of them `use`. */
function quietDocumentSteps(tokenId: string, use: TokenUse, documents = 1): SqlStep[] {
  return [
    { statement: CHARGE_PERIOD_QUIETLY, params: [tokenId, billingPeriodOf(use.at), documents], requireRow: true },
    { statement: RECORD_DOCUMENT, params: recordDocumentParams(tokenId, use, documents), requireRow: true },
    { statement: COUNT_HOUR, params: [tokenId, bucketOf(use.at, 'HOUR'), documents] },
  ];
}

/**
 * Counts one document in one transaction with `then` (a step of the caller's, after the metering
 * steps), stopping at METERED_STEP's indices as meteredDocumentSteps does. First quietly; a
 * document the quiet charge leaves alone (at a threshold or the wall) is charged again by the
 * full steps, which count it with its quota events or refuse it. Two transactions for those: the
 * first changed nothing.
 */
export async function meterDocument(sql: SqlDriver, tokenId: string, use: TokenUse, now: () => Date, then: readonly SqlStep[] = []): Promise<TransactionResult> {
  if (MAX_QUIET_DOCUMENTS >= 1) {
    const quiet = await sql.transaction([...quietDocumentSteps(tokenId, use), ...then]);
    if (quiet.committed || quiet.stoppedAt !== METERED_STEP.period) return quiet;
  }
  return sql.transaction([...meteredDocumentSteps(tokenId, use, now), ...then]);
}

/**
 * Counts `documents` documents of one token, period and hour together, the last of them `use`, if
 * they cross no threshold and the token takes them all (CHARGE_PERIOD_QUIETLY, RECORD_DOCUMENT):
 * all or nothing. Not committed: nothing was counted, and each is then counted on its own.
 */
export function meterQuietDocuments(sql: SqlDriver, tokenId: string, use: TokenUse, documents: number): Promise<TransactionResult> {
  if (documents > MAX_QUIET_DOCUMENTS) throw new RangeError(`at most ${MAX_QUIET_DOCUMENTS} documents are counted together`);
  return sql.transaction(quietDocumentSteps(tokenId, use, documents));
}

/** The period's usage this period, as the plan-change transaction reads it (see quotaEventOfPlanChange). */
export const PERIOD_USAGE: SqlStatement = {
  name: 'usage_period_of_account',
  text: `SELECT "documentCount" FROM "AccountPeriodUsage" WHERE "accountId" = $1 AND "period" = $2`,
};

/** What the committed steps said: the token's count and the account's usage this period. */
export function countsOf(rows: Record<string, unknown>[][]): { documentCount: number; periodDocumentCount: number } {
  const period = rows[METERED_STEP.period]![0] as { documentCount: number };
  const token = rows[METERED_STEP.token]![0] as { documentCount: number };
  return { documentCount: Number(token.documentCount), periodDocumentCount: Number(period.documentCount) };
}

// The account's test documents this period, under their own allowance: the same upsert as the
// quota's, on the same row (the period's), in the same lock order, on another column.
const CHARGE_TEST_PERIOD: SqlStatement = {
  name: 'usage_charge_test_period',
  text: `INSERT INTO "AccountPeriodUsage" ("accountId", "period", "documentCount", "testDocumentCount") VALUES (${accountOfToken}, $2, 0, 1)
    ON CONFLICT ("accountId", "period") DO UPDATE SET "testDocumentCount" = "AccountPeriodUsage"."testDocumentCount" + 1
    WHERE "AccountPeriodUsage"."testDocumentCount" < CAST($3 AS INTEGER)
    RETURNING "testDocumentCount"`,
};

/** Which step refused a test document, by its index in testDocumentSteps. */
export const TEST_STEP = { allowance: 0, token: 1 } as const;

/**
 * A test-mode token's document (domain/token-modes.ts): the account's test allowance, then the
 * token's own count and monthly limit. Not the quota, so no quota events; no hourly bucket, so
 * the account's usage charts are live documents only.
 */
export function testDocumentSteps(tokenId: string, use: TokenUse): TransactionStep[] {
  return [
    { statement: CHARGE_TEST_PERIOD, params: [tokenId, billingPeriodOf(use.at), TEST_MODE_MONTHLY_DOCUMENTS], requireRow: true },
    { statement: RECORD_DOCUMENT, params: recordDocumentParams(tokenId, use), requireRow: true },
  ];
}

/** What testDocumentSteps' committed steps said: the token's count; the quota's count is untouched. */
export function testCountsOf(rows: Record<string, unknown>[][]): { documentCount: number; periodDocumentCount: null } {
  const token = rows[TEST_STEP.token]![0] as { documentCount: number };
  return { documentCount: Number(token.documentCount), periodDocumentCount: null };
}
