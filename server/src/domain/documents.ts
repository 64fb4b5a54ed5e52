// Documents: the one operation an API token is for. Each successful render counts one
// document on the token that made it; a failed one counts nothing.
// (Over 200 lines: the plain, idempotent and metered paths of one operation share its checks and
// read best side by side.)
import type { TokenPresentation } from './request-log.js';
import { newId } from './ids.js';
import type { ApiTokenService, AuthenticatedToken } from './api-tokens.js';
import { DomainError, IdempotencyKeyInUseError, IdempotencyKeyReusedError, QuotaExceededError, RateLimitedError } from './errors.js';
import { billingPeriodOf, periodResetOf, quotaOf, quotaUsedUp } from './metering.js';
import {
  checkIdempotencyKey,
  IDEMPOTENCY_CLAIM_LEASE_MS,
  IDEMPOTENCY_KEY_TTL_MS,
  IDEMPOTENCY_PRUNE_BATCH,
  inUseRetryAfterSeconds,
  requestHashOf,
} from './idempotency.js';
import type { ApiTokenRecord, CompleteKeyResult, IdempotencyClaim, IdempotencyStore, LiveAnnouncements, TokenStore, TokenUse, UsageStore } from './ports.js';
import type { RateLimiters } from './rate-limits.js';
import { countTokenRequest, tokenRatePolicyOf, type TokenRatePolicy, type TokenRateState } from './token-rate-limits.js';
import { monthlyLimitError } from './token-restrictions.js';
import { requireScope } from './token-scopes.js';
import { isTestMode, TEST_MODE_MONTHLY_DOCUMENTS, watermarked } from './token-modes.js';

export const TEMPLATE_MAX_BYTES = 64 * 1024;
export const DATA_MAX_BYTES = 256 * 1024;
/** Levels of objects and arrays in the data, the data object itself being the first. */
export const DATA_MAX_DEPTH = 64;

export type TemplateData = Record<string, unknown>;

/** Enough of a User-Agent to recognise a client; the rest is not kept, wherever it is recorded. */
export const USER_AGENT_MAX_LENGTH = 200;

/** A User-Agent as it is kept: at most USER_AGENT_MAX_LENGTH characters, null when absent or empty. */
export function keptUserAgent(userAgent: string | null | undefined): string | null {
  return userAgent?.slice(0, USER_AGENT_MAX_LENGTH) || null;
}

/** Where a document request came from, and its Idempotency-Key header. */
export interface DocumentRequest {
  clientAddress: string;
  userAgent: string | undefined;
  idempotencyKey?: string;
  /** Hears where the token stands in each window of its rate limit once the request was counted (the RateLimit headers). */
  onRateLimit?: (states: readonly TokenRateState[]) => void;
  /** Hears that the request presented a token this service knows, usable or not (the request log). */
  onTokenPresented?: (presentation: TokenPresentation) => void;
}

/** One render: the template, the data as JSON text, and the account it is for (renders are shared out per account, and by plan). */
export interface RenderJob {
  accountId: string;
  /** The account's plan, which decides its share of the renderers (domain/plans.ts: renderShareOf). */
  planId: string | null;
  template: string;
  dataJson: string;
}

/**
 * Renders a template with data. Throws a DomainError: TEMPLATE_INVALID, RENDER_FAILED,
 * RENDER_TIMEOUT or RENDER_OUTPUT_TOO_LARGE for the template, RATE_LIMITED when the account
 * already has as many renders in flight as it may.
 */
export interface TemplateRenderer {
  render(job: RenderJob): Promise<string>;
}

export interface RenderedDocument {
  content: string;
  tokenId: string;
  accountId: string;
  /** The token's document count after this document. */
  documentCount: number;
  /** When the token was used for this document: its new lastUsedAt. */
  usedAt: Date;
  /**
   * True when this is the stored result of an earlier request with the same Idempotency-Key:
   * nothing was rendered or counted for this request.
   */
  replayed: boolean;
  /** Made by a test-mode token: watermarked, and not counted in the account's quota (token-modes.ts). */
  testMode: boolean;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Whether the data nests deeper than DATA_MAX_DEPTH, or is surely larger than DATA_MAX_BYTES as
 * JSON, found without recursion: a recursive walk (JSON.stringify's included) overflows the stack
 * on 100,000 nested arrays. The size is a lower bound of the JSON's, counted as the walk goes,
 * so that data which repeats one large value many times (a GraphQL literal can reference the
 * same variable again and again) is refused before it is ever written out.
 */
function measureData(data: object): 'too deep' | 'too large' | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: data, depth: 1 }];
  let minimumBytes = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      minimumBytes += value.length + 2;
    } else if (value !== null && typeof value === 'object') {
      if (depth > DATA_MAX_DEPTH) return 'too deep';
      minimumBytes += 2;
      const isArray = Array.isArray(value);
      for (const [key, child] of Object.entries(value)) {
        if (!isArray) minimumBytes += key.length + 3;
        stack.push({ value: child, depth: depth + 1 });
      }
    } else if (value !== undefined) {
      minimumBytes += 1;
    }
    if (minimumBytes > DATA_MAX_BYTES) return 'too large';
  }
  return undefined;
}

