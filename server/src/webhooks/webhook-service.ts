// What the dashboard does with webhooks: register an endpoint (SSRF-guarded), rotate its signing
// secret with an overlap, disable and enable it, send it a test event, delete it, read its
// messages and attempts, retry a message by hand.
import { auditEvent, type AuditActor } from '../domain/audit.js';
import { DomainError, WebhookEndpointDisabledError, WebhookEndpointLimitReachedError, WebhookNotFoundError } from '../domain/errors.js';
import type { RateLimiters } from '../domain/rate-limits.js';
import {
  ENDPOINT_DISABLED_REASON,
  generateWebhookSecret,
  MAX_WEBHOOK_ENDPOINTS,
  TEST_WEBHOOK_EVENT,
  testWebhookPayload,
  type WebhookMessageRecord,
  MAX_WEBHOOK_URL_LENGTH,
  outboxFullReason,
  parseEventTypes,
  SECRET_ROTATION_OVERLAP_MS,
  WEBHOOK_EVENT_TYPES,
  type EndpointRecord,
  type WebhookStore,
} from '../domain/webhooks.js';
import { checkWebhookUrl } from './ssrf-guard.js';
import { newId } from '../domain/ids.js';

export interface EndpointWithSecret {
  endpoint: EndpointRecord;
  /** The signing secret, shown when the endpoint is created or its secret rotated. */
  secret: string;
}

