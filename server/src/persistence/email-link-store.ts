// Links sent by mail and the changes they make (domain/email-addresses.ts). Each use is one
// transaction whose first statement uses the link only if it is still unused and unexpired, and
// whose second holds only while the address it was sent to is still the account's: a link is used
// once, on any instance, and a link to an old address does nothing.
import type { EmailLinkRecord, EmailLinkStore } from '../domain/email-addresses.js';
import type { ChangeRecord } from '../domain/mail.js';
import { auditSteps } from './audit-event-steps.js';
import { dateColumns, sqlColumns, type RowModel } from './row-model.js';
import { isDriverUniqueViolation, type SqlDriver, type SqlStatement, type SqlStep } from './sql-driver.js';

const LINK_ROW = {
  id: 'value',
  userId: 'value',
  purpose: 'value',
  email: 'value',
  createdAt: 'date',
  expiresAt: 'date',
  usedAt: 'date',
} as const satisfies RowModel<EmailLinkRecord>;

const LINK_BY_SECRET_HASH: SqlStatement = {
  name: 'email_link_by_secret_hash',
  text: `SELECT ${sqlColumns(LINK_ROW, 'l')} FROM "EmailLink" l WHERE l."secretHash" = $1`,
  dateColumns: dateColumns(LINK_ROW),
};

const USE_LINK: SqlStatement = {
  name: 'email_link_use',
  text: `UPDATE "EmailLink" SET "usedAt" = $2 WHERE "id" = $1 AND "usedAt" IS NULL AND "expiresAt" > $2 RETURNING "id"`,
};

const MARK_VERIFIED: SqlStatement = {
  name: 'account_mark_verified',
  text: `UPDATE "Account" SET "emailVerifiedAt" = $3 WHERE "id" = $1 AND "email" = $2 RETURNING "id"`,
};

// the reset link reached the address, so it is verified too
const SET_PASSWORD: SqlStatement = {
  name: 'account_reset_password',
  text: `UPDATE "Account" SET "passwordHash" = $3, "emailVerifiedAt" = COALESCE("emailVerifiedAt", $4) WHERE "id" = $1 AND "email" = $2 RETURNING "id"`,
};

const END_SESSIONS: SqlStatement = { name: 'session_delete_all', text: `DELETE FROM "Session" WHERE "accountId" = $1 RETURNING "id"` };

const CHANGE_EMAIL: SqlStatement = {
  name: 'account_change_email',
  text: `UPDATE "Account" SET "email" = $2, "emailVerifiedAt" = NULL WHERE "id" = $1 AND "email" IS NOT NULL RETURNING "id"`,
};

// the links to the old address stop working (a reset link there would sign in to the new one)
const END_PENDING_LINKS: SqlStatement = {
  name: 'email_link_end_pending',
  text: `UPDATE "EmailLink" SET "usedAt" = $2 WHERE "userId" = $1 AND "usedAt" IS NULL`,
};

const recordSteps = (records: readonly ChangeRecord[]): SqlStep[] => records.flatMap(auditSteps);

export class DatabaseEmailLinkStore implements EmailLinkStore {
  constructor(private readonly sql: SqlDriver) {}

  async record(records: readonly ChangeRecord[]): Promise<void> {
    await this.sql.transaction(recordSteps(records));
  }

  async linkBySecretHash(secretHash: string): Promise<EmailLinkRecord | null> {
    const [link] = await this.sql.rows<EmailLinkRecord>(LINK_BY_SECRET_HASH, [secretHash]);
    return link ?? null;
  }

  async verify(link: EmailLinkRecord, at: Date, records: readonly ChangeRecord[]): Promise<boolean> {
    const result = await this.sql.transaction([
      { statement: USE_LINK, params: [link.id, at], requireRow: true },
      { statement: MARK_VERIFIED, params: [link.userId, link.email, at], requireRow: true },
      ...recordSteps(records),
    ]);
    return result.committed;
  }

  async resetPassword(link: EmailLinkRecord, passwordHash: string, at: Date, records: readonly ChangeRecord[]): Promise<string[] | null> {
    const result = await this.sql.transaction([
      { statement: USE_LINK, params: [link.id, at], requireRow: true },
      { statement: SET_PASSWORD, params: [link.userId, link.email, passwordHash, at], requireRow: true },
      { statement: END_SESSIONS, params: [link.userId] },
      ...recordSteps(records),
    ]);
    return result.committed ? (result.rows[2] as Array<{ id: string }>).map((session) => session.id) : null;
  }

  async changeEmail(personId: string, email: string, at: Date, records: readonly ChangeRecord[]): Promise<'changed' | 'taken'> {
    try {
      const result = await this.sql.transaction([
        { statement: CHANGE_EMAIL, params: [personId, email], requireRow: true },
        { statement: END_PENDING_LINKS, params: [personId, at] },
        ...recordSteps(records),
      ]);
      if (!result.committed) throw new Error(`no person ${personId}`);
      return 'changed';
    } catch (error) {
      if (isDriverUniqueViolation(error)) return 'taken';
      throw error;
    }
  }
}
