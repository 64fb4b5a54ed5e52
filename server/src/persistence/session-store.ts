// The sessions' store: a sign-in's session, the lookup every dashboard request starts with, the
// list of sessions, sign-out and revocation. Every write is one transaction of driver steps with
// the events it records (sql-driver.ts).
import type { ChangeRecords, PersonRecord, NewSessionInput, SessionListing, SessionRecord, SessionStore, SessionWithAccount } from '../domain/ports.js';
import { newId } from '../domain/ids.js';
import { sqlColumns } from './row-model.js';
import { rowOf, type SqlDriver, type SqlStatement } from './sql-driver.js';
import { recordedSteps } from './audit-event-steps.js';
import { ACCOUNT_DATES, ACCOUNT_ROW, INSERT_SESSION } from './account-sql.js';

// Every dashboard request starts here: one indexed join, on the driver itself (sql-driver.ts).
// Prisma's include makes it two statements on SQLite, and its relation filter a correlated
// EXISTS that scans every account. The session's columns are renamed beside the account's.
const SESSION_WITH_ACCOUNT: SqlStatement = {
  name: 'session_with_account',
  text: `SELECT s."id" AS "sessionId", s."expiresAt" AS "sessionExpiresAt", s."lastSeenAt" AS "sessionLastSeenAt", ${sqlColumns(ACCOUNT_ROW, 'a')}
    FROM "Session" s JOIN "Account" a ON a."id" = s."accountId"
    WHERE s."secretHash" = $1`,
  dateColumns: [...ACCOUNT_DATES, 'sessionExpiresAt', 'sessionLastSeenAt'],
};

const LIST_SESSIONS: SqlStatement = {
  name: 'session_list',
  text: `SELECT "id", "createdAt", "expiresAt", "lastSeenAt", "clientAddress", "userAgent" FROM "Session"
    WHERE "accountId" = $1 AND "expiresAt" > $2 ORDER BY COALESCE("lastSeenAt", "createdAt") DESC, "id"`,
  dateColumns: ['createdAt', 'expiresAt', 'lastSeenAt'],
};

// Conditional, so that concurrent requests of one session write it once a step.
const TOUCH_SESSION: SqlStatement = {
  name: 'session_touch',
  text: `UPDATE "Session" SET "lastSeenAt" = $2 WHERE "id" = $1 AND ("lastSeenAt" IS NULL OR "lastSeenAt" <= $3)`,
};

const DELETE_SESSION_BY_ID: SqlStatement = {
  name: 'session_delete_by_id',
  text: `DELETE FROM "Session" WHERE "id" = $1 AND "accountId" = $2 RETURNING "id", "accountId"`,
};

const FIND_SESSION_ROW: SqlStatement = {
  name: 'session_row',
  text: `SELECT "id", "accountId", "expiresAt" FROM "Session" WHERE "secretHash" = $1`,
  dateColumns: ['expiresAt'],
};

// One DELETE by its secret: of two concurrent sign-outs, exactly one deletes and records it.
const DELETE_SESSION: SqlStatement = {
  name: 'session_delete',
  text: `DELETE FROM "Session" WHERE "secretHash" = $1 RETURNING "id", "accountId"`,
};

export class DatabaseSessionStore implements SessionStore {
  constructor(private readonly sql: SqlDriver) {}

  async create(input: NewSessionInput & { accountId: string }, records: ChangeRecords<SessionRecord>): Promise<SessionRecord> {
    const result = await this.sql.transaction([
      {
        statement: INSERT_SESSION,
        params: [newId(), input.accountId, input.secretHash, new Date(), input.expiresAt, input.clientAddress, input.userAgent],
        requireRow: true,
      },
      recordedSteps((earlier) => records(rowOf<SessionRecord>(earlier, 0))),
    ]);
    if (!result.committed) throw new Error(`the session of account ${input.accountId} was not inserted`);
    return rowOf<SessionRecord>(result.rows, 0);
  }

  async findExpired(secretHash: string, now: Date): Promise<SessionRecord | null> {
    const [row] = await this.sql.rows<{ id: string; accountId: string; expiresAt: Date }>(FIND_SESSION_ROW, [secretHash]);
    return row && row.expiresAt <= now ? { id: row.id, accountId: row.accountId } : null;
  }

  async findSession(secretHash: string, now: Date): Promise<SessionWithAccount | null> {
    const [row] = await this.sql.rows<PersonRecord & { sessionId: string; sessionExpiresAt: Date; sessionLastSeenAt: Date | null }>(SESSION_WITH_ACCOUNT, [secretHash]);
    if (!row || row.sessionExpiresAt <= now) return null;
    const { sessionId, sessionExpiresAt, sessionLastSeenAt, ...account } = row;
    return { id: sessionId, expiresAt: sessionExpiresAt, lastSeenAt: sessionLastSeenAt, account };
  }

  async delete(secretHash: string, records: ChangeRecords<SessionRecord>): Promise<SessionRecord | null> {
    const result = await this.sql.transaction([
      { statement: DELETE_SESSION, params: [secretHash], requireRow: true },
      recordedSteps((earlier) => records(rowOf<SessionRecord>(earlier, 0))),
    ]);
    return result.committed ? rowOf<SessionRecord>(result.rows, 0) : null;
  }

  list(accountId: string, now: Date): Promise<SessionListing[]> {
    return this.sql.rows<SessionListing>(LIST_SESSIONS, [accountId, now]);
  }

  async touch(sessionId: string, at: Date, unlessAfter: Date): Promise<void> {
    await this.sql.rows(TOUCH_SESSION, [sessionId, at, unlessAfter]);
  }

  async deleteByIds(accountId: string, sessionIds: readonly string[], records: ChangeRecords<SessionRecord>): Promise<SessionRecord[]> {
    const deleted: SessionRecord[] = [];
    // one transaction each: a session deleted meanwhile (signed out) is skipped, not an error
    for (const sessionId of sessionIds) {
      const result = await this.sql.transaction([
        { statement: DELETE_SESSION_BY_ID, params: [sessionId, accountId], requireRow: true },
        recordedSteps((earlier) => records(rowOf<SessionRecord>(earlier, 0))),
      ]);
      if (result.committed) deleted.push(rowOf<SessionRecord>(result.rows, 0));
    }
    return deleted;
  }
}
