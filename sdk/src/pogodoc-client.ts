// PogodocClient: the Pogodoc API for integrators, as on the product page:
//
//   import { PogodocClient } from "pogodoc";
//   const pogodoc = new PogodocClient({ token: process.env.POGODOC_API_TOKEN! });
//
// Every call sends an Idempotency-Key (a new random UUID per call, the same on each of its
// retries), so that a retry after a dropped connection gets the first result back from the API
// instead of a second document. That is what makes retrying on network errors safe.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { errorClassFor, PogodocError, PogodocNetworkError, PogodocTimeoutError } from './errors.js';
import { AuditApi, TokensApi, usage, type Call, type RetryPolicyOfCall, type UsageInput } from './management.js';
import { RenderDocument, type Operation } from './operations.js';
import { RateLimitPacer, type RateLimitSlot, type RateLimitSnapshot } from './rate-limit-pacer.js';
import { backoffMs, deadlineSignal, retryAfterSecondsOf, sleep, type RetryPolicy } from './retry.js';

export const SDK_VERSION = '0.1.0';

export const DEFAULT_BASE_URL = 'https://api.pogodoc.com';

export interface PogodocClientOptions {
  /** The API token. Defaults to POGODOC_API_TOKEN, from the environment or the .env file. */
  token?: string;
  /** The API's base URL. Defaults to POGODOC_API_URL, then https://api.pogodoc.com. */
  baseUrl?: string;
  /** Where to look for the .env file; defaults to .env in the working directory. */
  envFile?: string;
  /** Retries of a call after its first attempt, on passing failures (see the README). Default 3; 0 turns retries off. */
  maxRetries?: number;
  /** The deadline of a call, retries and their waits included, in milliseconds. Default 60,000. */
  timeoutMs?: number;
  /** The first retry waits between half of this and this; each further one twice as long. Default 500. */
  minRetryDelayMs?: number;
  /** The longest wait between retries, unless the API asks for longer with Retry-After. Default 8,000. */
  maxRetryDelayMs?: number;
  /**
   * Before a document request, wait for a window of the token's rate limit that the last answer
   * said is used up to start again, instead of sending a request the API would refuse. Default true.
   */
  respectRateLimit?: boolean;
  /**
   * The longest such wait, in milliseconds. A call that would wait longer, or past its deadline
   * (timeoutMs), is refused at once with RATE_LIMITED (retryAfterSeconds set, attempts 0) and
   * sends nothing. Default 60,000; 0 never waits.
   */
  maxRateLimitWaitMs?: number;
}

export interface RequestOptions {
  /**
   * The Idempotency-Key of this call. Defaults to a new random UUID. Pass your own (e.g. your
   * invoice's id) to make a document at most once across separate calls or processes; the same
   * key must then always come with the same template and data.
   */
  idempotencyKey?: string;
  /** Cancels the call, retries included; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RenderDocumentInput {
  /** A Liquid template, e.g. "Invoice for {{ customer }}". */
  template: string;
  /** A JSON object the template reads. */
  data: Record<string, unknown>;
}

export interface RenderedDocument {
  content: string;
  /** The API token that made it. */
  tokenId: string;
  /** The token's document count, this document included. */
  documentCount: number;
  /**
   * True when the API answered with the stored result of an earlier request with this call's
   * Idempotency-Key (e.g. a retry after the first answer was lost): nothing was counted again.
   */
  replayed: boolean;
}

/** Failures worth another attempt: the API asked to wait, or could not serve just then. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['RATE_LIMITED', 'DATABASE_UNAVAILABLE', 'IDEMPOTENCY_KEY_IN_USE']);
const NEVER_RETRIED_CODES = new Set(['TOKEN_LIMIT_EXCEEDED', 'QUOTA_EXCEEDED']);
/** The retryable refusals in which the API says it did nothing: the only retries of a call that must not run twice. */
const NOTHING_DONE_CODES = new Set(['RATE_LIMITED', 'DATABASE_UNAVAILABLE']);

interface GraphQLBody<Result> {
  data?: Result | null;
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown; retryAfter?: unknown; resetsAt?: unknown } }>;
}

function fromEnvironment(name: string, envFile: string): string | undefined {
  if (process.env[name] === undefined && existsSync(envFile)) process.loadEnvFile(envFile);
  return process.env[name] || undefined;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`PogodocClient: ${name} must be a number ≥ 0, got ${value}`);
  return value;
}

export class PogodocClient {
  private readonly token: string | undefined;
  private readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly respectRateLimit: boolean;
  private readonly maxRateLimitWaitMs: number;
  // one for the client: its concurrent calls share the token's windows
  private readonly pacer = new RateLimitPacer();
  /** The account's tokens, with a token that has TOKENS_READ or TOKENS_WRITE (see management.ts). */
  readonly tokens: TokensApi;
  /** The account's activity log, with a token that has AUDIT_READ. */
  readonly audit: AuditApi;

