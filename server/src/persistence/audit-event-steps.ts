// The steps that record an audit event inside the transaction of the change it records, for
// every store: the audit row (deduplicated by its key), its webhook messages and its mail (the
// outboxes). Its own module because the audit trail, the webhooks and the mail all write from
// events and need each other's statements: each store imports this, and none imports the others.
import type { AuditEventRecord } from '../domain/audit.js';
import { isNewEmailLink, isOutgoingMail, type ChangeRecord } from '../domain/mail.js';
import { WEBHOOK_EVENT_OF, webhookPayload } from '../domain/webhooks.js';
import { emailLinkSteps, outgoingMailStep, teamNotificationStep } from './mail-outbox-steps.js';
import type { RowModel } from './row-model.js';
import type { SqlFollowUp, SqlStatement, SqlStep } from './sql-driver.js';

export const AUDIT_ROW = {
  id: 'value',
  accountId: 'value',
  type: 'value',
  actorType: 'value',
  actorId: 'value',
  actorUserId: 'value',
  actorEmail: 'value',
  tokenId: 'value',
  clientAddress: 'value',
  userAgent: 'value',
  details: 'value',
  dedupeKey: 'value',
  createdAt: 'date',
} as const satisfies RowModel<AuditEventRecord>;

const AUDIT_COLUMN_NAMES = Object.keys(AUDIT_ROW) as Array<keyof AuditEventRecord>;

// An event that may be recorded only once (dedupeKey) is inserted with DO NOTHING on conflict:
// the unique index decides between instances, and the RETURNING row says whether this one won.
const INSERT_AUDIT_EVENT: SqlStatement = {
  name: 'audit_insert',
  text: `INSERT INTO "AuditEvent" (${AUDIT_COLUMN_NAMES.map((column) => `"${column}"`).join(', ')})
    VALUES (${AUDIT_COLUMN_NAMES.map((_, index) => `$${index + 1}`).join(', ')})
    ON CONFLICT ("dedupeKey") DO NOTHING RETURNING "id"`,
};

/**
 * The steps that record a change in any store's transaction: an event's audit row with its
 * webhook messages and team notifications (the outboxes), or a link or message of the change's own.
 */
export function auditSteps(record: ChangeRecord): SqlStep[] {
  if (isOutgoingMail(record)) return [outgoingMailStep(record)];
  if (isNewEmailLink(record)) return emailLinkSteps(record);
  const steps = [auditInsertStep(record)];
  const webhooks = webhookOutboxStep(record);
  if (webhooks) steps.push(webhooks);
  const mail = teamNotificationStep(record);
  if (mail) steps.push(mail);
  return steps;
}

/**
 * The follow-up that records a change's events, in the change's transaction: `events` is given the
 * rows its earlier steps returned (the row as the change left it) and says what to record (ChangeRecords).
 */
export function recordedSteps(events: (earlier: readonly Record<string, unknown>[][]) => readonly ChangeRecord[]): SqlFollowUp {
  return { followUp: (earlier) => events(earlier).flatMap(auditSteps) };
}

/** The step that inserts an event, for any store's transaction. */
export function auditInsertStep(event: AuditEventRecord): SqlStep {
  return {
    statement: INSERT_AUDIT_EVENT,
    params: AUDIT_COLUMN_NAMES.map((column) => event[column] as string | Date | null),
    recordsAuditEvent: event,
  };
}

// One message per subscribed endpoint of the event's account, joined on the audit row this very
// transaction inserted: an event whose insert was a no-op (a dedupe key) makes no message either.
const OUTBOX_INSERT: SqlStatement = {
  name: 'webhook_outbox_insert',
  text: `INSERT INTO "WebhookMessage" ("id", "endpointId", "accountId", "eventType", "payload", "createdAt", "nextAttemptAt", "attemptCount")
    SELECT 'msg_' || a."id" || w."id", w."id", w."accountId", CAST($2 AS TEXT), CAST($3 AS TEXT), a."createdAt", a."createdAt", 0
    FROM "AuditEvent" a JOIN "WebhookEndpoint" w ON w."accountId" = a."accountId"
    WHERE a."id" = $1 AND w."deletedAt" IS NULL AND w."disabledAt" IS NULL AND (',' || w."events" || ',') LIKE CAST($4 AS TEXT)`,
};

/** The outbox step for an audit event that is also a webhook event; null for the others. */
export function webhookOutboxStep(event: AuditEventRecord): SqlStep | null {
  const type = WEBHOOK_EVENT_OF[event.type];
  if (!type || !event.accountId) return null;
  return { statement: OUTBOX_INSERT, params: [event.id, type, webhookPayload(type, event), `%,${type},%`] };
}