export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly options: { now: () => Date; allowPrivateUrls: boolean },
    private readonly limits: Pick<RateLimiters, 'webhookRequestsPerAccount'>,
  ) {}

  async createEndpoint(accountId: string, url: string, events: readonly string[], actor: AuditActor): Promise<EndpointWithSecret> {
    const types = parseEventTypes(events);
    if (!types) throw new DomainError('WEBHOOK_EVENTS_INVALID', `Choose one or more of: ${WEBHOOK_EVENT_TYPES.join(', ')}.`);
    if (url.length > MAX_WEBHOOK_URL_LENGTH) throw new DomainError('WEBHOOK_URL_INVALID', `A webhook URL can be at most ${MAX_WEBHOOK_URL_LENGTH} characters; this one has ${url.length}.`);
    // a full account is told before its URL is resolved; the insert itself keeps the cap exact
    if ((await this.store.endpoints(accountId)).length >= MAX_WEBHOOK_ENDPOINTS) throw new WebhookEndpointLimitReachedError(MAX_WEBHOOK_ENDPOINTS);
    await this.limits.webhookRequestsPerAccount.consume(accountId);
    const verdict = await checkWebhookUrl(url, { allowPrivate: this.options.allowPrivateUrls });
    if (!verdict.ok) throw new DomainError(verdict.reason === 'forbidden' ? 'WEBHOOK_URL_FORBIDDEN' : 'WEBHOOK_URL_INVALID', verdict.message);
    const secret = generateWebhookSecret();
    const now = this.options.now();
    const endpointUrl = verdict.url.toString();
    const endpoint = await this.store.createEndpoint(
      { accountId, url: endpointUrl, events: types.join(','), secret, createdAt: now },
      MAX_WEBHOOK_ENDPOINTS,
      (created) => [auditEvent('WEBHOOK_ENDPOINT_CREATED', actor, now, { accountId, details: { endpointId: created.id, url: endpointUrl, events: types } })],
    );
    // concurrent creates passed the check together, and the others took the last places
    if (!endpoint) throw new WebhookEndpointLimitReachedError(MAX_WEBHOOK_ENDPOINTS);
    return { endpoint, secret };
  }

  /** A new secret; the one it replaces keeps signing beside it for the overlap, so receivers can switch without a gap. */
  async rotateSecret(accountId: string, id: string, actor: AuditActor): Promise<EndpointWithSecret> {
    const secret = generateWebhookSecret();
    const now = this.options.now();
    const endpoint = await this.store.rotateSecret(accountId, id, secret, new Date(now.getTime() + SECRET_ROTATION_OVERLAP_MS), () => [
      auditEvent('WEBHOOK_SECRET_ROTATED', actor, now, { accountId, details: { endpointId: id } }),
    ]);
    if (!endpoint) throw new WebhookNotFoundError();
    return { endpoint, secret };
  }

  async deleteEndpoint(accountId: string, id: string, actor: AuditActor): Promise<void> {
    const now = this.options.now();
    const deleted = await this.store.deleteEndpoint(accountId, id, now, () => [
      auditEvent('WEBHOOK_ENDPOINT_DELETED', actor, now, { accountId, details: { endpointId: id } }),
    ]);
    if (!deleted) throw new WebhookNotFoundError();
  }

  /**
   * Disables an endpoint: no message is written for it from now on, and its waiting ones are given
   * up (ENDPOINT_DISABLED_REASON; retried by hand once it is enabled). Twice is once, audited once.
   */
  disableEndpoint(accountId: string, id: string, actor: AuditActor): Promise<EndpointRecord> {
    return this.setDisabled(accountId, id, true, actor);
  }

  /** Enables it again: events from now on reach it. */
  enableEndpoint(accountId: string, id: string, actor: AuditActor): Promise<EndpointRecord> {
    return this.setDisabled(accountId, id, false, actor);
  }

  private async setDisabled(accountId: string, id: string, disable: boolean, actor: AuditActor): Promise<EndpointRecord> {
    const now = this.options.now();
    const outcome = await this.store.setDisabled(accountId, id, disable ? now : null, now, ENDPOINT_DISABLED_REASON, () => [
      auditEvent(disable ? 'WEBHOOK_ENDPOINT_DISABLED' : 'WEBHOOK_ENDPOINT_ENABLED', actor, now, { accountId, details: { endpointId: id } }),
    ]);
    if (outcome === 'not-found') throw new WebhookNotFoundError();
    return (await this.store.endpoint(id))!;
  }

  /**
   * Sends a test event (webhook.test) to one endpoint, through the outbox like any message: signed,
   * retried, listed with its attempts. Counted in the account's webhook requests (each makes an
   * outbound request).
   */
  sendTestEvent(accountId: string, id: string): Promise<WebhookMessageRecord> {
    return this.asLimitedRequest(accountId, async () => {
      const now = this.options.now();
      const queued = await this.store.queueMessage(accountId, id, { id: `msg_test_${newId(now)}`, eventType: TEST_WEBHOOK_EVENT, payload: testWebhookPayload(id, now), createdAt: now });
      if (queued) return queued;
      const endpoint = (await this.store.endpoints(accountId)).find((candidate) => candidate.id === id);
      if (endpoint?.disabledAt) throw new WebhookEndpointDisabledError();
      throw new WebhookNotFoundError();
    });
  }

  endpoints(accountId: string): Promise<EndpointRecord[]> {
    return this.store.endpoints(accountId);
  }

  messages(endpointId: string, limit: number) {
    return this.store.messages(endpointId, Math.min(Math.max(limit, 1), 100));
  }

  /** The attempts of many messages, in one read (the API batches a request's messages). */
  attemptsOfMessages(messageIds: readonly string[]) {
    return this.store.attemptsOfMessages(messageIds);
  }

  /** Keeps each account at most `cap` waiting messages (WEBHOOK_MAX_WAITING_PER_ACCOUNT); returns how many were given up. */
  giveUpOverCap(cap: number): Promise<number> {
    return this.store.giveUpOverCap(cap, this.options.now(), outboxFullReason(cap));
  }

  /** Deletes delivered and given-up messages, with their attempts, older than `retentionDays`. */
  prune(retentionDays: number): Promise<number> {
    return this.store.prune(new Date(this.options.now().getTime() - retentionDays * 24 * 60 * 60 * 1000));
  }

  async retry(accountId: string, messageId: string): Promise<void> {
    await this.asLimitedRequest(accountId, async () => {
      const outcome = await this.store.retry(accountId, messageId, this.options.now());
      if (outcome === 'endpoint-disabled') throw new WebhookEndpointDisabledError();
      if (outcome === 'not-found') throw new WebhookNotFoundError();
    });
  }

  /**
   * Work that makes an outbound request, within the account's allowance an hour; refused for a
   * reason of its own (a DomainError: an unknown or disabled endpoint), it sent nothing and gets its
   * point back.
   */
  private async asLimitedRequest<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    await this.limits.webhookRequestsPerAccount.consume(accountId);
    try {
      return await work();
    } catch (error) {
      if (error instanceof DomainError) await this.limits.webhookRequestsPerAccount.refund(accountId).catch(() => {});
      throw error;
    }
  }
}