  constructor(options: PogodocClientOptions = {}) {
    const envFile = options.envFile ?? path.resolve('.env');
    this.token = options.token ?? fromEnvironment('POGODOC_API_TOKEN', envFile);
    const baseUrl = options.baseUrl ?? fromEnvironment('POGODOC_API_URL', envFile) ?? DEFAULT_BASE_URL;
    this.endpoint = `${baseUrl.replace(/\/+$/, '')}/graphql`;
    this.timeoutMs = nonNegative(options.timeoutMs, 60_000, 'timeoutMs');
    this.retry = {
      maxRetries: Math.floor(nonNegative(options.maxRetries, 3, 'maxRetries')),
      baseDelayMs: nonNegative(options.minRetryDelayMs, 500, 'minRetryDelayMs'),
      maxDelayMs: nonNegative(options.maxRetryDelayMs, 8_000, 'maxRetryDelayMs'),
    };
    this.respectRateLimit = options.respectRateLimit ?? true;
    this.maxRateLimitWaitMs = nonNegative(options.maxRateLimitWaitMs, 60_000, 'maxRateLimitWaitMs');
    this.tokens = new TokensApi(this.managementCall);
    this.audit = new AuditApi(this.managementCall);
  }

  private readonly managementCall: Call = (operation, variables, options, policy) => this.call(operation, variables, options, policy, false);

  /**
   * The token's rate limit as the last document answer stated it (its RateLimit-Policy and
   * RateLimit headers): each window's quota and length, what was left and when it starts again.
   * Undefined until an answer has said. Read-only.
   */
  get rateLimit(): RateLimitSnapshot | undefined {
    return this.pacer.snapshot;
  }

  /** Documents per hour or day in [from, to), for the account or one token, with a token that has USAGE_READ. */
  usage(input: UsageInput, options: RequestOptions = {}) {
    return usage(this.managementCall, input, options);
  }

  /**
   * Renders a Liquid template with data and counts one document on the token, once, however
   * many retries it took.
   */
  async renderDocument(input: RenderDocumentInput, options: RequestOptions = {}): Promise<RenderedDocument> {
    const result = await this.call(RenderDocument, { template: input.template, data: input.data }, options, 'retry', true);
    const document: RenderedDocument = result.renderDocument;
    return document;
  }

