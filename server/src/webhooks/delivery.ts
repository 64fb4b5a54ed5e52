// Delivers the outbox: claims due messages (one instance per message, see webhook-store.ts),
// signs each per Standard Webhooks with the `standardwebhooks` package, POSTs it, logs the attempt
// and schedules the next one with exponential backoff for up to 24 hours. At least once: a
// receiver must deduplicate by the webhook-id header, which is the same on every attempt.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { DELIVERY_LEASE_MS, nextAttemptAfterFailure } from '../domain/webhooks.js';
import type { ClaimedMessage, EndpointRecord, SqlWebhookStore } from '../persistence/webhook-store.js';
import { checkWebhookUrl, publicOnlyLookup, type ResolveHost } from './ssrf-guard.js';

// A receiver has this long to answer; a slow one must not hold the deliveries of others.
export const DELIVERY_TIMEOUT_MS = 5000;
// Attempts in flight on one instance, and how many messages one claim takes (webhook-store.ts).
const MAX_ATTEMPTS_IN_FLIGHT = 60;
const CLAIM_BATCH_SIZE = 20;

export interface DeliveryOptions {
  now: () => Date;
  allowPrivateUrls: boolean;
  timeoutMs?: number;
  /** How names are resolved, for the check and at connect time (the tests stand in for DNS). */
  resolve?: ResolveHost;
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

  /**
   * A pool, not batch after batch: a new batch is claimed as soon as a batch's worth of slots is
   * free, so receivers that hang until the timeout hold their own slots only, and the messages of
   * every other account keep going out. A failure to record an attempt (the database is down)
   * stops the claiming; the attempts in flight finish, and the failure is the run's outcome.
   */
  private async run(): Promise<number> {
    let attempts = 0;
    let failure: { reason: unknown } | undefined;
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      if (!failure && inFlight.size <= MAX_ATTEMPTS_IN_FLIGHT - CLAIM_BATCH_SIZE) {
        const now = this.options.now();
        const claimed = await this.store.claimDue(now, new Date(now.getTime() + DELIVERY_LEASE_MS));
        for (const message of claimed) {
          const attempt: Promise<void> = this.attempt(message)
            .catch((reason: unknown) => {
              failure ??= { reason };
            })
            .finally(() => inFlight.delete(attempt));
          inFlight.add(attempt);
        }
        attempts += claimed.length;
        if (claimed.length > 0) continue;
      }
      if (inFlight.size === 0) {
        if (failure) throw failure.reason;
        return attempts;
      }
      await Promise.race(inFlight);
    }
  }

  /**
   * One attempt, always recorded: whatever throws on the way (the endpoint's row, the URL check,
   * signing) is a failed attempt with its retry scheduled, never a message left claimed and tried
   * again forever.
   */
  private async attempt(message: ClaimedMessage): Promise<void> {
    const started = performance.now();
    const at = this.options.now();
    let outcome: AttemptOutcome;
    try {
      outcome = await this.send(message, at);
    } catch (caught) {
      outcome = { responseStatus: null, error: `the attempt failed before sending: ${caught instanceof Error ? caught.message.slice(0, 200) : 'unknown error'}`, endpointGone: false };
    }
    const { responseStatus, error, endpointGone } = outcome;
    const delivered = responseStatus !== null && responseStatus >= 200 && responseStatus < 300;
    await this.store.recordAttempt({
      messageId: message.id,
      attemptNumber: message.attemptCount,
      at,
      responseStatus,
      error: delivered ? null : (error ?? `HTTP ${responseStatus}`),
      durationMs: Math.round(performance.now() - started),
      next: delivered
        ? { delivered: true }
        : endpointGone
          ? { delivered: false, retryAt: null }
          : { delivered: false, retryAt: nextAttemptAfterFailure(message.createdAt, message.attemptCount, at) },
    });
  }

  private async send(message: ClaimedMessage, at: Date): Promise<AttemptOutcome> {
    const endpoint = await this.store.endpoint(message.endpointId);
    if (!endpoint || endpoint.deletedAt) return { responseStatus: null, error: 'the endpoint was deleted', endpointGone: true };
    const verdict = await checkWebhookUrl(endpoint.url, { allowPrivate: this.options.allowPrivateUrls, resolve: this.options.resolve });
    if (!verdict.ok) return { responseStatus: null, error: verdict.message, endpointGone: false };
    // the timestamp a receiver checks against its own clock (replay protection): the wall
    // clock, not the injected one that schedules attempts
    const sentAt = new Date();
    const signature = signatureHeader(endpoint, message.id, sentAt, message.payload, at);
    try {
      const status = await post(verdict.url, message.payload, {
        'content-type': 'application/json',
        'webhook-id': message.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      }, {
        timeoutMs: this.options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
        // the address connected to is checked, not only the one resolved before (DNS rebinding)
        lookup: this.options.allowPrivateUrls ? undefined : publicOnlyLookup(this.options.resolve),
      });
      return { responseStatus: status, error: null, endpointGone: false };
    } catch (caught) {
      return { responseStatus: null, error: caught instanceof Error ? caught.message.slice(0, 300) : 'request failed', endpointGone: false };
    }
  }
}

/**
 * POSTs and resolves to the response status, reading no body. node:http rather than fetch: its
 * socket takes our lookup, so the guard sees the address actually connected to; no redirect is
 * followed (one could lead anywhere, the guarded addresses included); no pooled socket is reused.
 */
function post(url: URL, body: string, headers: Record<string, string>, options: { timeoutMs: number; lookup: LookupFunction | undefined }): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        lookup: options.lookup,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

interface AttemptOutcome {
  responseStatus: number | null;
  error: string | null;
  /** The endpoint was deleted: no retry. */
  endpointGone: boolean;
}
