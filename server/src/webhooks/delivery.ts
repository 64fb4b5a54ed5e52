// Delivers the outbox: claims due messages (one instance per message, see webhook-store.ts),
// signs each per Standard Webhooks with the `standardwebhooks` package, POSTs it, logs the attempt
// and schedules the next one with exponential backoff for up to 24 hours. At least once: a
// receiver must deduplicate by the webhook-id header, which is the same on every attempt.
import { Webhook } from 'standardwebhooks';
import { DELIVERY_LEASE_MS, nextAttemptAfterFailure } from '../domain/webhooks.js';
import type { ClaimedMessage, EndpointRecord, SqlWebhookStore } from '../persistence/webhook-store.js';
import { checkWebhookUrl } from './ssrf-guard.js';

export interface DeliveryOptions {
  now: () => Date;
  allowPrivateUrls: boolean;
  timeoutMs?: number;
}

/** The webhook-signature header: the current secret's signature, and during a rotation's overlap the previous one's too. */
export function signatureHeader(endpoint: Pick<EndpointRecord, 'secret' | 'previousSecret' | 'previousSecretValidUntil'>, id: string, at: Date, payload: string, now: Date): string {
  const signatures = [new Webhook(endpoint.secret).sign(id, at, payload)];
  if (endpoint.previousSecret && endpoint.previousSecretValidUntil && endpoint.previousSecretValidUntil > now) {
    signatures.push(new Webhook(endpoint.previousSecret).sign(id, at, payload));
  }
  return signatures.join(' ');
}

export class WebhookDelivery {
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: SqlWebhookStore,
    private readonly options: DeliveryOptions,
  ) {}

  /** Attempts every due message once; resolves to how many attempts were made. Overlapping calls share one run. */
  deliverDue(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<number> {
    let attempts = 0;
    for (;;) {
      const now = this.options.now();
      const claimed = await this.store.claimDue(now, new Date(now.getTime() + DELIVERY_LEASE_MS));
      if (claimed.length === 0) return attempts;
      await Promise.all(claimed.map((message) => this.attempt(message)));
      attempts += claimed.length;
    }
  }

  private async attempt(message: ClaimedMessage): Promise<void> {
    const started = performance.now();
    const at = this.options.now();
    let responseStatus: number | null = null;
    let error: string | null = null;
    const endpoint = await this.store.endpoint(message.endpointId);
    if (!endpoint || endpoint.deletedAt) error = 'the endpoint was deleted';
    else {
      const verdict = await checkWebhookUrl(endpoint.url, { allowPrivate: this.options.allowPrivateUrls });
      if (!verdict.ok) error = verdict.message;
      else {
        // the timestamp a receiver checks against its own clock (replay protection): the wall
        // clock, not the injected one that schedules attempts
        const sentAt = new Date();
        try {
          const response = await fetch(verdict.url, {
            method: 'POST',
            // a redirect could lead anywhere, the guarded addresses included: not followed
            redirect: 'manual',
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
            headers: {
              'content-type': 'application/json',
              'webhook-id': message.id,
              'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
              'webhook-signature': signatureHeader(endpoint, message.id, sentAt, message.payload, at),
            },
            body: message.payload,
          });
          responseStatus = response.status;
          await response.body?.cancel();
        } catch (caught) {
          error = caught instanceof Error ? caught.message.slice(0, 300) : 'request failed';
        }
      }
    }
    const delivered = responseStatus !== null && responseStatus >= 200 && responseStatus < 300;
    await this.store.recordAttempt({
      messageId: message.id,
      attemptNumber: message.attemptCount,
      at,
      responseStatus,
      error: delivered ? null : (error ?? `HTTP ${responseStatus}`),
      durationMs: Math.round(performance.now() - started),
      next: delivered || !endpoint || endpoint.deletedAt
        ? delivered ? { delivered: true } : { delivered: false, retryAt: null }
        : { delivered: false, retryAt: nextAttemptAfterFailure(message.createdAt, message.attemptCount, at) },
    });
  }
}
