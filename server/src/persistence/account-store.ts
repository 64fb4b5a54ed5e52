import type { AccountRecord, AccountStore, SessionStore } from '../domain/ports.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { isUniqueViolation } from './prisma-errors.js';

export class PrismaAccountStore implements AccountStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { email: string; passwordHash: string }): Promise<AccountRecord | null> {
    try {
      return await this.prisma.account.create({ data: input });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  findByEmail(email: string): Promise<AccountRecord | null> {
    return this.prisma.account.findUnique({ where: { email } });
  }

  setPlan(id: string, planId: string, at: Date): Promise<AccountRecord> {
    return this.prisma.account.update({
      where: { id },
      data: { planId, planActivatedAt: at, planCancelledAt: null },
    });
  }

  cancelPlan(id: string, at: Date): Promise<AccountRecord> {
    return this.prisma.account.update({ where: { id }, data: { planCancelledAt: at } });
  }
}

export class PrismaSessionStore implements SessionStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { accountId: string; secretHash: string; expiresAt: Date }): Promise<void> {
    await this.prisma.session.create({ data: input });
  }

  async findAccount(secretHash: string, now: Date): Promise<AccountRecord | null> {
    // Every dashboard request starts here: one indexed join in raw SQL (the same text on SQLite
    // and PostgreSQL). Prisma's include makes it two statements on SQLite, and its relation
    // filter a correlated EXISTS that scans every account.
    const rows = await this.prisma.$queryRaw<Array<AccountRecord & { expiresAt: Date }>>`
      SELECT a."id", a."email", a."passwordHash", a."planId", a."planActivatedAt", a."planCancelledAt", a."createdAt",
             s."expiresAt"
      FROM "Session" s JOIN "Account" a ON a."id" = s."accountId"
      WHERE s."secretHash" = ${secretHash}`;
    const row = rows[0];
    if (!row || row.expiresAt <= now) return null;
    const { expiresAt: _expiresAt, ...account } = row;
    return account;
  }

  async delete(secretHash: string): Promise<void> {
    await this.prisma.session.deleteMany({ where: { secretHash } });
  }
}
