// The one place that knows how "active" and "deleted" are stored:
// active means deletedAt IS NULL and an activeSlot is held; deleting clears the slot.
import { randomInt } from 'node:crypto';
import type {
  ApiTokenRecord,
  CreateTokenResult,
  DeleteTokenResult,
  TokenForAuthentication,
  TokenStatus,
  TokenStore,
} from '../domain/ports.js';
import type { PrismaClient, Prisma } from '../../generated/prisma/client.js';
import { isRecordNotFound, isUniqueViolation } from './prisma-errors.js';
import { dateColumns, prismaSelect, sqlColumns, type RowModel } from './row-model.js';
import type { SqlDriver, SqlStatement } from './sql-driver.js';

const TOKEN_ROW = {
  id: 'value',
  accountId: 'value',
  name: 'value',
  preview: 'value',
  documentCount: 'value',
  lastUsedAt: 'date',
  createdAt: 'date',
  deletedAt: 'date',
} as const satisfies RowModel<ApiTokenRecord>;

const TOKEN_FIELDS = prismaSelect(TOKEN_ROW) satisfies Prisma.ApiTokenSelect;

// The statements every document request and every dashboard read runs, on the driver itself
// (sql-driver.ts explains why), reading the same columns as TOKEN_FIELDS.
const TOKEN_COLUMNS = sqlColumns(TOKEN_ROW, 't');
const TOKEN_DATES = dateColumns(TOKEN_ROW);

const FIND_FOR_AUTHENTICATION: SqlStatement = {
  name: 'token_for_authentication',
  text: `SELECT ${TOKEN_COLUMNS}, a."planId", a."planCancelledAt"
    FROM "ApiToken" t JOIN "Account" a ON a."id" = t."accountId"
    WHERE t."secretHash" = $1`,
  dateColumns: [...TOKEN_DATES, 'planCancelledAt'],
};

// One UPDATE … RETURNING: the increment is atomic, the new count is exactly ours, and the
// "still active" check is in the same statement, so a delete that lands mid-request wins.
// A document with an idempotency key runs it inside the transaction that stores its result
// (idempotency-store.ts).
export const RECORD_DOCUMENT: SqlStatement = {
  name: 'token_record_document',
  text: `UPDATE "ApiToken" SET "documentCount" = "documentCount" + 1, "lastUsedAt" = $2
    WHERE "id" = $1 AND "deletedAt" IS NULL
    RETURNING "documentCount"`,
};

const LIST: Record<TokenStatus, SqlStatement> = {
  ACTIVE: {
    name: 'tokens_active',
    text: `SELECT ${TOKEN_COLUMNS} FROM "ApiToken" t
      WHERE t."accountId" = $1 AND t."deletedAt" IS NULL ORDER BY t."createdAt" DESC, t."id" DESC`,
    dateColumns: TOKEN_DATES,
  },
  DELETED: {
    name: 'tokens_deleted',
    text: `SELECT ${TOKEN_COLUMNS} FROM "ApiToken" t
      WHERE t."accountId" = $1 AND t."deletedAt" IS NOT NULL ORDER BY t."deletedAt" DESC, t."id" DESC`,
    dateColumns: TOKEN_DATES,
  },
};

const ACTIVE = { deletedAt: null } satisfies Prisma.ApiTokenWhereInput;

export class PrismaTokenStore implements TokenStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
  ) {}

  async createWithinLimit(
    input: { accountId: string; name: string; secretHash: string; preview: string },
    limit: number,
  ): Promise<CreateTokenResult> {
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
        const token = await this.prisma.apiToken.create({ data: { ...input, activeSlot }, select: TOKEN_FIELDS });
        return { outcome: 'created', token };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new Error(`could not claim a token slot after ${maxAttempts} attempts`);
  }

  list(accountId: string, status: TokenStatus): Promise<ApiTokenRecord[]> {
    return this.sql.rows<ApiTokenRecord>(LIST[status], [accountId]);
  }

  countActive(accountId: string): Promise<number> {
    return this.prisma.apiToken.count({ where: { accountId, ...ACTIVE } });
  }

  findOwned(accountId: string, tokenId: string): Promise<ApiTokenRecord | null> {
    return this.prisma.apiToken.findFirst({ where: { id: tokenId, accountId }, select: TOKEN_FIELDS });
  }

  async softDelete(accountId: string, tokenId: string, at: Date): Promise<DeleteTokenResult> {
    try {
      // One conditional UPDATE: of two concurrent deletes, exactly one succeeds.
      const token = await this.prisma.apiToken.update({
        where: { id: tokenId, accountId, ...ACTIVE },
        data: { deletedAt: at, activeSlot: null },
        select: TOKEN_FIELDS,
      });
      return { outcome: 'deleted', token };
    } catch (error) {
      if (!isRecordNotFound(error)) throw error;
    }
    const existing = await this.findOwned(accountId, tokenId);
    return existing ? { outcome: 'already-deleted' } : { outcome: 'not-found' };
  }

  async findForAuthentication(secretHash: string): Promise<TokenForAuthentication | null> {
    const [row] = await this.sql.rows<ApiTokenRecord & { planId: string | null; planCancelledAt: Date | null }>(
      FIND_FOR_AUTHENTICATION,
      [secretHash],
    );
    if (!row) return null;
    const { planId, planCancelledAt, ...token } = row;
    return { token, accountPlanId: planId, accountPlanCancelledAt: planCancelledAt };
  }

  async recordDocument(tokenId: string, at: Date): Promise<number | null> {
    const [row] = await this.sql.rows<{ documentCount: number }>(RECORD_DOCUMENT, [tokenId, at]);
    return row ? row.documentCount : null;
  }
}
