// Webhook endpoints, the outbox of messages, and the attempts. The outbox row is inserted by a
// step in the audit event's transaction (audit-event-steps.ts), so a committed change always has its
// messages and a rolled-back one never does. Delivery claims due messages with one UPDATE; on
// PostgreSQL its subquery takes the rows FOR UPDATE SKIP LOCKED, so two instances never claim the
// same message; SQLite is one instance, one writer.
import { randomUUID } from 'node:crypto';
import type { AuditEventRecord } from '../domain/audit.js';
import { auditSteps } from './audit-event-steps.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { DatabaseProvider } from './database.js';
import type { SqlDriver, SqlStatement, SqlStep } from './sql-driver.js';

export interface ClaimedMessage {
  id: string;
  endpointId: string;
  eventType: string;
  payload: string;
  createdAt: Date;
  /** This attempt's number, 1 for the first. */
  attemptCount: number;
}

export interface EndpointRecord {
  id: string;
  accountId: string;
  url: string;
  events: string;
  secret: string;
  previousSecret: string | null;
  previousSecretValidUntil: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
}

const claimStatement = (provider: DatabaseProvider): SqlStatement => ({
  name: 'webhook_claim',
  text: `UPDATE "WebhookMessage" SET "nextAttemptAt" = $2, "attemptCount" = "attemptCount" + 1
    WHERE "id" IN (SELECT "id" FROM "WebhookMessage"
      WHERE "deliveredAt" IS NULL AND "failedAt" IS NULL AND "nextAttemptAt" <= $1
      ORDER BY "nextAttemptAt" LIMIT 20${provider === 'postgresql' ? ' FOR UPDATE SKIP LOCKED' : ''})
    RETURNING "id", "endpointId", "eventType", "payload", "createdAt", "attemptCount"`,
  dateColumns: ['createdAt'],
});

/**
 * Whether any message is due: a read, so that an idle instance polling every second takes no
 * write lock (on SQLite, a lock that another process starting on the same file, or its own
 * migration, would have to wait for) and writes nothing.
 */
const ANY_DUE: SqlStatement = {
  name: 'webhook_any_due',
  text: `SELECT 1 AS "due" FROM "WebhookMessage"
    WHERE "deliveredAt" IS NULL AND "failedAt" IS NULL AND "nextAttemptAt" <= $1 LIMIT 1`,
};

