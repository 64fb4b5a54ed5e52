// The accounts' store: signing up (the account with its first session), finding an account, and
// its plan. Every write is one transaction of driver steps with the events it records (sql-driver.ts).
import type { AccountRecord, AccountStore, ChangeRecords, NewSessionInput, PersonRecord, PlanChange, SessionRecord } from '../domain/ports.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { newId } from '../domain/ids.js';
import { billingPeriodOf } from '../domain/metering.js';
import { isDriverUniqueViolation, rowOf, type SqlDriver, type SqlStatement } from './sql-driver.js';
import { recordedSteps } from './audit-event-steps.js';
import { ACCOUNT_DATES, ACCOUNT_FIELDS, INSERT_SESSION, RETURNING_ACCOUNT } from './account-sql.js';

const INSERT_ACCOUNT: SqlStatement = {
  name: 'account_insert',
  text: `INSERT INTO "Account" ("id", "email", "passwordHash", "createdAt") VALUES ($1, $2, $3, $4) ${RETURNING_ACCOUNT}`,
  dateColumns: ACCOUNT_DATES,
};
const SET_PLAN: SqlStatement = {
  name: 'account_set_plan',
  text: `UPDATE "Account" SET "planId" = $2, "planActivatedAt" = $3, "planCancelledAt" = NULL WHERE "id" = $1 ${RETURNING_ACCOUNT}`,
  dateColumns: ACCOUNT_DATES,
};
const CANCEL_PLAN: SqlStatement = {
  name: 'account_cancel_plan',
  text: `UPDATE "Account" SET "planCancelledAt" = $2 WHERE "id" = $1 ${RETURNING_ACCOUNT}`,
  dateColumns: ACCOUNT_DATES,
};

// A plan change reads the period's usage for its events (quotaEventOfPlanChange) through a no-op
// UPDATE that takes the period row's lock on PostgreSQL (SQLite has one writer), so a document
// that committed before is read. One gap remains on PostgreSQL: a document whose statement began
// before the change committed waits for the lock, then re-checks the period row against the plan
// as its statement's snapshot saw it, the old one. It may count once past a new, lower quota, and
// the change's event (read before it) misses it: the next document is refused all the same.
// Closing it costs every document a lock on the account row first (the lock order is account,
// then period); not done, because a downgrade racing a document is the only case.
const LOCK_PERIOD_USAGE: SqlStatement = {
  name: 'account_lock_period_usage',
  text: `UPDATE "AccountPeriodUsage" SET "documentCount" = "documentCount" WHERE "accountId" = $1 AND "period" = $2 RETURNING "documentCount"`,
};

export class DatabaseAccountStore implements AccountStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
  ) {}

  // A sign-up is one transaction: the account, its first session and their events (SIGN_UP,
  // SIGN_IN_SUCCEEDED), so that no account exists without the event that says who made it.
  async create(input: { email: string; passwordHash: string }, firstSession: NewSessionInput, records: ChangeRecords<{ account: AccountRecord; session: SessionRecord }>): Promise<PersonRecord | null> {
    const now = new Date();
    const accountId = newId(now);
    try {
      const result = await this.sql.transaction([
        { statement: INSERT_ACCOUNT, params: [accountId, input.email, input.passwordHash, now], requireRow: true },
        {
          statement: INSERT_SESSION,
          params: [newId(now), accountId, firstSession.secretHash, now, firstSession.expiresAt, firstSession.clientAddress, firstSession.userAgent],
          requireRow: true,
        },
        recordedSteps((earlier) => records({ account: rowOf<AccountRecord>(earlier, 0), session: rowOf<SessionRecord>(earlier, 1) })),
      ]);
      return result.committed ? rowOf<PersonRecord>(result.rows, 0) : null;
    } catch (error) {
      if (isDriverUniqueViolation(error)) return null;
      throw error;
    }
  }

  async findByEmail(email: string): Promise<PersonRecord | null> {
    const account = await this.prisma.account.findUnique({ where: { email }, select: ACCOUNT_FIELDS });
    return account && isPerson(account) ? account : null;
  }

  findById(id: string): Promise<AccountRecord | null> {
    return this.prisma.account.findUnique({ where: { id }, select: ACCOUNT_FIELDS });
  }

  async setPlan(id: string, planId: string, at: Date, records: ChangeRecords<PlanChange>): Promise<AccountRecord> {
    const result = await this.sql.transaction([
      { statement: SET_PLAN, params: [id, planId, at], requireRow: true },
      { statement: LOCK_PERIOD_USAGE, params: [id, billingPeriodOf(at)] },
      // no usage row yet: no document this period
      recordedSteps((earlier) => records({ account: rowOf<AccountRecord>(earlier, 0), periodDocumentCount: Number(earlier[1]![0]?.documentCount ?? 0) })),
    ]);
    if (!result.committed) throw new Error(`no account ${id}`);
    return rowOf<AccountRecord>(result.rows, 0);
  }

  async cancelPlan(id: string, at: Date, records: ChangeRecords<AccountRecord>): Promise<AccountRecord> {
    const result = await this.sql.transaction([
      { statement: CANCEL_PLAN, params: [id, at], requireRow: true },
      recordedSteps((earlier) => records(rowOf<AccountRecord>(earlier, 0))),
    ]);
    if (!result.committed) throw new Error(`no account ${id}`);
    return rowOf<AccountRecord>(result.rows, 0);
  }
}

function isPerson(account: AccountRecord): account is PersonRecord {
  return account.email !== null && account.passwordHash !== null;
}
