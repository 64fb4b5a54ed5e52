// The tokens' store: creating, changing, deleting and finding tokens, and counting documents.
// Which rows are usable (deletedAt IS NULL, an activeSlot held, expiresAt not come) is written once,
// in token-sql.ts; deleting clears the slot, and so does generateToken for an expired token
// (reclaimSlotsOfExpired).
import { randomInt } from 'node:crypto';
import type {
  NewToken,
  ApiTokenRecord,
  ChangeExpiryResult,
  ChangeRecords,
  CreateTokenResult,
  DeleteTokenResult,
  DisableTokenResult,
  RecordDocumentResult,
  RollTokenResult,
  TokenForAuthentication,
  TokenStatus,
  TokenStore,
  TokenChanges,
  TokenUse,
  UpdateTokenResult,
} from '../domain/ports.js';
import { TOKEN_LIST_MAX } from '../domain/token-pages.js';
import type { PrismaClient, Prisma } from '../../generated/prisma/client.js';
import { DocumentCountBatcher } from './document-count-batcher.js';
import { countsOf, MAX_QUIET_DOCUMENTS, meterDocument, meterQuietDocuments, METERED_STEP, TEST_STEP, testCountsOf, testDocumentSteps } from './metering-statements.js';
import { newId } from '../domain/ids.js';
import { recordedSteps } from './audit-event-steps.js';
import { isDriverUniqueViolation, rowOf, type SqlDriver, type SqlStatement } from './sql-driver.js';
import { TOKEN_COLUMNS, TOKEN_DATES, TOKEN_FIELDS, TOKEN_ROW, usable } from './token-sql.js';

// One statement, one row: the current secret's hash and the previous one's each have a unique
// index, so the OR is two index probes (PostgreSQL's BitmapOr, SQLite's multi-index OR), and the
// row carries everything the domain needs to decide: deleted, expired, rolled, plan, and whether
// the account's quota is used up (its period row, one more primary-key probe), so that a document
// sure to be refused is refused before it takes a render slot, without a statement of its own.
// Read fresh on every request: a plan change counts from the next document, on every instance.
const FIND_FOR_AUTHENTICATION: SqlStatement = {
  name: 'token_for_authentication',
  text: `SELECT ${TOKEN_COLUMNS}, a."planId", a."planCancelledAt", COALESCE(p."documentCount", 0) AS "periodDocumentCount",
      t."activeSlot" IS NOT NULL AS "holdsSlot", t."secretHash" <> $1 AS "matchedPreviousSecret"
    FROM "ApiToken" t JOIN "Account" a ON a."id" = t."accountId"
      LEFT JOIN "AccountPeriodUsage" p ON p."accountId" = t."accountId" AND p."period" = $2
    WHERE t."secretHash" = $1 OR t."previousSecretHash" = $1`,
  dateColumns: [...TOKEN_DATES, 'planCancelledAt'],
};

// Each list is its newest TOKEN_LIST_MAX (domain/token-pages.ts): ACTIVE never reaches it, the
// Deleted and expired ones grow without bound and are paged with tokenConnection.
const LIST: Record<TokenStatus, SqlStatement> = {
  ACTIVE: {
    name: 'tokens_active',
    text: `SELECT ${TOKEN_COLUMNS} FROM "ApiToken" t
      WHERE t."accountId" = $1 AND ${usable('t.', '$2')} ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${TOKEN_LIST_MAX}`,
    dateColumns: TOKEN_DATES,
  },
  // The Deleted tab lists expired tokens too, by when they stopped working.
  DELETED: {
    name: 'tokens_deleted',
    text: `SELECT ${TOKEN_COLUMNS} FROM "ApiToken" t
      WHERE t."accountId" = $1 AND NOT (${usable('t.', '$2')})
      ORDER BY COALESCE(t."deletedAt", t."expiresAt") DESC, t."id" DESC LIMIT ${TOKEN_LIST_MAX}`,
    dateColumns: TOKEN_DATES,
  },
  EXPIRED: {
    name: 'tokens_expired',
    text: `SELECT ${TOKEN_COLUMNS} FROM "ApiToken" t
      WHERE t."accountId" = $1 AND t."deletedAt" IS NULL AND t."expiresAt" <= $2
      ORDER BY t."expiresAt" DESC, t."id" DESC LIMIT ${TOKEN_LIST_MAX}`,
    dateColumns: TOKEN_DATES,
  },
};

