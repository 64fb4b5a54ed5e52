// Webhook endpoints, the outbox of messages, and the attempts. The outbox row is inserted by a
// step in the audit event's transaction (audit-event-steps.ts), so a committed change always has its
// messages and a rolled-back one never does. Delivery claims due messages with one UPDATE (in turn
// across accounts, see claimStatement); the upkeep gives up what is over an account's cap and
// deletes what is past the retention.
import { newId } from '../domain/ids.js';
import type { ChangeRecords } from '../domain/ports.js';
import {
  RETRIES_RAN_OUT_REASON,
  SECURITY_WEBHOOK_EVENTS,
  type AttemptOutcome,
  type AttemptRecord,
  type ClaimedMessage,
  type EndpointRecord,
  type WebhookMessageRecord,
  type WebhookStore,
} from '../domain/webhooks.js';
import { recordedSteps } from './audit-event-steps.js';
import { LOCK_ACCOUNT } from './account-sql.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { DatabaseProvider } from './database.js';
import { rowOf, type SqlDriver, type SqlStatement, type SqlStep } from './sql-driver.js';

// Waiting: neither delivered nor given up. The partial indexes (prisma/schema.prisma) hold exactly
// these rows, so each statement below that reads waiting messages repeats this condition as is.
const WAITING = `"deliveredAt" IS NULL AND "failedAt" IS NULL`;
const SECURITY_EVENT_LIST = SECURITY_WEBHOOK_EVENTS.map((type) => `'${type}'`).join(', ');
const PRIORITY = `CASE WHEN "eventType" IN (${SECURITY_EVENT_LIST}) THEN 0 ELSE 1 END`;

/**
 * The claim: which due messages go out next, moved past their lease in the same statement.
 * - Security events first (SECURITY_WEBHOOK_EVENTS).
 * - Then in turn across accounts: every account's first message, then every account's second…
 *   and within an account in turn across its endpoints. A backlog of one account delays nobody
 *   else's first message, however large it is.
 * - At most $4 attempts per endpoint at once, counting those this instance has in flight ($5: a
 *   JSON object of endpoint id to attempts in flight).
 * On PostgreSQL the rows are then taken FOR UPDATE SKIP LOCKED, so that two instances never claim
 * the same message; SQLite is one instance, one writer.
 */
const claimStatement = (provider: DatabaseProvider): SqlStatement => {
  const inFlight = provider === 'postgresql' ? `CAST(CAST($5 AS jsonb) ->> "endpointId" AS INTEGER)` : `CAST($5 ->> "endpointId" AS INTEGER)`;
  const next = `SELECT "id" FROM (
      SELECT "id", "priority", "nextAttemptAt",
        ROW_NUMBER() OVER (PARTITION BY "accountId" ORDER BY "endpointTurn", "priority", "nextAttemptAt", "id") AS "accountTurn"
      FROM (
        SELECT "id", "accountId", "nextAttemptAt", ${PRIORITY} AS "priority",
          ROW_NUMBER() OVER (PARTITION BY "endpointId" ORDER BY ${PRIORITY}, "nextAttemptAt", "id") + COALESCE(${inFlight}, 0) AS "endpointTurn"
        FROM "WebhookMessage"
        WHERE ${WAITING} AND "nextAttemptAt" <= $1
      ) AS "due" WHERE "endpointTurn" <= $4
    ) AS "turns" ORDER BY "priority", "accountTurn", "nextAttemptAt", "id" LIMIT $3`;
  // The due condition again where the rows are locked and updated: another instance may have
  // claimed a chosen row since the choice was read, and PostgreSQL checks these conditions again on
  // the row as that claim left it (the choice itself is not checked again).
  const chosen = provider === 'postgresql'
    ? `SELECT "id" FROM "WebhookMessage" WHERE "id" IN (${next}) AND ${WAITING} AND "nextAttemptAt" <= $1 FOR UPDATE SKIP LOCKED`
    : next;
  return {
    name: 'webhook_claim',
    text: `UPDATE "WebhookMessage" SET "nextAttemptAt" = $2, "attemptCount" = "attemptCount" + 1
    WHERE "id" IN (${chosen}) AND ${WAITING} AND "nextAttemptAt" <= $1
    RETURNING "id", "endpointId", "eventType", "payload", "createdAt", "attemptCount"`,
    dateColumns: ['createdAt'],
  };
};

