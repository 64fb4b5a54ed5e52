// The mail outbox after it was written (mail-outbox-steps.ts writes it): claiming due messages,
// recording attempts, the cap of waiting messages per team, the retention, and the preferences
// the recipients are chosen by.
import { randomBytes } from 'node:crypto';
import {
  MAIL_OVER_CAP,
  MAIL_RETRIES_RAN_OUT,
  SECURITY_MAIL_KINDS,
  withoutSecret,
  type ClaimedMail,
  type MailAttemptOutcome,
  type MailRecipient,
  type MailStore,
  type NotificationKind,
} from '../domain/mail.js';
import type { DatabaseProvider } from './database.js';
import type { SqlDriver, SqlStatement } from './sql-driver.js';

// Waiting: neither sent nor given up. The partial indexes (prisma/schema.prisma) hold exactly these rows.
const WAITING = `"sentAt" IS NULL AND "failedAt" IS NULL`;
const SECURITY_KINDS = [...SECURITY_MAIL_KINDS].map((kind) => `'${kind}'`).join(', ');
const PRIORITY = `CASE WHEN "kind" IN (${SECURITY_KINDS}) THEN 0 ELSE 1 END`;

/**
 * The claim: security notices first, then teams in turn (every team's first due message, then
 * every team's second…), so that one team's burst delays nobody else's mail. On PostgreSQL the rows
 * are taken FOR UPDATE SKIP LOCKED, so that two instances never claim the same message.
 */
const claimStatement = (provider: DatabaseProvider): SqlStatement => {
  const next = `SELECT "id" FROM (
      SELECT "id", "nextAttemptAt", ${PRIORITY} AS "priority",
        ROW_NUMBER() OVER (PARTITION BY "accountId" ORDER BY ${PRIORITY}, "nextAttemptAt", "id") AS "turn"
      FROM "MailMessage" WHERE ${WAITING} AND "nextAttemptAt" <= $1
    ) AS "due" ORDER BY "priority", "turn", "nextAttemptAt", "id" LIMIT $3`;
  const chosen = provider === 'postgresql'
    ? `SELECT "id" FROM "MailMessage" WHERE "id" IN (${next}) AND ${WAITING} AND "nextAttemptAt" <= $1 FOR UPDATE SKIP LOCKED`
    : next;
  return {
    name: 'mail_claim',
    text: `UPDATE "MailMessage" SET "nextAttemptAt" = $2, "attemptCount" = "attemptCount" + 1
      WHERE "id" IN (${chosen}) AND ${WAITING} AND "nextAttemptAt" <= $1
      RETURNING "id", "accountId", "recipientId", "toAddress", "kind", "payload", "createdAt", "attemptCount"`,
    dateColumns: ['createdAt'],
  };
};

// A read first, so that an idle instance polling takes no write lock.
const ANY_DUE: SqlStatement = { name: 'mail_any_due', text: `SELECT 1 AS "due" FROM "MailMessage" WHERE ${WAITING} AND "nextAttemptAt" <= $1 LIMIT 1` };

// sent, with the link's secret dropped from what the outbox keeps; "claim" = the attempt this
// instance claimed, so that a message whose lease ran out and was claimed again is recorded once
const MARK_SENT: SqlStatement = {
  name: 'mail_sent',
  text: `UPDATE "MailMessage" SET "sentAt" = $2, "payload" = $3, "failedAt" = NULL, "failureReason" = NULL WHERE "id" = $1 AND "sentAt" IS NULL`,
};
const RESCHEDULE: SqlStatement = {
  name: 'mail_reschedule',
  text: `UPDATE "MailMessage" SET "nextAttemptAt" = $2, "lastError" = $3 WHERE "id" = $1 AND ${WAITING}`,
};
const GIVE_UP: SqlStatement = {
  name: 'mail_give_up',
  text: `UPDATE "MailMessage" SET "failedAt" = $2, "lastError" = $3, "failureReason" = $4, "payload" = $5 WHERE "id" = $1 AND ${WAITING}`,
};

// The oldest notifications past a team's newest $2 waiting ones are given up; security notices never.
const GIVE_UP_OVER_CAP: SqlStatement = {
  name: 'mail_give_up_over_cap',
  text: `UPDATE "MailMessage" SET "failedAt" = $1, "failureReason" = $3
    WHERE "id" IN (SELECT "id" FROM (
      SELECT "id", ROW_NUMBER() OVER (PARTITION BY "accountId" ORDER BY "createdAt" DESC, "id" DESC) AS "newer"
      FROM "MailMessage" WHERE ${WAITING} AND "kind" NOT IN (${SECURITY_KINDS})
    ) AS "ranked" WHERE "newer" > $2)
    RETURNING "id"`,
};

