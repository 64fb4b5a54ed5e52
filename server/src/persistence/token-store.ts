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

const TOKEN_FIELDS = {
  id: true,
  accountId: true,
  name: true,
  preview: true,
  documentCount: true,
  lastUsedAt: true,
  createdAt: true,
  deletedAt: true,
} satisfies Prisma.ApiTokenSelect;

const ACTIVE = { deletedAt: null } satisfies Prisma.ApiTokenWhereInput;
const DELETED = { deletedAt: { not: null } } satisfies Prisma.ApiTokenWhereInput;

export class PrismaTokenStore implements TokenStore {
  constructor(private readonly prisma: PrismaClient) {}

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
    return this.prisma.apiToken.findMany({
      where: { accountId, ...(status === 'ACTIVE' ? ACTIVE : DELETED) },
      orderBy: status === 'ACTIVE' ? [{ createdAt: 'desc' }, { id: 'desc' }] : [{ deletedAt: 'desc' }, { id: 'desc' }],
      select: TOKEN_FIELDS,
    });
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
    const row = await this.prisma.apiToken.findUnique({
      where: { secretHash },
      select: { ...TOKEN_FIELDS, account: { select: { planId: true, planCancelledAt: true } } },
    });
    if (!row) return null;
    const { account, ...token } = row;
    return { token, accountPlanId: account.planId, accountPlanCancelledAt: account.planCancelledAt };
  }

  async recordDocument(tokenId: string, at: Date): Promise<number | null> {
    try {
      // One UPDATE … RETURNING: the increment is atomic and the new count is exactly ours.
      const { documentCount } = await this.prisma.apiToken.update({
        where: { id: tokenId, ...ACTIVE },
        data: { documentCount: { increment: 1 }, lastUsedAt: at },
        select: { documentCount: true },
      });
      return documentCount;
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      throw error;
    }
  }
}
