// Webhooks: which events an endpoint may subscribe to, which audit events become which webhook
// event, the retry schedule, and the signing-secret rotation overlap. Delivery (HTTP, signing,
// the SSRF guard) lives in server/src/webhooks/; the outbox rows in persistence/webhook-store.ts.
import { randomBytes } from 'node:crypto';
import type { AuditEventRecord, AuditEventType } from './audit.js';

export const WEBHOOK_EVENT_TYPES = [
  'token.created',
  'token.deleted',
  'token.expiring',
  'token.leaked',
  'quota.warning',
  'quota.reached',
  'revoked_token.used',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The audit events that are also webhook events: the outbox row rides in the audit event's transaction. */
export const WEBHOOK_EVENT_OF: Partial<Record<AuditEventType, WebhookEventType>> = {
  TOKEN_GENERATED: 'token.created',
  TOKEN_DELETED: 'token.deleted',
  TOKEN_EXPIRING: 'token.expiring',
  TOKEN_LEAKED: 'token.leaked',
  QUOTA_WARNING: 'quota.warning',
  QUOTA_REACHED: 'quota.reached',
  REVOKED_TOKEN_PRESENTED: 'revoked_token.used',
};

/** The body a receiver gets: Standard Webhooks' {type, timestamp, data}. */
export function webhookPayload(type: WebhookEventType, event: AuditEventRecord): string {
  return JSON.stringify({
    type,
    timestamp: event.createdAt.toISOString(),
    data: {
      auditEventId: event.id,
      accountId: event.accountId,
      tokenId: event.tokenId,
      actor: { type: event.actorType, id: event.actorId, clientAddress: event.clientAddress, userAgent: event.userAgent },
      details: event.details ? (JSON.parse(event.details) as unknown) : null,
    },
  });
}

// Exponential backoff: 5 s, then ×4 each time, capped at 6 hours, for as long as the next attempt
// falls within 24 hours of the event: 10 attempts in all, the last 19.6 hours after the first.
const FIRST_RETRY_MS = 5_000;
const BACKOFF_FACTOR = 4;
const MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;
export const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** When to try again after `failedAttempts` failures, or null once the 24 hours are used up. */
export function nextAttemptAfterFailure(createdAt: Date, failedAttempts: number, now: Date): Date | null {
  const delay = Math.min(FIRST_RETRY_MS * BACKOFF_FACTOR ** (failedAttempts - 1), MAX_RETRY_DELAY_MS);
  const next = new Date(now.getTime() + delay);
  return next.getTime() - createdAt.getTime() <= RETRY_WINDOW_MS ? next : null;
}

/** How long an instance holds a message it claimed; past it (the instance died mid-attempt) another may take it. */
export const DELIVERY_LEASE_MS = 60_000;

/** A rotated-out secret keeps signing (beside the new one) for this long, like a token roll's grace period. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** Standard Webhooks secrets: "whsec_" and base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function parseEventTypes(events: readonly string[]): WebhookEventType[] | null {
  const unique = [...new Set(events)];
  if (unique.length === 0 || unique.some((event) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event))) return null;
  return unique as WebhookEventType[];
}

/**
 * createWebhookEndpoint and retryWebhookMessage per account and hour: each makes this service
 * resolve names and send requests, so an account must not be able to turn it into a scanner.
 */
export const WEBHOOK_REQUESTS_PER_ACCOUNT_PER_HOUR = 60;