// Rolling is one conditional UPDATE of one row: the current secret becomes the previous one (the
// right-hand sides read the row as it was), the one it replaces is gone, and the row lock makes
// concurrent rolls of one token take turns, so no roll is lost and no third secret can exist.
const ROLL: SqlStatement = {
  name: 'token_roll',
  text: `UPDATE "ApiToken" SET "previousSecretHash" = "secretHash", "previousSecretValidUntil" = $4,
      "secretHash" = $3, "preview" = $5, "previousSecretUseCount" = 0, "previousSecretLastUsedAt" = NULL,
      "previousSecretLastUsedAddress" = NULL, "previousSecretLastUsedUserAgent" = NULL
    WHERE "id" = $1 AND "accountId" = $2 AND ${usable('', '$6')}
    RETURNING ${Object.keys(TOKEN_ROW).map((column) => `"${column}"`).join(', ')}`,
  dateColumns: TOKEN_DATES,
};

const ACTIVE = { deletedAt: null } satisfies Prisma.ApiTokenWhereInput;

// The changes: each runs with the events it records in one transaction, on the driver
// (sql-driver.ts explains why not a Prisma transaction), and returns the token as TOKEN_FIELDS reads it.
const RETURNING_TOKEN = `RETURNING ${Object.keys(TOKEN_ROW).map((column) => `"${column}"`).join(', ')}`;
const INSERT_TOKEN: SqlStatement = {
  name: 'token_insert',
  text: `INSERT INTO "ApiToken" ("id", "accountId", "name", "secretHash", "preview", "expiresAt", "activeSlot", "createdAt", "scopes", "allowedIps", "monthlyDocumentLimit", "mode", "rateLimitPerSecond", "rateLimitPerMinute")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ${RETURNING_TOKEN}`,
  dateColumns: TOKEN_DATES,
};
// One conditional UPDATE: of two concurrent deletes, exactly one succeeds.
const SOFT_DELETE: SqlStatement = {
  name: 'token_soft_delete',
  text: `UPDATE "ApiToken" SET "deletedAt" = $3, "activeSlot" = NULL WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL ${RETURNING_TOKEN}`,
  dateColumns: TOKEN_DATES,
};
// An update without changes still answers with the token, and still refuses a deleted one.
const updateStatement = (columns: readonly string[]): SqlStatement => ({
  name: `token_update_${columns.join('_')}`,
  text: `UPDATE "ApiToken" SET ${columns.length > 0 ? columns.map((column, index) => `"${column}" = $${index + 3}`).join(', ') : '"name" = "name"'}
    WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL ${RETURNING_TOKEN}`,
  dateColumns: TOKEN_DATES,
});
// Only a token of the Active tab (usable at $4), and only if it is not in the asked state already:
// of two concurrent disables one writes, and records, the change.
const SET_DISABLED: SqlStatement = {
  name: 'token_set_disabled',
  text: `UPDATE "ApiToken" SET "disabledAt" = $3
    WHERE "id" = $1 AND "accountId" = $2 AND ${usable('', '$4')} AND (CASE WHEN "disabledAt" IS NULL THEN 0 ELSE 1 END) <> CAST($5 AS INTEGER)
    ${RETURNING_TOKEN}`,
  dateColumns: TOKEN_DATES,
};
// Only a token of the Active tab: a deleted or expired one is never brought back by a new date.
// The new version makes new dedupe keys for the expiry notices: the new date gets its own 7-day
// and 1-day notices, and the trail keeps the old ones as they were.
const CHANGE_EXPIRY: SqlStatement = {
  name: 'token_change_expiry',
  text: `UPDATE "ApiToken" SET "expiresAt" = $3, "expiryVersion" = "expiryVersion" + 1
    WHERE "id" = $1 AND "accountId" = $2 AND ${usable('', '$4')} ${RETURNING_TOKEN}`,
  dateColumns: TOKEN_DATES,
};
// The previous secret stops now: only while it still worked, so ending twice records once.
const END_GRACE: SqlStatement = {
  name: 'token_end_grace',
  text: `UPDATE "ApiToken" SET "previousSecretValidUntil" = $3
    WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL AND "previousSecretValidUntil" > $3
    ${RETURNING_TOKEN}`,
  dateColumns: TOKEN_DATES,
};
const RECLAIM_SLOTS_OF_EXPIRED: SqlStatement = {
  name: 'token_reclaim_slots_of_expired',
  text: `UPDATE "ApiToken" SET "activeSlot" = NULL
    WHERE "accountId" = $1 AND "deletedAt" IS NULL AND "activeSlot" IS NOT NULL AND "expiresAt" <= $2`,
};

/** The records of a change whose first step returned the token. */
const tokenRecords = (records: ChangeRecords<ApiTokenRecord>) => recordedSteps((earlier) => records(changedToken(earlier)));

/** The token a committed change returned (its first step's row). */
const changedToken = (rows: readonly Record<string, unknown>[][]) => rowOf<ApiTokenRecord>(rows, 0);

