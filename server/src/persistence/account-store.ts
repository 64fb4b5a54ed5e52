import type { AccountRecord, AccountStore, SessionStore } from '../domain/ports.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { isUniqueViolation } from './prisma-errors.js';
import type { SqlDriver, SqlStatement } from './sql-driver.js';

// Every dashboard request starts here: one indexed join, on the driver itself (sql-driver.ts).
// Prisma's include makes it two statements on SQLite, and its relation filter a correlated
// EXISTS that scans every account.
const SESSION_ACCOUNT: SqlStatement = {
  name: 'session_account',
  text: `SELECT a."id", a."email", a."passwordHash", a."planId", a."planActivatedAt", a."planCancelledAt", a."createdAt",
           s."expiresAt"
    FROM "Session" s JOIN "Account" a ON a."id" = s."accountId"
    WHERE s."secretHash" = $1`,
  dateColumns: ['planActivatedAt', 'planCancelledAt', 'createdAt', 'expiresAt'],
};

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
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
  ) {}

  async create(input: { accountId: string; secretHash: string; expiresAt: Date }): Promise<void> {
    await this.prisma.session.create({ data: input });
  }

  async findAccount(secretHash: string, now: Date): Promise<AccountRecord | null> {
    const [row] = await this.sql.rows<AccountRecord & { expiresAt: Date }>(SESSION_ACCOUNT, [secretHash]);
    if (!row || row.expiresAt <= now) return null;
    const { expiresAt: _expiresAt, ...account } = row;
    return account;
  }

  async delete(secretHash: string): Promise<void> {
    await this.prisma.session.deleteMany({ where: { secretHash } });
  }
}