// The circuit breaker's pause (delivery.ts): the endpoint's waiting messages are due again only
// after it. Written to the database, so that every instance leaves the endpoint alone. On
// PostgreSQL the rows are locked in id order first, so that two instances pausing the same
// endpoint at once wait for each other instead of deadlocking (a claim never waits: it skips
// locked rows).
const pauseStatement = (provider: DatabaseProvider): SqlStatement => {
  const paused = `"endpointId" = $1 AND ${WAITING} AND "nextAttemptAt" < $2`;
  return {
    name: 'webhook_pause_endpoint',
    text: provider === 'postgresql'
      ? `UPDATE "WebhookMessage" SET "nextAttemptAt" = $2 WHERE "id" IN (SELECT "id" FROM "WebhookMessage" WHERE ${paused} ORDER BY "id" FOR UPDATE) AND ${paused}`
      : `UPDATE "WebhookMessage" SET "nextAttemptAt" = $2 WHERE ${paused}`,
  };
};

// The cap of waiting messages per account: the oldest non-security messages past the newest $2 are
// given up, with the reason (WEBHOOK_MAX_WAITING_PER_ACCOUNT; domain/webhooks.ts says why the oldest).
const GIVE_UP_OVER_CAP: SqlStatement = {
  name: 'webhook_give_up_over_cap',
  text: `UPDATE "WebhookMessage" SET "failedAt" = $1, "failureReason" = $3
    WHERE "id" IN (SELECT "id" FROM (
      SELECT "id", ROW_NUMBER() OVER (PARTITION BY "accountId" ORDER BY "createdAt" DESC, "id" DESC) AS "newer"
      FROM "WebhookMessage" WHERE ${WAITING} AND "eventType" NOT IN (${SECURITY_EVENT_LIST})
    ) AS "ranked" WHERE "newer" > $2)
    RETURNING "id"`,
};

// The retention, a chunk at a time (one short transaction each, not one long lock): a chunk's
// attempts, then its messages, chosen the same way in the same transaction; delivered and given-up
// messages apart, so that each chunk is read through its own partial index.
const PRUNE_CHUNK = 2000;
const pruneSteps = (column: 'deliveredAt' | 'failedAt'): [SqlStatement, SqlStatement] => {
  const chunk = `SELECT "id" FROM "WebhookMessage" WHERE "${column}" < $1 ORDER BY "${column}" LIMIT ${PRUNE_CHUNK}`;
  return [
    { name: `webhook_prune_attempts_${column}`, text: `DELETE FROM "WebhookAttempt" WHERE "messageId" IN (${chunk})` },
    { name: `webhook_prune_messages_${column}`, text: `DELETE FROM "WebhookMessage" WHERE "id" IN (${chunk}) RETURNING "id"` },
  ];
};
const PRUNE_STEPS = [pruneSteps('deliveredAt'), pruneSteps('failedAt')];

/**
 * Whether any message is due: a read, so that an idle instance polling every second takes no
 * write lock (on SQLite, a lock that another process starting on the same file, or its own
 * migration, would have to wait for) and writes nothing.
 */
const ANY_DUE: SqlStatement = {
  name: 'webhook_any_due',
  text: `SELECT 1 AS "due" FROM "WebhookMessage" WHERE ${WAITING} AND "nextAttemptAt" <= $1 LIMIT 1`,
};