const PRUNE_CHUNK = 2000;
const PRUNE: SqlStatement = {
  name: 'mail_prune',
  text: `DELETE FROM "MailMessage" WHERE "id" IN (
    SELECT "id" FROM "MailMessage" WHERE "createdAt" < $1 AND ("sentAt" IS NOT NULL OR "failedAt" IS NOT NULL) LIMIT ${PRUNE_CHUNK}) RETURNING "id"`,
};

const DEAD_LETTERS: SqlStatement = {
  name: 'mail_dead_letters',
  text: `SELECT COUNT(*) AS "count" FROM "MailMessage" WHERE "failedAt" IS NOT NULL AND "failureReason" <> $1`,
};

// the key is made once: of two instances making it at once, the first write wins and both read it
const RECIPIENT: SqlStatement = {
  name: 'mail_recipient',
  text: `UPDATE "Account" SET "mailKey" = COALESCE("mailKey", $2) WHERE "id" = $1 RETURNING "id", "email", "mailKey"`,
};
const MAIL_KEY: SqlStatement = { name: 'mail_key', text: `SELECT "mailKey" FROM "Account" WHERE "id" = $1` };

const NAMES: SqlStatement = {
  name: 'mail_names',
  text: `SELECT a."name" AS "teamName", a."email" AS "teamEmail", (SELECT t."name" FROM "ApiToken" t WHERE t."id" = $2 AND t."accountId" = a."id") AS "tokenName"
    FROM "Account" a WHERE a."id" = $1`,
};

const OPT_OUTS: SqlStatement = { name: 'mail_opt_outs', text: `SELECT "kind" FROM "MailOptOut" WHERE "userId" = $1` };
const OPT_OUT: SqlStatement = {
  name: 'mail_opt_out',
  text: `INSERT INTO "MailOptOut" ("userId", "kind", "createdAt") VALUES ($1, $2, $3) ON CONFLICT ("userId", "kind") DO NOTHING`,
};
const OPT_IN: SqlStatement = { name: 'mail_opt_in', text: `DELETE FROM "MailOptOut" WHERE "userId" = $1 AND "kind" = $2` };

export class DatabaseMailStore implements MailStore {
  private readonly claim: SqlStatement;

  constructor(
    private readonly sql: SqlDriver,
    provider: DatabaseProvider,
  ) {
    this.claim = claimStatement(provider);
  }

  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedMail[]> {
    if ((await this.sql.rows(ANY_DUE, [now])).length === 0) return [];
    return this.sql.rows<ClaimedMail>(this.claim, [now, leaseUntil, limit]);
  }

  async recordAttempt(message: ClaimedMail, at: Date, outcome: MailAttemptOutcome): Promise<void> {
    if (outcome.sent) {
      await this.sql.transaction([{ statement: MARK_SENT, params: [message.id, at, withoutSecret(message.payload)] }]);
    } else if (outcome.retryAt) {
      await this.sql.transaction([{ statement: RESCHEDULE, params: [message.id, outcome.retryAt, outcome.error] }]);
    } else {
      const reason = outcome.reason ?? MAIL_RETRIES_RAN_OUT;
      await this.sql.transaction([{ statement: GIVE_UP, params: [message.id, at, outcome.error, reason, withoutSecret(message.payload)] }]);
    }
  }

  async recipient(personId: string): Promise<MailRecipient | null> {
    const [row] = await this.sql.rows<MailRecipient>(RECIPIENT, [personId, randomBytes(32).toString('base64url')]);
    return row ?? null;
  }

  async names(accountId: string, tokenId: string | null) {
    const [row] = await this.sql.rows<{ teamName: string | null; teamEmail: string | null; tokenName: string | null }>(NAMES, [accountId, tokenId]);
    return row ?? { teamName: null, teamEmail: null, tokenName: null };
  }

  async giveUpOverCap(cap: number, now: Date): Promise<number> {
    return (await this.sql.rows(GIVE_UP_OVER_CAP, [now, cap, MAIL_OVER_CAP])).length;
  }

  async prune(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const chunk = (await this.sql.rows(PRUNE, [cutoff])).length;
      deleted += chunk;
      if (chunk < PRUNE_CHUNK) return deleted;
    }
  }

  async deadLetterCount(): Promise<number> {
    const [row] = await this.sql.rows<{ count: number | string }>(DEAD_LETTERS, [MAIL_OVER_CAP]);
    return Number(row?.count ?? 0);
  }

  async optOuts(personId: string): Promise<Set<string>> {
    return new Set((await this.sql.rows<{ kind: string }>(OPT_OUTS, [personId])).map((row) => row.kind));
  }

  async setOptOut(personId: string, kind: NotificationKind, off: boolean, at: Date): Promise<void> {
    await this.sql.transaction([off ? { statement: OPT_OUT, params: [personId, kind, at] } : { statement: OPT_IN, params: [personId, kind] }]);
  }

  async mailKeyOf(personId: string): Promise<string | null> {
    const [row] = await this.sql.rows<{ mailKey: string | null }>(MAIL_KEY, [personId]);
    return row?.mailKey ?? null;
  }
}
