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

  findById(id: string): Promise<AccountRecord | null> {
    return this.prisma.account.findUnique({ where: { id } });
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
    // Two indexed point lookups (session by hash, account by id). A relation filter would make
    // it one statement, but Prisma renders it as a correlated EXISTS that scans every account.
    const session = await this.prisma.session.findUnique({
      where: { secretHash },
      include: { account: true },
    });
    if (!session || session.expiresAt <= now) return null;
    return session.account;
  }

  async delete(secretHash: string): Promise<void> {
    await this.prisma.session.deleteMany({ where: { secretHash } });
  }
}
