import type { AccountRecord, AccountStore, DeletedSession, FirstSession, SessionStore, SessionWithAccount } from '../domain/ports.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { isRecordNotFound, isUniqueViolation } from './prisma-errors.js';
import { dateColumns, prismaSelect, sqlColumns, type RowModel } from './row-model.js';
import { isDriverUniqueViolation, type SqlDriver, type SqlStatement } from './sql-driver.js';
import type { AuditEventRecord } from '../domain/audit.js';
import { auditSteps } from './audit-event-steps.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { billingPeriodOf } from '../domain/metering.js';

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

// The audited changes: the change and its event in one transaction on the driver (sql-driver.ts).
const RETURNING_ACCOUNT = `RETURNING ${Object.keys(ACCOUNT_ROW).map((column) => `"${column}"`).join(', ')}`;
const SET_PLAN: SqlStatement = {
  name: 'account_set_plan_audited',
  text: `UPDATE "Account" SET "planId" = $2, "planActivatedAt" = $3, "planCancelledAt" = NULL WHERE "id" = $1 ${RETURNING_ACCOUNT}`,
  dateColumns: dateColumns(ACCOUNT_ROW),
};
const CANCEL_PLAN: SqlStatement = {
  name: 'account_cancel_plan_audited',
  text: `UPDATE "Account" SET "planCancelledAt" = $2 WHERE "id" = $1 ${RETURNING_ACCOUNT}`,
  dateColumns: dateColumns(ACCOUNT_ROW),
};
const INSERT_SESSION: SqlStatement = {
  name: 'session_insert_audited',
  text: `INSERT INTO "Session" ("id", "accountId", "secretHash", "createdAt", "expiresAt") VALUES ($1, $2, $3, $4, $5)`,
};
const FIND_SESSION_ROW: SqlStatement = {
  name: 'session_row',
  text: `SELECT "id", "accountId", "expiresAt" FROM "Session" WHERE "secretHash" = $1`,
  dateColumns: ['expiresAt'],
};
// A sign-up is one transaction: the account, its first session and their events (SIGN_UP,
// SIGN_IN_SUCCEEDED), so that no account exists without the event that says who made it.
const INSERT_ACCOUNT: SqlStatement = {
  name: 'account_insert_audited',
  text: `INSERT INTO "Account" ("id", "email", "passwordHash", "createdAt") VALUES ($1, $2, $3, $4) ${RETURNING_ACCOUNT}`,
  dateColumns: dateColumns(ACCOUNT_ROW),
};
/** Ids in the manner of Prisma's cuids ('c', the time, randomness), for accounts inserted on the driver. */
const newAccountId = () => `c${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;

// A plan change reads the period's usage for its quota event (quotaEventOfPlanChange) through a
// no-op UPDATE that takes the period row's lock on PostgreSQL (SQLite has one writer), so a
// document that committed before is read. One gap remains on PostgreSQL: a document whose
// statement began before the change committed waits for the lock, then re-checks the period row
// against the plan as its statement's snapshot saw it, the old one. It may count once past a new,
// lower quota, and the change's event (read before it) misses it: the next document is refused
// all the same. Closing it costs every document a lock on the account row first (the lock order
// is account, then period); not done, because a downgrade racing a document is the only case.
// (issue #14's closing note, stop 19)
const LOCK_PERIOD_USAGE: SqlStatement = {
  name: 'account_lock_period_usage',
  text: `UPDATE "AccountPeriodUsage" SET "documentCount" = "documentCount" WHERE "accountId" = $1 AND "period" = $2 RETURNING "documentCount"`,
};

const DELETE_SESSION: SqlStatement = {
  name: 'session_delete_audited',
  text: `DELETE FROM "Session" WHERE "id" = $1 RETURNING "id"`,
};

export class PrismaAccountStore implements AccountStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql?: SqlDriver,
  ) {}

  private async auditedUpdate(
    statement: SqlStatement,
    params: Array<string | Date>,
    audit: AuditEventRecord,
    quotaEvent?: (used: number) => AuditEventRecord | null,
  ): Promise<AccountRecord> {
    if (!this.sql) throw new Error('an audited account change needs the SQL driver');
    const [id, at] = [params[0] as string, params[2] as Date];
    const result = await this.sql.transaction([
      { statement, params, requireRow: true },
      ...auditSteps(audit),
      ...(quotaEvent
        ? [
            { statement: LOCK_PERIOD_USAGE, params: [id, billingPeriodOf(at)] },
            {
              followUp: (earlier: readonly Record<string, unknown>[][]) => {
                const [usage] = earlier.at(-1)! as Array<{ documentCount: number }>;
                const event = quotaEvent(usage ? Number(usage.documentCount) : 0);
                return event ? auditSteps(event) : [];
              },
            },
          ]
        : []),
    ]);
    if (!result.committed) throw new Error(`no account ${params[0]}`);
    return result.rows[0]![0] as unknown as AccountRecord;
  }

  async create(
    input: { email: string; passwordHash: string },
    firstSession?: FirstSession,
  ): Promise<AccountRecord | null> {
    if (firstSession) {
      if (!this.sql) throw new Error('an account with its first session needs the SQL driver');
      const id = newAccountId();
      const now = new Date();
      try {
        const result = await this.sql.transaction([
          { statement: INSERT_ACCOUNT, params: [id, input.email, input.passwordHash, now], requireRow: true },
          { statement: INSERT_SESSION, params: [randomUUID(), id, firstSession.secretHash, now, firstSession.expiresAt] },
          ...firstSession.audit(id).flatMap(auditSteps),
        ]);
        return result.committed ? (result.rows[0]![0] as unknown as AccountRecord) : null;
      } catch (error) {
        if (isDriverUniqueViolation(error)) return null;
        throw error;
      }
    }
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

  setPlan(id: string, planId: string, at: Date, audit?: AuditEventRecord, quotaEvent?: (used: number) => AuditEventRecord | null): Promise<AccountRecord> {
    if (audit) return this.auditedUpdate(SET_PLAN, [id, planId, at], audit, quotaEvent);
    return this.prisma.account.update({
      where: { id },
      data: { planId, planActivatedAt: at, planCancelledAt: null },
      select: ACCOUNT_FIELDS,
    });
  }

  cancelPlan(id: string, at: Date, audit?: AuditEventRecord): Promise<AccountRecord> {
    if (audit) return this.auditedUpdate(CANCEL_PLAN, [id, at], audit);
    return this.prisma.account.update({ where: { id }, data: { planCancelledAt: at }, select: ACCOUNT_FIELDS });
  }
}

export class PrismaSessionStore implements SessionStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
  ) {}

  async create(input: { accountId: string; secretHash: string; expiresAt: Date }, audit?: readonly AuditEventRecord[]): Promise<void> {
    if (!audit) {
      await this.prisma.session.create({ data: input });
      return;
    }
    await this.sql.transaction([
      { statement: INSERT_SESSION, params: [randomUUID(), input.accountId, input.secretHash, new Date(), input.expiresAt] },
      ...audit.flatMap(auditSteps),
    ]);
  }

  async findExpired(secretHash: string, now: Date): Promise<DeletedSession | null> {
    const [row] = await this.sql.rows<{ id: string; accountId: string; expiresAt: Date }>(FIND_SESSION_ROW, [secretHash]);
    return row && row.expiresAt <= now ? { id: row.id, accountId: row.accountId } : null;
  }

  async findSession(secretHash: string, now: Date): Promise<SessionWithAccount | null> {
    const [row] = await this.sql.rows<AccountRecord & { sessionId: string; sessionExpiresAt: Date }>(SESSION_WITH_ACCOUNT, [
      secretHash,
    ]);
    if (!row || row.sessionExpiresAt <= now) return null;
    const { sessionId, sessionExpiresAt, ...account } = row;
    return { id: sessionId, expiresAt: sessionExpiresAt, account };
  }

  async delete(secretHash: string, audit?: (session: DeletedSession) => AuditEventRecord): Promise<DeletedSession | null> {
    if (audit) {
      const [row] = await this.sql.rows<{ id: string; accountId: string }>(FIND_SESSION_ROW, [secretHash]);
      if (!row) return null;
      const session = { id: row.id, accountId: row.accountId };
      // one DELETE by id: of two concurrent sign-outs, exactly one commits its event
      const result = await this.sql.transaction([{ statement: DELETE_SESSION, params: [row.id], requireRow: true }, ...auditSteps(audit(session))]);
      return result.committed ? session : null;
    }
    try {
      // one DELETE: of two concurrent sign-outs, exactly one gets the session back
      return await this.prisma.session.delete({ where: { secretHash }, select: { id: true, accountId: true } });
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      throw error;
    }
  }
}