const INSERT_ATTEMPT: SqlStatement = {
  name: 'webhook_attempt_insert',
  text: `INSERT INTO "WebhookAttempt" ("id", "messageId", "attemptNumber", "attemptedAt", "responseStatus", "error", "durationMs") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
};
const MARK_DELIVERED: SqlStatement = { name: 'webhook_delivered', text: `UPDATE "WebhookMessage" SET "deliveredAt" = $2 WHERE "id" = $1` };
const RESCHEDULE: SqlStatement = { name: 'webhook_reschedule', text: `UPDATE "WebhookMessage" SET "nextAttemptAt" = $2 WHERE "id" = $1` };
const GIVE_UP: SqlStatement = { name: 'webhook_give_up', text: `UPDATE "WebhookMessage" SET "failedAt" = $2 WHERE "id" = $1` };

export interface AttemptOutcome {
  messageId: string;
  attemptNumber: number;
  at: Date;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
  /** delivered, retry at a time, or give up */
  next: { delivered: true } | { delivered: false; retryAt: Date | null };
}

// The endpoint cap, kept by the database: the account's row is locked first (a no-op UPDATE, the
// same text on both databases: on PostgreSQL it holds the row lock until commit, so concurrent
// creates of one account take turns; SQLite has one writer), then the insert happens only while
// the count, read after the lock, is under the cap. No row back: the account is full.
const LOCK_ACCOUNT: SqlStatement = {
  name: 'webhook_lock_account',
  text: `UPDATE "Account" SET "id" = "id" WHERE "id" = $1 RETURNING "id"`,
};
const INSERT_ENDPOINT: SqlStatement = {
  name: 'webhook_endpoint_insert',
  text: `INSERT INTO "WebhookEndpoint" ("id", "accountId", "url", "events", "secret", "createdAt")
    SELECT $1, $2, $3, $4, $5, $6
    WHERE (SELECT COUNT(*) FROM "WebhookEndpoint" WHERE "accountId" = $2 AND "deletedAt" IS NULL) < $7
    RETURNING "id"`,
};

// SET reads the row as it was: the old secret becomes the previous one
const ROTATE_ENDPOINT_SECRET: SqlStatement = {
  name: 'webhook_endpoint_rotate',
  text: `UPDATE "WebhookEndpoint" SET "previousSecret" = "secret", "secret" = $3, "previousSecretValidUntil" = $4
    WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL RETURNING "id"`,
};

const DELETE_ENDPOINT: SqlStatement = {
  name: 'webhook_endpoint_delete',
  text: `UPDATE "WebhookEndpoint" SET "deletedAt" = $3 WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL RETURNING "id"`,
};

export class SqlWebhookStore {
  private readonly claim: SqlStatement;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
    provider: DatabaseProvider,
  ) {
    this.claim = claimStatement(provider);
  }

  async claimDue(now: Date, leaseUntil: Date): Promise<ClaimedMessage[]> {
    if ((await this.sql.rows(ANY_DUE, [now])).length === 0) return [];
    return this.sql.rows<ClaimedMessage>(this.claim, [now, leaseUntil]);
  }

  async recordAttempt(outcome: AttemptOutcome): Promise<void> {
    const attempt = {
      statement: INSERT_ATTEMPT,
      params: [randomUUID(), outcome.messageId, outcome.attemptNumber, outcome.at, outcome.responseStatus, outcome.error, outcome.durationMs],
    };
    const next = outcome.next.delivered
      ? { statement: MARK_DELIVERED, params: [outcome.messageId, outcome.at] }
      : outcome.next.retryAt
        ? { statement: RESCHEDULE, params: [outcome.messageId, outcome.next.retryAt] }
        : { statement: GIVE_UP, params: [outcome.messageId, outcome.at] };
    await this.sql.transaction([attempt, next]);
  }

  endpoint(id: string): Promise<EndpointRecord | null> {
    return this.prisma.webhookEndpoint.findUnique({ where: { id } });
  }

  endpoints(accountId: string): Promise<EndpointRecord[]> {
    return this.prisma.webhookEndpoint.findMany({ where: { accountId, deletedAt: null }, orderBy: { createdAt: 'asc' } });
  }

  // Each change to an endpoint is written with its audit event in one transaction (its `audit`
  // callback builds the event once the endpoint's id is known).
  /** Null when the account already has `limit` endpoints: the insert and the count are one decision. */
  async createEndpoint(
    input: { accountId: string; url: string; events: string; secret: string; createdAt: Date },
    limit: number,
    audit: (endpointId: string) => AuditEventRecord,
  ): Promise<EndpointRecord | null> {
    const id = `ep_${randomUUID().replace(/-/g, '')}`;
    const result = await this.sql.transaction([
      { statement: LOCK_ACCOUNT, params: [input.accountId], requireRow: true },
      { statement: INSERT_ENDPOINT, params: [id, input.accountId, input.url, input.events, input.secret, input.createdAt, limit], requireRow: true },
      ...auditSteps(audit(id)),
    ]);
    return result.committed ? this.endpoint(id) : null;
  }

  async rotateSecret(accountId: string, id: string, secret: string, previousValidUntil: Date, event: AuditEventRecord): Promise<EndpointRecord | null> {
    const result = await this.sql.transaction([
      { statement: ROTATE_ENDPOINT_SECRET, params: [id, accountId, secret, previousValidUntil], requireRow: true },
      ...auditSteps(event),
    ]);
    return result.committed ? this.endpoint(id) : null;
  }

  async deleteEndpoint(accountId: string, id: string, at: Date, event: AuditEventRecord): Promise<boolean> {
    const result = await this.sql.transaction([{ statement: DELETE_ENDPOINT, params: [id, accountId, at], requireRow: true }, ...auditSteps(event)]);
    return result.committed;
  }

  messages(endpointId: string, limit: number) {
    return this.prisma.webhookMessage.findMany({ where: { endpointId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
  }

  attempts(messageId: string) {
    return this.prisma.webhookAttempt.findMany({ where: { messageId }, orderBy: { attemptNumber: 'asc' } });
  }

  /** A manual retry: due now, the 24 hours start again from the retry. */
  async retry(accountId: string, messageId: string, now: Date): Promise<boolean> {
    const { count } = await this.prisma.webhookMessage.updateMany({
      where: { id: messageId, accountId },
      data: { nextAttemptAt: now, failedAt: null, deliveredAt: null, createdAt: now },
    });
    return count > 0;
  }
}
