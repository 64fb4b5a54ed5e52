// Webhooks: which events an endpoint may subscribe to, which audit events become which webhook
// event, the retry schedule, and the signing-secret rotation overlap. Delivery (HTTP, signing,
// the SSRF guard) lives in server/src/webhooks/; the outbox rows in persistence/webhook-store.ts.
import { randomBytes } from 'node:crypto';
import type { AuditEventRecord, AuditEventType } from './audit.js';
import type { ChangeRecords } from './ports.js';

export const WEBHOOK_EVENT_TYPES = [
  'token.created',
  'token.deleted',
  'token.disabled',
  'token.enabled',
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
  TOKEN_DISABLED: 'token.disabled',
  TOKEN_ENABLED: 'token.enabled',
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

/**
 * Security events go out before every other message: a leaked token or a revoked one still in
 * use is news the receiver must act on, and a backlog of routine events must not delay it.
 */
export const SECURITY_WEBHOOK_EVENTS: readonly WebhookEventType[] = ['token.leaked', 'revoked_token.used'];

/**
 * Attempts to one endpoint at once (per instance): an endpoint that hangs holds this many
 * delivery slots at most, and the slots go round the accounts and their endpoints in turn.
 */
export const MAX_ATTEMPTS_IN_FLIGHT_PER_ENDPOINT = 2;

// The circuit breaker: an endpoint whose attempt got no answer (a timeout, a refused or reset
// connection) is left alone for a while, its waiting messages moved past the pause, so that it
// holds no delivery slot while it is down. Each pause in a row is twice the one before; an answer
// (any HTTP status: the receiver is up) ends the series.
const FIRST_ENDPOINT_PAUSE_MS = 30_000;
const MAX_ENDPOINT_PAUSE_MS = 10 * 60 * 1000;

/** How long to leave an endpoint alone after its `pausesInARow`-th pause in a row (1 for the first). */
export function endpointPauseMs(pausesInARow: number): number {
  return Math.min(FIRST_ENDPOINT_PAUSE_MS * 2 ** (pausesInARow - 1), MAX_ENDPOINT_PAUSE_MS);
}

// Past an account's cap of waiting messages (WEBHOOK_MAX_WAITING_PER_ACCOUNT), the oldest waiting
// messages that are not security events are given up: marked failed with OUTBOX_FULL_REASON, kept
// and visible like any failed message, and a manual retry sends one again. Giving up the oldest
// rather than refusing the new: the newest events describe the account as it is now, a token
// mutation must not fail because a receiver is down, and the oldest are the nearest to the end of
// their 24 hours of retries anyway.

export const RETRIES_RAN_OUT_REASON = 'retries ran out (24 hours)';
export const outboxFullReason = (cap: number) => `the account had more than ${cap} messages waiting; the oldest were given up`;

/** Per account: each endpoint gets a copy of every event, so endpoints multiply the delivery work. */
export const MAX_WEBHOOK_ENDPOINTS = 10;
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** A webhook endpoint as stored: where messages go, which events, and its signing secrets. */
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
  /** Disabled since: it gets no messages until enabled again. */
  disabledAt: Date | null;
}

/** A message of the outbox, as the dashboard lists it. */
export interface WebhookMessageRecord {
  id: string;
  endpointId: string;
  accountId: string;
  eventType: string;
  payload: string;
  createdAt: Date;
  nextAttemptAt: Date;
  attemptCount: number;
  deliveredAt: Date | null;
  failedAt: Date | null;
  failureReason: string | null;
}

/** A message claimed for delivery. */
export interface ClaimedMessage {
  id: string;
  endpointId: string;
  eventType: string;
  payload: string;
  createdAt: Date;
  /** This attempt's number, 1 for the first. */
  attemptCount: number;
}