export class DatabaseTokenStore implements TokenStore {
  // a busy token's documents that queue while its count commits are counted together
  private readonly documentCounts = new DocumentCountBatcher({
    countOne: (tokenId, use) => this.meterOne(tokenId, use),
    countTogether: async (tokenId, use, documents) => {
      const result = await meterQuietDocuments(this.sql, tokenId, use, documents);
      return result.committed ? { counted: true, ...countsOf(result.rows) } : { counted: false };
    },
    // a catalogue whose smallest threshold left no room for groups counts one at a time
    maxGroup: Math.max(1, MAX_QUIET_DOCUMENTS),
  });

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
    /** The clock that dates the quota events a document crosses (metering-statements.ts). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createWithinLimit(
    input: NewToken,
    limit: number,
    now: Date,
    records: ChangeRecords<ApiTokenRecord>,
  ): Promise<CreateTokenResult> {
    await this.reclaimSlotsOfExpired(input.accountId, now);
    // Each failed attempt means a concurrent request took the slot we chose, so at most
    // `limit` attempts can fail before every slot is taken; the extra ones cover deletes racing in.
    const maxAttempts = limit * 2 + 2;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const taken = await this.prisma.apiToken.findMany({
        where: { accountId: input.accountId, ...ACTIVE },
        select: { activeSlot: true },
      });
      const takenSlots = new Set(taken.map((row) => row.activeSlot));
      const freeSlots = Array.from({ length: limit }, (_, i) => i + 1).filter((slot) => !takenSlots.has(slot));
      if (freeSlots.length === 0) return { outcome: 'limit-reached' };
      // A random free slot, so that concurrent requests rarely pick the same one.
      const activeSlot = freeSlots[randomInt(freeSlots.length)]!;
      try {
        const result = await this.sql.transaction([
          {
            statement: INSERT_TOKEN,
            params: [newId(now), input.accountId, input.name, input.secretHash, input.preview, input.expiresAt, activeSlot, now, input.scopes, input.allowedIps, input.monthlyDocumentLimit, input.mode, input.rateLimitPerSecond, input.rateLimitPerMinute],
            requireRow: true,
          },
          tokenRecords(records),
        ]);
        if (result.committed) return { outcome: 'created', token: changedToken(result.rows) };
      } catch (error) {
        if (!isDriverUniqueViolation(error)) throw error;
      }
    }
    throw new Error(`could not claim a token slot after ${maxAttempts} attempts`);
  }

  /**
   * Frees the slots of the account's expired tokens, so that they stop counting toward the limit.
   * The 10-slot guarantee stays exact because a token without a slot is never usable again
   * (authentication and the count's UPDATE both require the slot): whatever an instance's clock
   * says, at most `limit` tokens hold a slot, so at most `limit` are usable. Expiry only ever moves
   * a token out of the usable set, so freeing its slot can never let a usable token lose one.
   */
  private async reclaimSlotsOfExpired(accountId: string, now: Date): Promise<void> {
    await this.sql.transaction([{ statement: RECLAIM_SLOTS_OF_EXPIRED, params: [accountId, now] }]);
  }

  list(accountId: string, status: TokenStatus, now: Date): Promise<ApiTokenRecord[]> {
    return this.sql.rows<ApiTokenRecord>(LIST[status], [accountId, now]);
  }

