// Idempotency keys: the claim, the stored result and its expiry. The rules are in
// domain/idempotency.ts; this file knows how they are kept.
//
// Every statement runs on the driver (sql-driver.ts), the same text on SQLite and PostgreSQL:
// - the claim is one INSERT … ON CONFLICT DO UPDATE … WHERE: the primary key (tokenId, key)
//   lets exactly one of any number of concurrent requests, on any instance, insert the row or
//   take over an expired or abandoned one, and RETURNING tells each whether it was the one;
// - completing is one transaction that counts and meters the document (metering-statements.ts)
//   and stores it under the claim, so that a crash leaves either both or neither.
import type {
  ClaimKeyResult,
  CompleteKeyResult,
  IdempotencyClaim,
  IdempotencyStore,
  StoredDocument,
  TokenUse,
} from '../domain/ports.js';
import type { SqlDriver, SqlStatement, SqlStep } from './sql-driver.js';
import { countsOf, meterDocument, METERED_STEP, TEST_STEP, testCountsOf, testDocumentSteps } from './metering-statements.js';

const CLAIM: SqlStatement = {
  name: 'idempotency_claim',
  text: `INSERT INTO "IdempotencyKey" ("tokenId", "key", "requestHash", "claimId", "createdAt")
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT ("tokenId", "key") DO UPDATE SET
      "requestHash" = excluded."requestHash", "claimId" = excluded."claimId", "createdAt" = excluded."createdAt",
      "completedAt" = NULL, "content" = NULL, "documentCount" = NULL
    WHERE "IdempotencyKey"."createdAt" < $6
      OR ("IdempotencyKey"."completedAt" IS NULL AND "IdempotencyKey"."createdAt" < $7)
    RETURNING "claimId"`,
};

const FIND: SqlStatement = {
  name: 'idempotency_find',
  text: `SELECT "requestHash", "content", "documentCount", "completedAt", "createdAt" FROM "IdempotencyKey"
    WHERE "tokenId" = $1 AND "key" = $2`,
  dateColumns: ['completedAt', 'createdAt'],
};

// The second step of completing, after the count: stores the document under the claim, if the
// claim is still this request's. When it is not (it was taken over), the step returns no row and
// the transaction, count included, is rolled back. On PostgreSQL this UPDATE waits for a takeover
// in flight and then sees its result. The count is the one the transaction's own UPDATE made: no
// other writer can change the token's row before the transaction ends (SQLite: one writer;
// PostgreSQL: that UPDATE's row lock).
const STORE_DOCUMENT: SqlStatement = {
  name: 'idempotency_store_document',
  text: `UPDATE "IdempotencyKey"
    SET "completedAt" = $4, "content" = $5, "documentCount" = (SELECT "documentCount" FROM "ApiToken" WHERE "id" = $1)
    WHERE "tokenId" = $1 AND "key" = $2 AND "claimId" = $3 AND "completedAt" IS NULL
    RETURNING "documentCount"`,
};

const RELEASE: SqlStatement = {
  name: 'idempotency_release',
  text: `DELETE FROM "IdempotencyKey"
    WHERE "tokenId" = $1 AND "key" = $2 AND "claimId" = $3 AND "completedAt" IS NULL`,
};

// Oldest first along the createdAt index: a bounded range read, and concurrent prunes lock rows
// in the same order, so they wait for each other rather than deadlock.
const PRUNE: SqlStatement = {
  name: 'idempotency_prune',
  text: `DELETE FROM "IdempotencyKey" WHERE ("tokenId", "key") IN (
      SELECT "tokenId", "key" FROM "IdempotencyKey" WHERE "createdAt" < $1 ORDER BY "createdAt" LIMIT $2)
    RETURNING "tokenId"`,
};

interface StoredRow {
  requestHash: string;
  content: string | null;
  documentCount: number | null;
  completedAt: Date | null;
  /** When the key was claimed. */
  createdAt: Date;
}

export class DatabaseIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly sql: SqlDriver,
    /** The clock that dates the quota events a document crosses (metering-statements.ts). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async claim(input: IdempotencyClaim & { requestHash: string; at: Date; expiredBefore: Date; abandonedBefore: Date }): Promise<ClaimKeyResult> {
    const { tokenId, key, claimId, requestHash, at, expiredBefore, abandonedBefore } = input;
    const claimed = await this.sql.rows<{ claimId: string }>(CLAIM, [tokenId, key, requestHash, claimId, at, expiredBefore, abandonedBefore]);
    if (claimed.length > 0) return { outcome: 'claimed' };
    const [row] = await this.sql.rows<StoredRow>(FIND, [tokenId, key]);
    // Gone between the two statements: its claim was released after a failure. Retrying is right.
    if (!row) return { outcome: 'in-progress', requestHash };
    if (row.completedAt === null || row.content === null || row.documentCount === null) {
      return { outcome: 'in-progress', requestHash: row.requestHash, claimedAt: row.createdAt };
    }
    const document: StoredDocument = { content: row.content, documentCount: row.documentCount, usedAt: row.completedAt };
    return { outcome: 'completed', requestHash: row.requestHash, document };
  }

  async complete(claim: IdempotencyClaim, content: string, use: TokenUse): Promise<CompleteKeyResult> {
    const { tokenId, key, claimId } = claim;
    const store: SqlStep = { statement: STORE_DOCUMENT, params: [tokenId, key, claimId, use.at, content], requireRow: true };
    if (use.testMode) {
      const result = await this.sql.transaction([...testDocumentSteps(tokenId, use), store]);
      if (!result.committed) {
        if (result.stoppedAt === TEST_STEP.allowance) return { outcome: 'test-quota-exceeded' };
        return { outcome: result.stoppedAt === TEST_STEP.token ? 'token-deleted' : 'claim-lost' };
      }
      return { outcome: 'counted', ...testCountsOf(result.rows) };
    }
    const result = await meterDocument(this.sql, tokenId, use, this.now, [store]);
    if (!result.committed) {
      if (result.stoppedAt === METERED_STEP.period) return { outcome: 'quota-exceeded' };
      return { outcome: result.stoppedAt === METERED_STEP.token ? 'token-deleted' : 'claim-lost' };
    }
    return { outcome: 'counted', ...countsOf(result.rows) };
  }

  async release(claim: IdempotencyClaim): Promise<void> {
    await this.sql.rows(RELEASE, [claim.tokenId, claim.key, claim.claimId]);
  }

  async pruneExpired(expiredBefore: Date, limit: number): Promise<number> {
    return (await this.sql.rows(PRUNE, [expiredBefore, limit])).length;
  }
}