export interface AttemptRecord {
  messageId: string;
  attemptNumber: number;
  attemptedAt: Date;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** What one delivery attempt came to, and what happens to its message next. */
export interface AttemptOutcome {
  messageId: string;
  attemptNumber: number;
  at: Date;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
  /** delivered, retry at a time, or give up (with why, when it is not the retries running out) */
  next: { delivered: true } | { delivered: false; retryAt: Date | null; reason?: string };
}

/** What the webhook wing needs from storage: the endpoints, the outbox and the attempts. */
export interface WebhookStore {
  endpoint(id: string): Promise<EndpointRecord | null>;
  endpoints(accountId: string): Promise<EndpointRecord[]>;
  /** Null when the account already has `limit` endpoints: the insert and the count are one decision. */
  createEndpoint(
    input: { accountId: string; url: string; events: string; secret: string; createdAt: Date },
    limit: number,
    records: ChangeRecords<{ id: string }>,
  ): Promise<EndpointRecord | null>;
  /** The endpoint with its new secret, the old one valid until `previousValidUntil`; null when there is no such endpoint. */
  rotateSecret(accountId: string, id: string, secret: string, previousValidUntil: Date, records: ChangeRecords<{ id: string }>): Promise<EndpointRecord | null>;
  /** False when there was no such endpoint. */
  deleteEndpoint(accountId: string, id: string, at: Date, records: ChangeRecords<{ id: string }>): Promise<boolean>;
  /**
   * Disables (a date) or enables (null) the endpoint; disabling gives up its waiting messages with
   * `reason`. 'unchanged' when it already was; 'not-found' when there is no such endpoint.
   */
  setDisabled(accountId: string, id: string, disabledAt: Date | null, now: Date, reason: string, records: ChangeRecords<{ id: string }>): Promise<'changed' | 'unchanged' | 'not-found'>;
  /** Queues a message for one endpoint only, due now: null when there is no such enabled endpoint. */
  queueMessage(accountId: string, endpointId: string, message: { id: string; eventType: string; payload: string; createdAt: Date }): Promise<WebhookMessageRecord | null>;
  /** The endpoint's newest messages. */
  messages(endpointId: string, limit: number): Promise<WebhookMessageRecord[]>;
  /** The attempts of many messages in one read, each message's in order. */
  attemptsOfMessages(messageIds: readonly string[]): Promise<Map<string, AttemptRecord[]>>;
  /** A manual retry: due now, the 24 hours start again from the retry; not for a deleted or disabled endpoint's message. */
  retry(accountId: string, messageId: string, now: Date): Promise<'retried' | 'endpoint-disabled' | 'not-found'>;
  /**
   * Claims up to `limit` due messages, in turn across accounts and endpoints, with at most
   * `perEndpoint` attempts at once to an endpoint, counting `inFlight` (endpoint id to attempts under way).
   */
  claimDue(now: Date, leaseUntil: Date, turn: { limit: number; perEndpoint: number; inFlight: ReadonlyMap<string, number> }): Promise<ClaimedMessage[]>;
  recordAttempt(outcome: AttemptOutcome): Promise<void>;
  /** The endpoint's waiting messages are not due before `until` (the circuit breaker's pause). */
  pauseEndpoint(endpointId: string, until: Date): Promise<void>;
  /** Gives up every account's oldest waiting non-security messages past the newest `cap`; returns how many. */
  giveUpOverCap(cap: number, now: Date, reason: string): Promise<number>;
  /** Deletes the messages delivered or given up before `cutoff`, with their attempts; returns how many messages. */
  prune(cutoff: Date): Promise<number>;
}

/** Not an event of the account: a message the dashboard sends to check an endpoint (sendTestWebhook). */
export const TEST_WEBHOOK_EVENT = 'webhook.test';

/** The body of a test message: the Standard Webhooks envelope, saying that nothing happened. */
export function testWebhookPayload(endpointId: string, at: Date): string {
  return JSON.stringify({
    type: TEST_WEBHOOK_EVENT,
    timestamp: at.toISOString(),
    data: { endpointId, message: 'A test event sent from Pogodoc to check this endpoint. Nothing happened in the account.' },
  });
}

/** Why a disabled endpoint's waiting messages were given up. */
export const ENDPOINT_DISABLED_REASON = 'The endpoint was disabled; enable it and retry the message to send it.';