const INSERT_ATTEMPT: SqlStatement = {
  name: 'webhook_attempt_insert',
  text: `INSERT INTO "WebhookAttempt" ("id", "messageId", "attemptNumber", "attemptedAt", "responseStatus", "error", "durationMs") VALUES ($1, $2, $3, $4, $5, $6, $7)`,
};
// delivered, even if the cap gave it up while its attempt was in flight
const MARK_DELIVERED: SqlStatement = { name: 'webhook_delivered', text: `UPDATE "WebhookMessage" SET "deliveredAt" = $2, "failedAt" = NULL, "failureReason" = NULL WHERE "id" = $1` };
const RESCHEDULE: SqlStatement = { name: 'webhook_reschedule', text: `UPDATE "WebhookMessage" SET "nextAttemptAt" = $2 WHERE "id" = $1` };
const GIVE_UP: SqlStatement = { name: 'webhook_give_up', text: `UPDATE "WebhookMessage" SET "failedAt" = $2, "failureReason" = $3 WHERE "id" = $1` };

// The endpoint cap, kept by the database: the account's row is locked first (LOCK_ACCOUNT), then
// the insert happens only while the count, read after the lock, is under the cap. No row back: the
// account is full.
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

// Disabled or enabled only when it is not already: the audit event is written only for a change.
const setDisabledStatement = (disable: boolean): SqlStatement => ({
  name: disable ? 'webhook_endpoint_disable' : 'webhook_endpoint_enable',
  text: `UPDATE "WebhookEndpoint" SET "disabledAt" = $3
    WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL AND "disabledAt" IS ${disable ? 'NULL' : 'NOT NULL'} RETURNING "id"`,
});
const DISABLE_ENDPOINT = setDisabledStatement(true);
const ENABLE_ENDPOINT = setDisabledStatement(false);
const ENDPOINT_EXISTS: SqlStatement = {
  name: 'webhook_endpoint_exists',
  text: `SELECT "id" FROM "WebhookEndpoint" WHERE "id" = $1 AND "accountId" = $2 AND "deletedAt" IS NULL`,
};
const GIVE_UP_ENDPOINT_WAITING: SqlStatement = {
  name: 'webhook_give_up_endpoint_waiting',
  text: `UPDATE "WebhookMessage" SET "failedAt" = $2, "failureReason" = $3 WHERE "endpointId" = $1 AND ${WAITING}`,
};

// A message for one endpoint, due now, only while the endpoint is the account's and enabled.
const QUEUE_MESSAGE: SqlStatement = {
  name: 'webhook_queue_message',
  text: `INSERT INTO "WebhookMessage" ("id", "endpointId", "accountId", "eventType", "payload", "createdAt", "nextAttemptAt", "attemptCount")
    SELECT $1, w."id", w."accountId", $3, $4, $5, $5, 0 FROM "WebhookEndpoint" w
    WHERE w."id" = $2 AND w."accountId" = $6 AND w."deletedAt" IS NULL AND w."disabledAt" IS NULL
    RETURNING "id"`,
};

// only for an endpoint that is neither deleted nor disabled: a disabled one gets nothing, retries included
const RETRY_MESSAGE: SqlStatement = {
  name: 'webhook_message_retry',
  text: `UPDATE "WebhookMessage" SET "nextAttemptAt" = $3, "failedAt" = NULL, "deliveredAt" = NULL, "createdAt" = $3
    WHERE "id" = $1 AND "accountId" = $2
      AND EXISTS (SELECT 1 FROM "WebhookEndpoint" w WHERE w."id" = "WebhookMessage"."endpointId" AND w."deletedAt" IS NULL AND w."disabledAt" IS NULL)
    RETURNING "id"`,
};
const MESSAGE_ENDPOINT: SqlStatement = {
  name: 'webhook_message_endpoint',
  text: `SELECT w."disabledAt" FROM "WebhookMessage" m JOIN "WebhookEndpoint" w ON w."id" = m."endpointId" WHERE m."id" = $1 AND m."accountId" = $2`,
  dateColumns: ['disabledAt'],
};