/** Checks the input and returns the data as JSON, which is how it travels to the renderer. */
function checkInput(template: string, data: unknown): string {
  if (byteLength(template) > TEMPLATE_MAX_BYTES) {
    throw new DomainError('TEMPLATE_TOO_LARGE', `Templates can be at most ${TEMPLATE_MAX_BYTES / 1024} KiB.`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DomainError('DATA_INVALID', 'The data must be a JSON object, like {"name": "Ada"}.');
  }
  const problem = measureData(data);
  if (problem === 'too deep') {
    throw new DomainError('DATA_INVALID', `The data can nest objects and arrays at most ${DATA_MAX_DEPTH} levels deep.`);
  }
  const dataJson = problem === 'too large' ? undefined : JSON.stringify(data);
  if (dataJson === undefined || byteLength(dataJson) > DATA_MAX_BYTES) {
    throw new DomainError('DATA_TOO_LARGE', `The data can be at most ${DATA_MAX_BYTES / 1024} KiB of JSON.`);
  }
  return dataJson;
}

/** TEST_QUOTA_EXCEEDED: the account's test documents of this period are made; they reset with it. */
const testQuotaExceeded = (at: Date) => new QuotaExceededError(TEST_MODE_MONTHLY_DOCUMENTS, periodResetOf(at), at, true);

export class DocumentService {
  constructor(
    private readonly apiTokens: ApiTokenService,
    private readonly tokens: TokenStore,
    private readonly renderer: TemplateRenderer,
    private readonly limits: Pick<RateLimiters, 'documentsPerToken'>,
    /** The most any token may make (DOCUMENTS_PER_TOKEN_PER_SECOND and _PER_MINUTE), before its plan's share. */
    private readonly serviceRateLimit: TokenRatePolicy,
    private readonly announce: Pick<LiveAnnouncements, 'documentCounted'>,
    private readonly idempotencyKeys: IdempotencyStore,
    private readonly usage: Pick<UsageStore, 'periodUsage'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Renders and counts one document. With an idempotency key (the Idempotency-Key header), the
   * same key and request again return the first result and count nothing (see idempotency.ts).
   */
  async renderDocument(
    bearer: string | undefined,
    template: string,
    data: unknown,
    { clientAddress, userAgent, idempotencyKey, onRateLimit, onTokenPresented }: DocumentRequest,
  ): Promise<RenderedDocument> {
    const authenticated = await this.apiTokens.authenticate(bearer, clientAddress, keptUserAgent(userAgent) ?? undefined, { forDocument: true, onPresented: onTokenPresented });
    const { token } = authenticated;
    // a management token without this scope makes no document (a substring test on the row read)
    requireScope(token.scopes, 'DOCUMENTS_RENDER');
    const testMode = isTestMode(token);
    const useAt = (at: Date): TokenUse => ({ at, clientAddress, userAgent: keptUserAgent(userAgent), previousSecret: authenticated.viaPreviousSecret, testMode });
    onRateLimit?.(await this.countRequest(authenticated, onRateLimit));
    const dataJson = checkInput(template, data);
    if (idempotencyKey !== undefined) {
      return this.renderOnce(authenticated, checkIdempotencyKey(idempotencyKey), template, data as object, dataJson, useAt);
    }
    this.refuseWhenUsedUp(authenticated);
    const content = await this.render(authenticated, template, dataJson);
    // Counted only after a successful render, in one atomic UPDATE that also re-checks
    // that the token is still usable: a delete or an expiry that lands mid-render wins.
    // The same transaction meters it: the account's quota and the token's hourly usage (metering.ts).
    const usedAt = this.now();
    const recorded = await this.tokens.recordDocument(token.id, useAt(usedAt));
    if (recorded.outcome === 'quota-exceeded') throw await this.quotaExceeded(token.accountId, usedAt);
    if (recorded.outcome === 'test-quota-exceeded') throw testQuotaExceeded(usedAt);
    if (recorded.outcome === 'unusable') throw await this.apiTokens.whyUnusable(token.id);
    const { documentCount, periodDocumentCount } = recorded;
    this.announceCounted(token, documentCount, periodDocumentCount, usedAt);
    return { content, tokenId: token.id, accountId: token.accountId, documentCount, usedAt, replayed: false, testMode };
  }

  /** Renders the document; a test-mode token's carries the watermark. */
  private async render({ token, planId }: AuthenticatedToken, template: string, dataJson: string): Promise<string> {
    const content = await this.renderer.render({ accountId: token.accountId, planId, template, dataJson });
    return isTestMode(token) ? watermarked(content) : content;
  }

  /** Counts the request in the token's rate limit; a refusal still tells the listener where each window stands. */
  private async countRequest({ token, planId }: AuthenticatedToken, onRateLimit: DocumentRequest['onRateLimit']): Promise<readonly TokenRateState[]> {
    try {
      return await countTokenRequest(this.limits, token.id, tokenRatePolicyOf(token, planId, this.serviceRateLimit));
    } catch (error) {
      if (error instanceof RateLimitedError && error.windows) onRateLimit?.(error.windows);
      throw error;
    }
  }

  private async renderOnce(
    authenticated: AuthenticatedToken,
    key: string,
    template: string,
    data: object,
    dataJson: string,
    useAt: (at: Date) => TokenUse,
  ): Promise<RenderedDocument> {
    const { token } = authenticated;
    const requestHash = requestHashOf(template, data);
    const claim: IdempotencyClaim = { tokenId: token.id, key, claimId: newId() };
    const at = this.now();
    const expiredBefore = new Date(at.getTime() - IDEMPOTENCY_KEY_TTL_MS);
    const held = await this.idempotencyKeys.claim({
      ...claim,
      requestHash,
      at,
      expiredBefore,
      abandonedBefore: new Date(at.getTime() - IDEMPOTENCY_CLAIM_LEASE_MS),
    });
    if (held.outcome !== 'claimed') {
      if (held.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
      if (held.outcome === 'in-progress') throw new IdempotencyKeyInUseError(inUseRetryAfterSeconds(held.claimedAt, at));
      const { content, documentCount, usedAt } = held.document;
      return { content, tokenId: token.id, accountId: token.accountId, documentCount, usedAt, replayed: true, testMode: isTestMode(token) };
    }
    let content: string;
    try {
      // only once the key is ours: a retry of a document that was made gets its stored result
      // above, even when the quota is used up now
      this.refuseWhenUsedUp(authenticated);
      // each new key clears a few expired ones, so that about a day of keys is all that is kept
      await this.idempotencyKeys.pruneExpired(expiredBefore, IDEMPOTENCY_PRUNE_BATCH);
      content = await this.render(authenticated, template, dataJson);
    } catch (error) {
      // nothing was counted: free the key for a retry
      await this.releaseAfterFailure(claim);
      throw error;
    }
    const usedAt = this.now();
    // the count and the stored result commit together, and only while the claim is still ours
    let completed: CompleteKeyResult;
    try {
      completed = await this.idempotencyKeys.complete(claim, content, useAt(usedAt));
    } catch (error) {
      // rolled back, or committed with the answer lost: a release frees only an uncompleted claim
      await this.releaseAfterFailure(claim);
      throw error;
    }
    if (completed.outcome === 'token-deleted') {
      await this.releaseAfterFailure(claim);
      throw await this.apiTokens.whyUnusable(token.id);
    }
    if (completed.outcome === 'quota-exceeded') {
      await this.releaseAfterFailure(claim);
      throw await this.quotaExceeded(token.accountId, usedAt);
    }
    if (completed.outcome === 'test-quota-exceeded') {
      await this.releaseAfterFailure(claim);
      throw testQuotaExceeded(usedAt);
    }
    if (completed.outcome === 'claim-lost') throw new IdempotencyKeyInUseError();
    const { documentCount, periodDocumentCount } = completed;
    this.announceCounted(token, documentCount, periodDocumentCount, usedAt);
    return { content, tokenId: token.id, accountId: token.accountId, documentCount, usedAt, replayed: false, testMode: isTestMode(token) };
  }

  /** The token's new count to live views, and the period meter's, unless a test document left the period as it was. */
  private announceCounted(token: ApiTokenRecord, documentCount: number, periodDocumentCount: number | null, usedAt: Date): void {
    const period = periodDocumentCount === null ? {} : { period: billingPeriodOf(usedAt), periodDocumentCount };
    this.announce.documentCounted(token.accountId, { tokenId: token.id, documentCount, lastUsedAt: usedAt, ...period });
  }

  /**
   * QUOTA_EXCEEDED, then TOKEN_LIMIT_EXCEEDED (the order of the count's transaction), before
   * rendering when the account's period or the token's month was already used up as the token's
   * lookup read them: a document sure to be refused takes no render slot (the resource every
   * account shares) and no write. Only an optimisation: the count's transaction decides exactly.
   */
  private refuseWhenUsedUp({ token, planId, periodDocumentCount, at }: AuthenticatedToken): void {
    if (!isTestMode(token) && quotaUsedUp(planId, periodDocumentCount)) throw new QuotaExceededError(quotaOf(planId)!, periodResetOf(at), at);
    const limitError = monthlyLimitError(token, at);
    if (limitError) throw limitError;
  }

  /** QUOTA_EXCEEDED with the account's quota as the plan has it now, and when the period resets. */
  private async quotaExceeded(accountId: string, at: Date): Promise<QuotaExceededError> {
    const { planId, used } = await this.usage.periodUsage(accountId, billingPeriodOf(at));
    return new QuotaExceededError(quotaOf(planId) ?? used, periodResetOf(at), at);
  }

  /**
   * Frees the key of a request that failed. The request's own failure is what its client needs to
   * hear; if the release fails too (the database went away), the claim is abandoned and lapses
   * after IDEMPOTENCY_CLAIM_LEASE_MS, while retries are told IDEMPOTENCY_KEY_IN_USE.
   */
  private async releaseAfterFailure(claim: IdempotencyClaim): Promise<void> {
    await this.idempotencyKeys.release(claim).catch(() => {});
  }
}