  /**
   * One logical call: its attempts share one Idempotency-Key and one deadline. A paced call (a
   * document: the requests the RateLimit headers speak of) waits for room in the token's rate
   * limit before each attempt, and its answers update what the client knows of it.
   */
  private async call<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: Variables,
    options: RequestOptions,
    policy: RetryPolicyOfCall,
    paced: boolean,
  ): Promise<Result> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const deadline = performance.now() + this.timeoutMs;
    const timeout = deadlineSignal(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    try {
      return await this.attempts(operation, variables, { idempotencyKey, deadline, signal, callerSignal: options.signal, policy, paced });
    } finally {
      timeout.clear();
    }
  }

  private async attempts<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: Variables,
    {
      idempotencyKey,
      deadline,
      signal,
      callerSignal,
      policy,
      paced,
    }: { idempotencyKey: string; deadline: number; signal: AbortSignal; callerSignal: AbortSignal | undefined; policy: RetryPolicyOfCall; paced: boolean },
  ): Promise<Result> {
    // what to throw once the call cannot go on: the caller's own abort, or the deadline
    const stopped = (attempts: number, last: unknown): unknown => {
      if (callerSignal?.aborted) return callerSignal.reason;
      return new PogodocTimeoutError(
        `The Pogodoc API did not answer within ${this.timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'}).`,
        'TIMEOUT',
        { attempts, cause: last },
      );
    };

    let previous: PogodocError | undefined;
    let retries = 0;
    for (let attempt = 1; ; attempt++) {
      let slot: RateLimitSlot | undefined;
      if (paced) {
        try {
          slot = await this.rateLimitSlot(signal, deadline);
        } catch (error) {
          if (signal.aborted) throw stopped(attempt - 1, previous ?? error);
          // as a retry whose wait would be too long: a retry throws the failure it was retrying
          if (previous) throw previous;
          throw error;
        }
      }
      let failure: PogodocError;
      try {
        return await this.attempt(operation, variables, idempotencyKey, signal, slot);
      } catch (error) {
        if (signal.aborted) throw stopped(attempt, error);
        failure = error as PogodocError;
      } finally {
        slot?.done();
      }
      failure.attempts = attempt;
      previous = failure;
      // IDEMPOTENCY_KEY_IN_USE is the call's own earlier attempt still under way, or stopped with its
      // instance until its claim lapses (20 s): waited out within the deadline at the pace of its
      // Retry-After, without using up the retries meant for failures
      const waitingForEarlierAttempt = failure.code === 'IDEMPOTENCY_KEY_IN_USE';
      if (!failure.retryable || this.retry.maxRetries === 0 || (!waitingForEarlierAttempt && retries >= this.retry.maxRetries)) throw failure;
      if (!waitingForEarlierAttempt) retries++;
      if (policy === 'retry-refusals-only' && !NOTHING_DONE_CODES.has(failure.code)) throw failure;
      // never sooner than the API asked; a wait that would end past the deadline is not begun
      const waitMs = Math.max(backoffMs(this.retry, attempt - 1), (failure.retryAfterSeconds ?? 0) * 1000);
      if (performance.now() + waitMs >= deadline) throw failure;
      try {
        await sleep(waitMs, signal);
      } catch {
        throw stopped(attempt, failure);
      }
    }
  }

  /**
   * Room for one document request in the token's rate limit: at once when the last answer left
   * some (or respectRateLimit is off), else after the used-up window starts again. A wait past
   * maxRateLimitWaitMs or the deadline is not begun: RATE_LIMITED, as a Retry-After past the
   * deadline is thrown rather than waited for.
   */
  private async rateLimitSlot(signal: AbortSignal, deadline: number): Promise<RateLimitSlot> {
    if (!this.respectRateLimit) return this.pacer.acquire();
    for (;;) {
      const next = this.pacer.tryAcquire();
      if ('done' in next) return next;
      const tooLong = next.waitMs > this.maxRateLimitWaitMs;
      if (tooLong || performance.now() + next.waitMs >= deadline) {
        const seconds = Math.ceil(next.waitMs / 1000);
        const limit = tooLong ? `maxRateLimitWaitMs (${this.maxRateLimitWaitMs} ms)` : `the call's deadline (timeoutMs ${this.timeoutMs} ms)`;
        throw new PogodocError(
          `The API token's rate limit "${next.name}" has no requests left for another ${seconds} s, longer than ${limit}: the request was not sent.`,
          'RATE_LIMITED',
          { retryable: true, retryAfterSeconds: seconds, attempts: 0 },
        );
      }
      await this.pacer.waitForChange(next.waitMs, signal);
    }
  }

  /** One HTTP request; every failure becomes a PogodocError, except an abort, which the caller handles. */
  private async attempt<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: Variables,
    idempotencyKey: string,
    signal: AbortSignal,
    slot: RateLimitSlot | undefined,
  ): Promise<Result> {
    // outside the try below: data that cannot be sent (a BigInt, a cycle) is the caller's error, not a network one
    const requestBody = JSON.stringify({ query: operation.query, variables });
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          'user-agent': `pogodoc-node/${SDK_VERSION}`,
          'idempotency-key': idempotencyKey,
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: requestBody,
        signal,
      });
      // the connection can still drop while the body arrives
      text = await response.text();
      // refusals included: a 429 says the window is used up, and until when
      slot?.done(response.headers);
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new PogodocNetworkError(`Could not reach the Pogodoc API at ${this.endpoint}: ${reason}`, 'NETWORK_ERROR', {
        retryable: true,
        cause: error,
      });
    }
    let body: GraphQLBody<Result> | null = null;
    try {
      body = JSON.parse(text) as GraphQLBody<Result>;
    } catch {
      // not the API's answer (a proxy's error page): judged by its status below
    }
    const first = body?.errors?.[0];
    const retryAfterSeconds = retryAfterSecondsOf(response.headers.get('retry-after'), first?.extensions?.retryAfter);
    if (first) {
      const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'UNKNOWN';
      const ErrorClass = errorClassFor(code);
      const resetsAt = typeof first.extensions?.resetsAt === 'string' ? new Date(first.extensions.resetsAt) : undefined;
      throw new ErrorClass(String(first.message), code, {
        status: response.status,
        // a 429 of the token's monthly limit lasts until the month ends: not worth a retry
        retryable: RETRYABLE_CODES.has(code) || (RETRYABLE_STATUSES.has(response.status) && !NEVER_RETRIED_CODES.has(code)),
        retryAfterSeconds,
        resetsAt: resetsAt && !Number.isNaN(resetsAt.getTime()) ? resetsAt : undefined,
      });
    }
    if (!response.ok || !body?.data) {
      throw new PogodocError(`The Pogodoc API answered HTTP ${response.status} without a result.`, 'HTTP_ERROR', {
        status: response.status,
        retryable: RETRYABLE_STATUSES.has(response.status),
        retryAfterSeconds,
      });
    }
    return body.data;
  }
}
