// Delivers the outbox: claims due messages (one instance per message, see webhook-store.ts),
// signs each per Standard Webhooks with the `standardwebhooks` package, POSTs it, logs the attempt
// and schedules the next one with exponential backoff for up to 24 hours. At least once: a
// receiver must deduplicate by the webhook-id header, which is the same on every attempt.
//
// Fair: the claim takes messages in turn across accounts and their endpoints, security events
// first, with at most MAX_ATTEMPTS_IN_FLIGHT_PER_ENDPOINT attempts to an endpoint at once; and an
// endpoint that does not answer is paused (a circuit breaker), so that while it is down it holds
// no slot at all. A receiver that hangs holds only its own messages.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  ENDPOINT_DISABLED_REASON,
  DELIVERY_LEASE_MS,
  endpointPauseMs,
  MAX_ATTEMPTS_IN_FLIGHT_PER_ENDPOINT,
  nextAttemptAfterFailure,
  type ClaimedMessage,
  type EndpointRecord,
  type WebhookStore,
} from '../domain/webhooks.js';
import { classifyRequestError, httpStatusClass, NO_ANSWER_CLASSES } from './attempt-errors.js';
import { checkWebhookUrl, publicOnlyLookup, type ResolveHost } from './ssrf-guard.js';

// A receiver has this long to answer; a slow one must not hold the deliveries of others.
export const DELIVERY_TIMEOUT_MS = 5000;
// Attempts in flight on one instance, and at most how many messages one claim takes.
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
  /** Attempts under way per endpoint, on this instance. */
  private readonly inFlightByEndpoint = new Map<string, number>();
  /** Endpoints that did not answer: their latest pause's end, and how many pauses in a row. */
  private readonly pauses = new Map<string, { inARow: number; until: Date; written: Promise<void> }>();

  constructor(
    private readonly store: WebhookStore,
    private readonly options: DeliveryOptions,
  ) {}

  /** Wakes a run that waits for a free slot or a finished attempt, to claim again now. */
  private wake: (() => void) | undefined;

  /**
   * Attempts every due message once; resolves to how many attempts were made. Overlapping calls
   * share one run, and make it look for due messages again at once: a run can last as long as an
   * attempt to a receiver that hangs, and what became due meanwhile must not wait for it.
   */
  deliverDue(): Promise<number> {
    if (this.running) this.wake?.();
    else this.running = this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * A pool, not batch after batch: whenever a slot is free, the next messages in turn are claimed,
   * so that receivers that hang until the timeout hold their own slots only (at most
   * MAX_ATTEMPTS_IN_FLIGHT_PER_ENDPOINT each), and the messages of every other account keep going
   * out. A failure to record an attempt (the database is down) stops the claiming; the attempts in
   * flight finish, and the failure is the run's outcome.
   */
  private async run(): Promise<number> {
    let attempts = 0;
    let failure: { reason: unknown } | undefined;
    const inFlight = new Set<Promise<void>>();
    let finished = 0;
    for (;;) {
      const free = MAX_ATTEMPTS_IN_FLIGHT - inFlight.size;
      if (!failure && free > 0) {
        const now = this.options.now();
        const finishedBefore = finished;
        const claimed = await this.store.claimDue(now, new Date(now.getTime() + DELIVERY_LEASE_MS), {
          limit: Math.min(free, CLAIM_BATCH_SIZE),
          perEndpoint: MAX_ATTEMPTS_IN_FLIGHT_PER_ENDPOINT,
          inFlight: this.busyEndpoints(now),
        });
        for (const message of claimed) {
          this.countInFlight(message.endpointId, +1);
          const attempt: Promise<void> = this.attempt(message)
            .catch((reason: unknown) => {
              failure ??= { reason };
            })
            .finally(() => {
              this.countInFlight(message.endpointId, -1);
              inFlight.delete(attempt);
              finished++;
            });
          inFlight.add(attempt);
        }
        attempts += claimed.length;
        // an attempt that ended while the claim ran freed a slot the claim still counted as taken:
        // what it held back may be due now, so an empty claim is no sign that nothing is left
        if (claimed.length > 0 || finished !== finishedBefore) continue;
      }
      if (inFlight.size === 0) {
        if (failure) throw failure.reason;
        return attempts;
      }
      // a slot frees (the endpoint that held it may be under its limit again, or another's turn
      // came), or the next poll asks to look again
      await Promise.race([...inFlight, new Promise<void>((resolve) => (this.wake = resolve))]);
      this.wake = undefined;
    }
  }

  private countInFlight(endpointId: string, change: number): void {
    const count = (this.inFlightByEndpoint.get(endpointId) ?? 0) + change;
    if (count > 0) this.inFlightByEndpoint.set(endpointId, count);
    else this.inFlightByEndpoint.delete(endpointId);
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
    } catch {
      outcome = { responseStatus: null, error: 'failed before sending', endpointGone: false };
    }
    const { responseStatus, error, endpointGone } = outcome;
    const delivered = responseStatus !== null && responseStatus >= 200 && responseStatus < 300;
    // any HTTP answer: the receiver is up; no answer at all: the endpoint is paused
    if (responseStatus !== null) this.pauses.delete(message.endpointId);
    const pause = responseStatus === null && error !== null && NO_ANSWER_CLASSES.has(error) ? this.pauseOf(message.endpointId, at) : undefined;
    const retryAt = nextAttemptAfterFailure(message.createdAt, message.attemptCount, at);
    await this.store.recordAttempt({
      messageId: message.id,
      attemptNumber: message.attemptCount,
      at,
      responseStatus,
      error: delivered ? null : (error ?? httpStatusClass(responseStatus ?? 0)),
      durationMs: Math.round(performance.now() - started),
      next: delivered
        ? { delivered: true }
        : endpointGone
          ? { delivered: false, retryAt: null, reason: outcome.reason }
          : { delivered: false, retryAt: retryAt && pause && pause.until > retryAt ? pause.until : retryAt },
    });
    // every attempt that ended without an answer waits for the pause to be written before its
    // slot frees, so that no claim on this instance sees the endpoint due meanwhile
    if (pause) await pause.written;
  }

  /**
   * The circuit breaker: an endpoint that did not answer gets no attempt until the pause ends,
   * longer each time in a row. Its waiting messages are moved past the pause in the database (once
   * per pause), so that no instance claims them meanwhile, and this one does not either; when the
   * pause ends, the first attempts (at most the per-endpoint limit) are the probe. Attempts that were under way
   * when the pause began and end without an answer move their own retry past it, and do not
   * lengthen it.
   */
  private pauseOf(endpointId: string, at: Date): { until: Date; written: Promise<void> } {
    const current = this.pauses.get(endpointId);
    if (current && current.until > at) return current;
    const inARow = (current?.inARow ?? 0) + 1;
    const until = new Date(at.getTime() + endpointPauseMs(inARow));
    const written = this.store.pauseEndpoint(endpointId, until);
    // awaited by the attempts that hit the pause; one that failed to record first never awaits it
    written.catch(() => {});
    const pause = { inARow, until, written };
    this.pauses.set(endpointId, pause);
    return pause;
  }

  /** The endpoints this instance must not claim for now: at their limit of attempts, or paused. */
  private busyEndpoints(now: Date): Map<string, number> {
    const busy = new Map(this.inFlightByEndpoint);
    for (const [endpointId, pause] of this.pauses) if (pause.until > now) busy.set(endpointId, MAX_ATTEMPTS_IN_FLIGHT_PER_ENDPOINT);
    return busy;
  }

  private async send(message: ClaimedMessage, at: Date): Promise<AttemptOutcome> {
    const endpoint = await this.store.endpoint(message.endpointId);
    if (!endpoint || endpoint.deletedAt) return { responseStatus: null, error: 'endpoint deleted', endpointGone: true };
    // disabled after this message was claimed (its disable gave up the waiting ones, not this)
    if (endpoint.disabledAt) return { responseStatus: null, error: 'endpoint disabled', endpointGone: true, reason: ENDPOINT_DISABLED_REASON };
    const verdict = await checkWebhookUrl(endpoint.url, { allowPrivate: this.options.allowPrivateUrls, resolve: this.options.resolve });
    if (!verdict.ok) return { responseStatus: null, error: verdict.reason === 'forbidden' ? 'host not public' : 'invalid URL', endpointGone: false };
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
      return { responseStatus: null, error: classifyRequestError(caught), endpointGone: false };
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
  /** The endpoint was deleted or disabled: no retry. */
  endpointGone: boolean;
  /** Why it was given up, when not for the retries running out. */
  reason?: string;
}