  countActive(accountId: string, now: Date): Promise<number> {
    return this.prisma.apiToken.count({
      where: { accountId, ...ACTIVE, activeSlot: { not: null }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    });
  }

  async roll(
    accountId: string,
    tokenId: string,
    next: { secretHash: string; preview: string; previousValidUntil: Date },
    now: Date,
    records: ChangeRecords<ApiTokenRecord>,
  ): Promise<RollTokenResult> {
    const result = await this.sql.transaction([
      { statement: ROLL, params: [tokenId, accountId, next.secretHash, next.previousValidUntil, next.preview, now], requireRow: true },
      tokenRecords(records),
    ]);
    if (result.committed) return { outcome: 'rolled', token: changedToken(result.rows) };
    const existing = await this.findOwned(accountId, tokenId);
    if (!existing) return { outcome: 'not-found' };
    return existing.deletedAt ? { outcome: 'deleted' } : { outcome: 'expired' };
  }

  findOwned(accountId: string, tokenId: string): Promise<ApiTokenRecord | null> {
    return this.prisma.apiToken.findFirst({ where: { id: tokenId, accountId }, select: TOKEN_FIELDS });
  }

  findOwnedMany(accountId: string, tokenIds: readonly string[]): Promise<ApiTokenRecord[]> {
    return this.prisma.apiToken.findMany({ where: { accountId, id: { in: [...tokenIds] } }, select: TOKEN_FIELDS });
  }

  findById(tokenId: string): Promise<ApiTokenRecord | null> {
    return this.prisma.apiToken.findUnique({ where: { id: tokenId }, select: TOKEN_FIELDS });
  }

  async update(accountId: string, tokenId: string, changes: TokenChanges, records: ChangeRecords<ApiTokenRecord>): Promise<UpdateTokenResult> {
    const columns = (Object.keys(changes) as Array<keyof TokenChanges>).sort();
    const result = await this.sql.transaction([
      { statement: updateStatement(columns), params: [tokenId, accountId, ...columns.map((column) => changes[column] ?? null)], requireRow: true },
      tokenRecords(records),
    ]);
    if (result.committed) return { outcome: 'updated', token: changedToken(result.rows) };
    return (await this.findOwned(accountId, tokenId)) ? { outcome: 'deleted' } : { outcome: 'not-found' };
  }

  async softDelete(accountId: string, tokenId: string, at: Date, records: ChangeRecords<ApiTokenRecord>): Promise<DeleteTokenResult> {
    const result = await this.sql.transaction([{ statement: SOFT_DELETE, params: [tokenId, accountId, at], requireRow: true }, tokenRecords(records)]);
    if (result.committed) return { outcome: 'deleted', token: changedToken(result.rows) };
    return (await this.findOwned(accountId, tokenId)) ? { outcome: 'already-deleted' } : { outcome: 'not-found' };
  }

  async setDisabled(accountId: string, tokenId: string, disabledAt: Date | null, now: Date, records: ChangeRecords<ApiTokenRecord>): Promise<DisableTokenResult> {
    const result = await this.sql.transaction([{ statement: SET_DISABLED, params: [tokenId, accountId, disabledAt, now, disabledAt ? 1 : 0], requireRow: true }, tokenRecords(records)]);
    if (result.committed) return { outcome: 'changed', token: changedToken(result.rows) };
    const token = await this.findOwned(accountId, tokenId);
    if (!token) return { outcome: 'not-found' };
    const usableNow = token.deletedAt === null && (token.expiresAt === null || token.expiresAt > now);
    return usableNow ? { outcome: 'unchanged', token } : { outcome: 'unusable' };
  }

  async changeExpiry(accountId: string, tokenId: string, expiresAt: Date | null, now: Date, records: ChangeRecords<ApiTokenRecord>): Promise<ChangeExpiryResult> {
    const result = await this.sql.transaction([
      { statement: CHANGE_EXPIRY, params: [tokenId, accountId, expiresAt, now], requireRow: true },
      tokenRecords(records),
    ]);
    if (result.committed) return { outcome: 'changed', token: changedToken(result.rows) };
    return (await this.findOwned(accountId, tokenId)) ? { outcome: 'unusable' } : { outcome: 'not-found' };
  }

  async endGracePeriod(accountId: string, tokenId: string, at: Date, records: ChangeRecords<ApiTokenRecord>): Promise<ApiTokenRecord | null> {
    const result = await this.sql.transaction([{ statement: END_GRACE, params: [tokenId, accountId, at], requireRow: true }, tokenRecords(records)]);
    return result.committed ? changedToken(result.rows) : null;
  }

  async findForAuthentication(secretHash: string, period: string): Promise<TokenForAuthentication | null> {
    const [row] = await this.sql.rows<
      ApiTokenRecord & { planId: string | null; planCancelledAt: Date | null; periodDocumentCount: number; holdsSlot: unknown; matchedPreviousSecret: unknown }
    >(FIND_FOR_AUTHENTICATION, [secretHash, period]);
    if (!row) return null;
    const { planId, planCancelledAt, periodDocumentCount, holdsSlot, matchedPreviousSecret, ...token } = row;
    // SQLite answers a comparison with 0 or 1, PostgreSQL with a boolean
    return {
      token,
      holdsSlot: Boolean(holdsSlot),
      matchedPreviousSecret: Boolean(matchedPreviousSecret),
      accountPlanId: planId,
      accountPlanCancelledAt: planCancelledAt,
      accountPeriodDocumentCount: Number(periodDocumentCount),
    };
  }

  async recordDocument(tokenId: string, use: TokenUse): Promise<RecordDocumentResult> {
    if (use.testMode) {
      const result = await this.sql.transaction(testDocumentSteps(tokenId, use));
      if (result.committed) return { outcome: 'counted', ...testCountsOf(result.rows) };
      return { outcome: result.stoppedAt === TEST_STEP.allowance ? 'test-quota-exceeded' : 'unusable' };
    }
    return this.documentCounts.count(tokenId, use);
  }

  private async meterOne(tokenId: string, use: TokenUse): Promise<RecordDocumentResult> {
    const result = await meterDocument(this.sql, tokenId, use, this.now);
    if (result.committed) return { outcome: 'counted', ...countsOf(result.rows) };
    return { outcome: result.stoppedAt === METERED_STEP.period ? 'quota-exceeded' : 'unusable' };
  }
}
