import type { AccountRecord, AccountStore, DeletedSession, SessionStore, SessionWithAccount } from '../domain/ports.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { isRecordNotFound, isUniqueViolation } from './prisma-errors.js';
import { dateColumns, prismaSelect, sqlColumns, type RowModel } from './row-model.js';
import type { SqlDriver, SqlStatement } from './sql-driver.js';

const ACCOUNT_ROW = {
  id: 'value',
  email: 'value',
  passwordHash: 'value',
  planId: 'value',
  planActivatedAt: 'date',
  planCancelledAt: 'date',
  createdAt: 'date',
} as const satisfies RowModel<AccountRecord>;

const ACCOUNT_FIELDS = prismaSelect(ACCOUNT_ROW) satisfies Prisma.AccountSelect;

// Every dashboard request starts here: one indexed join, on the driver itself (sql-driver.ts).
// Prisma's include makes it two statements on SQLite, and its relation filter a correlated
// EXISTS that scans every account. The session's columns are renamed beside the account's.
const SESSION_WITH_ACCOUNT: SqlStatement = {
  name: 'session_with_account',
  text: `SELECT s."id" AS "sessionId", s."expiresAt" AS "sessionExpiresAt", ${sqlColumns(ACCOUNT_ROW, 'a')}
    FROM "Session" s JOIN "Account" a ON a."id" = s."accountId"
    WHERE s."secretHash" = $1`,
  dateColumns: [...dateColumns(ACCOUNT_ROW), 'sessionExpiresAt'],
};

export class PrismaAccountStore implements AccountStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { email: string; passwordHash: string }): Promise<AccountRecord | null> {
    try {
      return await this.prisma.account.create({ data: input, select: ACCOUNT_FIELDS });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  findByEmail(email: string): Promise<AccountRecord | null> {
    return this.prisma.account.findUnique({ where: { email }, select: ACCOUNT_FIELDS });
  }

  setPlan(id: string, planId: string, at: Date): Promise<AccountRecord> {
    return this.prisma.account.update({
      where: { id },
      data: { planId, planActivatedAt: at, planCancelledAt: null },
      select: ACCOUNT_FIELDS,
    });
  }

  cancelPlan(id: string, at: Date): Promise<AccountRecord> {
    return this.prisma.account.update({ where: { id }, data: { planCancelledAt: at }, select: ACCOUNT_FIELDS });
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

  async findSession(secretHash: string, now: Date): Promise<SessionWithAccount | null> {
    const [row] = await this.sql.rows<AccountRecord & { sessionId: string; sessionExpiresAt: Date }>(SESSION_WITH_ACCOUNT, [
      secretHash,
    ]);
    if (!row || row.sessionExpiresAt <= now) return null;
    const { sessionId, sessionExpiresAt, ...account } = row;
    return { id: sessionId, expiresAt: sessionExpiresAt, account };
  }

  async delete(secretHash: string): Promise<DeletedSession | null> {
    try {
      // one DELETE: of two concurrent sign-outs, exactly one gets the session back
      return await this.prisma.session.delete({ where: { secretHash }, select: { id: true, accountId: true } });
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      throw error;
    }
  }
}