export class DatabaseWebhookStore implements WebhookStore {
  private readonly claim: SqlStatement;
  private readonly pause: SqlStatement;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlDriver,
    provider: DatabaseProvider,
  ) {
    this.claim = claimStatement(provider);
    this.pause = pauseStatement(provider);
  }

  /**
   * Claims up to `limit` due messages, in turn (see claimStatement), with at most `perEndpoint`
   * attempts at once to an endpoint, counting `inFlight` (endpoint id to attempts under way).
   */
  async claimDue(now: Date, leaseUntil: Date, turn: { limit: number; perEndpoint: number; inFlight: ReadonlyMap<string, number> }): Promise<ClaimedMessage[]> {
    if ((await this.sql.rows(ANY_DUE, [now])).length === 0) return [];
    return this.sql.rows<ClaimedMessage>(this.claim, [now, leaseUntil, turn.limit, turn.perEndpoint, JSON.stringify(Object.fromEntries(turn.inFlight))]);
  }

  /** The endpoint's waiting messages are not due before `until` (the circuit breaker's pause). */
  async pauseEndpoint(endpointId: string, until: Date): Promise<void> {
    await this.sql.rows(this.pause, [endpointId, until]);
  }

  /** Gives up every account's oldest waiting non-security messages past the newest `cap`; returns how many. */
  async giveUpOverCap(cap: number, now: Date, reason: string): Promise<number> {
    return (await this.sql.rows(GIVE_UP_OVER_CAP, [now, cap, reason])).length;
  }

  /** Deletes the messages delivered or given up before `cutoff`, with their attempts; returns how many messages. */
  async prune(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (const [attempts, messages] of PRUNE_STEPS) {
      for (;;) {
        const result = await this.sql.transaction([
          { statement: attempts, params: [cutoff] },
          { statement: messages, params: [cutoff] },
        ]);
        const chunk = result.committed ? result.rows[1]!.length : 0;
        deleted += chunk;
        if (chunk < PRUNE_CHUNK) break;
      }
    }
    return deleted;
  }

  async recordAttempt(outcome: AttemptOutcome): Promise<void> {
    const attempt = {
      statement: INSERT_ATTEMPT,
      params: [newId(outcome.at), outcome.messageId, outcome.attemptNumber, outcome.at, outcome.responseStatus, outcome.error, outcome.durationMs],
    };
    const next = outcome.next.delivered
      ? { statement: MARK_DELIVERED, params: [outcome.messageId, outcome.at] }
      : outcome.next.retryAt
        ? { statement: RESCHEDULE, params: [outcome.messageId, outcome.next.retryAt] }
        : { statement: GIVE_UP, params: [outcome.messageId, outcome.at, outcome.next.reason ?? RETRIES_RAN_OUT_REASON] };
    await this.sql.transaction([attempt, next]);
  }

  endpoint(id: string): Promise<EndpointRecord | null> {
    return this.prisma.webhookEndpoint.findUnique({ where: { id } });
  }

  endpoints(accountId: string): Promise<EndpointRecord[]> {
    return this.prisma.webhookEndpoint.findMany({ where: { accountId, deletedAt: null }, orderBy: { createdAt: 'asc' } });
  }

  // Each change to an endpoint is written with the events it records in one transaction.
  /** Null when the account already has `limit` endpoints: the insert and the count are one decision. */
  async createEndpoint(
    input: { accountId: string; url: string; events: string; secret: string; createdAt: Date },
    limit: number,
    records: ChangeRecords<{ id: string }>,
  ): Promise<EndpointRecord | null> {
    const id = `ep_${newId(input.createdAt)}`;
    const result = await this.sql.transaction([
      { statement: LOCK_ACCOUNT, params: [input.accountId], requireRow: true },
      { statement: INSERT_ENDPOINT, params: [id, input.accountId, input.url, input.events, input.secret, input.createdAt, limit], requireRow: true },
      recordedSteps((earlier) => records(rowOf<{ id: string }>(earlier, 1))),
    ]);
    return result.committed ? this.endpoint(id) : null;
  }

  async rotateSecret(accountId: string, id: string, secret: string, previousValidUntil: Date, records: ChangeRecords<{ id: string }>): Promise<EndpointRecord | null> {
    const result = await this.sql.transaction([
      { statement: ROTATE_ENDPOINT_SECRET, params: [id, accountId, secret, previousValidUntil], requireRow: true },
      recordedSteps((earlier) => records(rowOf<{ id: string }>(earlier, 0))),
    ]);
    return result.committed ? this.endpoint(id) : null;
  }

  async deleteEndpoint(accountId: string, id: string, at: Date, records: ChangeRecords<{ id: string }>): Promise<boolean> {
    const result = await this.sql.transaction([
      { statement: DELETE_ENDPOINT, params: [id, accountId, at], requireRow: true },
      recordedSteps((earlier) => records(rowOf<{ id: string }>(earlier, 0))),
    ]);
    return result.committed;
  }

  async setDisabled(accountId: string, id: string, disabledAt: Date | null, now: Date, reason: string, records: ChangeRecords<{ id: string }>): Promise<'changed' | 'unchanged' | 'not-found'> {
    const result = await this.sql.transaction([
      { statement: disabledAt ? DISABLE_ENDPOINT : ENABLE_ENDPOINT, params: [id, accountId, disabledAt], requireRow: true },
      ...(disabledAt ? [{ statement: GIVE_UP_ENDPOINT_WAITING, params: [id, now, reason] }] : []),
      recordedSteps((earlier) => records(rowOf<{ id: string }>(earlier, 0))),
    ]);
    if (result.committed) return 'changed';
    return (await this.sql.rows(ENDPOINT_EXISTS, [id, accountId])).length > 0 ? 'unchanged' : 'not-found';
  }

  async queueMessage(accountId: string, endpointId: string, message: { id: string; eventType: string; payload: string; createdAt: Date }): Promise<WebhookMessageRecord | null> {
    const rows = await this.sql.rows(QUEUE_MESSAGE, [message.id, endpointId, message.eventType, message.payload, message.createdAt, accountId]);
    return rows.length > 0 ? this.prisma.webhookMessage.findUnique({ where: { id: message.id } }) : null;
  }

  messages(endpointId: string, limit: number): Promise<WebhookMessageRecord[]> {
    return this.prisma.webhookMessage.findMany({ where: { endpointId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
  }

  /** The attempts of many messages in one statement, each message's in order. */
  async attemptsOfMessages(messageIds: readonly string[]): Promise<Map<string, AttemptRecord[]>> {
    const rows = await this.prisma.webhookAttempt.findMany({ where: { messageId: { in: [...messageIds] } }, orderBy: [{ messageId: 'asc' }, { attemptNumber: 'asc' }] });
    const byMessage = new Map<string, AttemptRecord[]>(messageIds.map((id) => [id, []]));
    for (const row of rows) byMessage.get(row.messageId)?.push(row);
    return byMessage;
  }

  /** A manual retry: due now, the 24 hours start again from the retry. */
  async retry(accountId: string, messageId: string, now: Date): Promise<'retried' | 'endpoint-disabled' | 'not-found'> {
    const result = await this.sql.transaction([{ statement: RETRY_MESSAGE, params: [messageId, accountId, now], requireRow: true }]);
    if (result.committed) return 'retried';
    const [row] = await this.sql.rows<{ disabledAt: Date | null }>(MESSAGE_ENDPOINT, [messageId, accountId]);
    return row?.disabledAt ? 'endpoint-disabled' : 'not-found';
  }
}
