// API tokens: generate (secret shown once), roll, update, list for the Active and Deleted tabs,
// soft-delete, and authenticate a request that carries one.
// (Over 200 lines: each operation is short, and authenticate's order of refusals reads best
// next to the operations that create the states it refuses.)
import {
  ApiTokenAuthError,
  ApiTokenDeletedError,
  ApiTokenDisabledError,
  ApiTokenExpiredError,
  ApiTokenIpNotAllowedError,
  ApiTokenRestrictedError,
  ApiTokenRolledError,
  DomainError,
  ApiTokenInvalidError,
  ApiTokenMalformedError,
  ApiTokenMissingError,
  PlanRequiredError,
  RateLimitedError,
  TokenPlanInactiveError,
  TokenAlreadyDeletedError,
  TokenExpiredError,
  TokenLimitReachedError,
  TokenNotActiveError,
  TokenNotFoundError,
} from './errors.js';
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { billingPeriodOf } from './metering.js';
import { missingPlanReason } from './plans.js';
import { auditEvent, revokedTokenPresentedKey, type AuditActor, type AuditEventRecord, type AuditStore } from './audit.js';
import type { AccountRecord, ApiTokenRecord, TokenChanges, TokenForAuthentication, TokenStatus, TokenStore } from './ports.js';
import { rateLimitKeyOf, type RateLimiters } from './rate-limits.js';
import type { TokenPresentation } from './request-log.js';
import { checkTokenRateLimit, tokenRateCeilingOf, tokenRatePolicyOf, type TokenRatePolicy } from './token-rate-limits.js';
import type { TokenMode } from './token-modes.js';
import { checkSecretShape, generateSecret, hashSecret, previewSecret } from './secrets.js';
import { expiryOf, hasPassed, ROLL_GRACE_PERIODS_MS, type RollGracePeriod, type TokenExpiryChoice } from './token-lifecycle.js';
import {
  checkMonthlyDocumentLimit,
  documentsThisMonth,
  isAddressAllowed,
  monthlyLimitError,
  normalizeIpAllowlist,
  serializeIpAllowlist,
} from './token-restrictions.js';
import { MAX_ACTIVE_TOKENS, normalizeTokenName } from './token-rules.js';
import {
  ALL_SCOPES,
  DEFAULT_TOKEN_SCOPES,
  inheritedRestrictions,
  requireGrantable,
  requireMayChangeRestrictions,
  requireModeWithin,
  requireNoLooserThan,
  storeScopes,
  type TokenCaller,
  type TokenScope,
} from './token-scopes.js';

/** What updateToken may change: absent stays, null (or an empty allowlist) removes a restriction. */
export interface TokenUpdate {
  name?: string;
  allowedIps?: readonly string[] | null;
  monthlyDocumentLimit?: number | null;
  /** Null: the plan's limit. */
  rateLimitPerSecond?: number | null;
  rateLimitPerMinute?: number | null;
  scopes?: readonly TokenScope[];
}

/** What generateToken is asked for: absent scopes are DEFAULT_TOKEN_SCOPES. */
export interface TokenRequest {
  name: string;
  expiry?: TokenExpiryChoice;
  scopes?: readonly TokenScope[];
  /** Restrictions set with the token, in its transaction: absent or empty, none. */
  allowedIps?: readonly string[];
  monthlyDocumentLimit?: number;
  /** LIVE by default; TEST for a test suite's token (token-modes.ts). */
  mode?: TokenMode;
}

export interface GeneratedToken {
  token: ApiTokenRecord;
  /** The secret leaves the server exactly once, in this result. Only its hash is stored. */
  secret: string;
}

/** A token that may make a document now, with what its lookup read about its account. */
export interface AuthenticatedToken {
  token: ApiTokenRecord;
  /** The account's plan and its documents in the billing period of `at`, read with the token. */
  planId: string | null;
  periodDocumentCount: number;
  /** The instant the token was checked at (the service's clock). */
  at: Date;
  /** The secret sent was the one a roll replaced, in its grace period. */
  viaPreviousSecret: boolean;
}

/** A revoked secret that was presented: recorded only once the failure limit let it through. */
interface RevokedPresentation {
  token: ApiTokenRecord;
  reason: string;
  now: Date;
}

/** A new secret whose prefix shows the token's mode (pgd_ or pgd_test_). */
const secretFor = (mode: TokenMode) => generateSecret(mode === 'TEST' ? 'testApiToken' : 'apiToken');

// Keys of the REVOKED_TOKEN_PRESENTED events this process has written; each holds its clock hour,
// so a stale entry can only skip a write the unique index would have skipped anyway.
const RECENT_REVOKED_KEYS = 10_000;

export interface AuthenticateOptions {
  /** A document request's lookup, shared with those of the same secret read in the same turn (see authenticate). */
  forDocument?: boolean;
  /** Hears that this request presented a token this service knows, usable or not (the request log). */
  onPresented?: (presentation: TokenPresentation) => void;
}

export class ApiTokenService {
  private readonly recentRevokedKeys = new LRUCache<string, true>({ max: RECENT_REVOKED_KEYS, ttl: 60 * 60 * 1000 });
  /**
   * Document requests' lookups, by secret hash and period: gathered until the event loop's check
   * phase (so, every request read in the same turn), then one read per distinct secret. Never
   * cached: a lookup goes out after every request it answers has arrived (authenticate).
   */
  private readonly documentLookups = new DataLoader<string, TokenForAuthentication | null>(
    (keys) => {
      const reads = new Map<string, Promise<TokenForAuthentication | null>>();
      for (const key of new Set(keys)) {
        const [secretHash, period] = key.split('\u0000') as [string, string];
        reads.set(key, this.tokens.findForAuthentication(secretHash, period));
      }
      // a failed read fails the requests that asked for it, each with its error
      return Promise.all(keys.map((key) => reads.get(key)!.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
    },
    { cache: false, batchScheduleFn: (send) => setImmediate(send) },
  );
  private readonly now: () => Date;
  private readonly serviceRateLimit: TokenRatePolicy;

  constructor(
    private readonly tokens: TokenStore,
    private readonly limits: Pick<RateLimiters, 'apiTokenFailuresPerIp' | 'revokedTokenEventsPerToken' | 'tokenMutationsPerAccount'>,
    private readonly audit: Pick<AuditStore, 'record'>,
    {
      now = () => new Date(),
      serviceRateLimit,
    }: {
      now?: () => Date;
      /** The most any token may make (DOCUMENTS_PER_TOKEN_PER_SECOND and _PER_MINUTE), before its plan's share. */
      serviceRateLimit: TokenRatePolicy;
    },
  ) {
    this.now = now;
    this.serviceRateLimit = serviceRateLimit;
  }


  /**
   * A token change an account asked for (generate, roll, update, delete), within its allowance per
   * minute: each change writes a webhook message for every endpoint, and an account must not fill
   * the outbox faster than it drains. A change refused for a reason of its own (a DomainError: the
   * token limit, an unknown id) wrote nothing, and gets its point back.
   */
  async asLimitedMutation<T>(accountId: string, change: () => Promise<T>): Promise<T> {
    await this.limits.tokenMutationsPerAccount.consume(accountId);
    try {
      return await change();
    } catch (error) {
      if (error instanceof DomainError) await this.limits.tokenMutationsPerAccount.refund(accountId).catch(() => {});
      throw error;
    }
  }

  /** Each change and the events that record it are written in one transaction. */
  async generateToken(account: AccountRecord, request: TokenRequest, caller: TokenCaller): Promise<GeneratedToken> {
    const name = normalizeTokenName(request.name);
    const now = this.now();
    const scopes = storeScopes(request.scopes ?? DEFAULT_TOKEN_SCOPES);
    requireGrantable(caller.scopes, scopes);
    const inherited = inheritedRestrictions(caller, expiryOf(request.expiry, now));
    // asked-for restrictions, as updateToken would set them; a caller with one of its own passes it on and may not choose
    requireMayChangeRestrictions(caller, { allowedIps: Boolean(request.allowedIps?.length), monthlyDocumentLimit: request.monthlyDocumentLimit !== undefined, rateLimit: false });
    const restrictions = {
      ...inherited,
      ...(request.allowedIps?.length ? { allowedIps: serializeIpAllowlist(normalizeIpAllowlist(request.allowedIps)) } : {}),
      ...(request.monthlyDocumentLimit !== undefined ? { monthlyDocumentLimit: checkMonthlyDocumentLimit(request.monthlyDocumentLimit, account.planId) } : {}),
    };
    const { expiresAt } = restrictions;
    // a test token's tokens are test tokens, unless it asks for a live one, which it may not
    const mode = request.mode ?? (caller.token?.mode === 'TEST' ? 'TEST' : 'LIVE');
    requireModeWithin(caller, { mode });
    const missingPlan = missingPlanReason(account);
    if (missingPlan) throw new PlanRequiredError(missingPlan);
    const secret = secretFor(mode);
    const result = await this.tokens.createWithinLimit(
      { accountId: account.id, name, secretHash: hashSecret(secret), preview: previewSecret(secret), ...restrictions, scopes, mode },
      MAX_ACTIVE_TOKENS,
      now,
      (token) => [
        auditEvent('TOKEN_GENERATED', caller.actor, now, {
          accountId: account.id,
          tokenId: token.id,
          details: {
            name,
            expiresAt: expiresAt?.toISOString() ?? null,
            scopes,
            mode,
            ...(restrictions.allowedIps ? { allowedIps: restrictions.allowedIps } : {}),
            ...(restrictions.monthlyDocumentLimit !== null ? { monthlyDocumentLimit: restrictions.monthlyDocumentLimit } : {}),
          },
        }),
      ],
    );
    if (result.outcome === 'limit-reached') throw new TokenLimitReachedError(MAX_ACTIVE_TOKENS);
    return { token: result.token, secret };
  }

  /**
   * A new secret for the same token (same id, name, count and history), shown once. The secret it
   * replaces keeps working for the grace period; one replaced earlier stops at once, so a token
   * never has more than two working secrets.
   */
  async rollToken(accountId: string, tokenId: string, gracePeriod: RollGracePeriod, caller: TokenCaller): Promise<GeneratedToken> {
    await this.requireCallerMayChange(accountId, tokenId, caller);
    const now = this.now();
    // the new secret is of the token's own mode: a roll never turns a test token into a live one
    const secret = secretFor(((await this.tokens.findOwned(accountId, tokenId))?.mode as TokenMode | undefined) ?? 'LIVE');
    const result = await this.tokens.roll(
      accountId,
      tokenId,
      {
        secretHash: hashSecret(secret),
        preview: previewSecret(secret),
        previousValidUntil: new Date(now.getTime() + ROLL_GRACE_PERIODS_MS[gracePeriod]),
      },
      now,
      () => [auditEvent('TOKEN_ROLLED', caller.actor, now, { accountId, tokenId, details: { gracePeriod } })],
    );
    if (result.outcome === 'not-found') throw new TokenNotFoundError();
    if (result.outcome === 'deleted') throw new TokenAlreadyDeletedError();
    if (result.outcome === 'expired') throw new TokenExpiredError();
    return { token: result.token, secret };
  }

  /** Renames a token or edits its restrictions or scopes, with the same rules as generating. */
  async updateToken(account: AccountRecord, tokenId: string, update: TokenUpdate, caller: TokenCaller): Promise<ApiTokenRecord> {
    const changes: TokenChanges = {};
    if (update.name !== undefined) changes.name = normalizeTokenName(update.name);
    if (update.allowedIps !== undefined) changes.allowedIps = serializeIpAllowlist(normalizeIpAllowlist(update.allowedIps ?? []));
    if (update.monthlyDocumentLimit !== undefined) {
      changes.monthlyDocumentLimit = checkMonthlyDocumentLimit(update.monthlyDocumentLimit, account.planId);
    }
    if (update.rateLimitPerSecond !== undefined || update.rateLimitPerMinute !== undefined) {
      // the ceiling depends on the token's mode: one read, only when a rate limit changes
      const target = await this.findOwnedToken(account.id, tokenId);
      const ceiling = this.rateLimitCeiling(account.planId, target);
      const mode = target.mode as TokenMode;
      if (update.rateLimitPerSecond !== undefined) changes.rateLimitPerSecond = checkTokenRateLimit(update.rateLimitPerSecond, 'perSecond', ceiling, mode);
      if (update.rateLimitPerMinute !== undefined) changes.rateLimitPerMinute = checkTokenRateLimit(update.rateLimitPerMinute, 'perMinute', ceiling, mode);
      const perSecond = changes.rateLimitPerSecond !== undefined ? changes.rateLimitPerSecond : target.rateLimitPerSecond;
      const perMinute = changes.rateLimitPerMinute !== undefined ? changes.rateLimitPerMinute : target.rateLimitPerMinute;
      if (perSecond !== null && perMinute !== null && perSecond > perMinute) {
        throw new DomainError('TOKEN_RATE_LIMIT_INVALID', `A token cannot make more requests a second (${perSecond}) than a minute (${perMinute}): lower the one or raise the other.`);
      }
    }
    if (update.scopes !== undefined) {
      changes.scopes = storeScopes(update.scopes);
      requireGrantable(caller.scopes, changes.scopes);
    }
    requireMayChangeRestrictions(caller, {
      allowedIps: changes.allowedIps !== undefined,
      monthlyDocumentLimit: changes.monthlyDocumentLimit !== undefined,
      rateLimit: changes.rateLimitPerSecond !== undefined || changes.rateLimitPerMinute !== undefined,
    });
    await this.requireCallerMayChange(account.id, tokenId, caller);
    const result = await this.tokens.update(account.id, tokenId, changes, () => this.updateEvents(account.id, tokenId, changes, caller.actor));
    if (result.outcome === 'not-found') throw new TokenNotFoundError();
    if (result.outcome === 'deleted') throw new TokenAlreadyDeletedError();
    return result.token;
  }

  /**
   * A caller changes, rolls or deletes only tokens no looser than itself (token-scopes.ts says
   * why): a token, or a member whose role lacks a scope of the target (a developer rolling an
   * admin's webhook token would take its secret). A session with every scope may change any. One
   * read, for the others only; an unknown id is left to the change. The read and the change are
   * two statements: a session that widens the target in between is the team acting at that moment.
   */
  private async requireCallerMayChange(accountId: string, tokenId: string, caller: TokenCaller): Promise<void> {
    if (!caller.token && caller.scopes === ALL_SCOPES) return;
    const token = await this.tokens.findOwned(accountId, tokenId);
    if (token) requireNoLooserThan(caller, token);
  }

  /** A rename is TOKEN_RENAMED, an allowlist, monthly limit or scope change TOKEN_RESTRICTED: both, if both changed. */
  private updateEvents(accountId: string, tokenId: string, changes: TokenChanges, actor: AuditActor): AuditEventRecord[] {
    const now = this.now();
    const events: AuditEventRecord[] = [];
    if (changes.name !== undefined) events.push(auditEvent('TOKEN_RENAMED', actor, now, { accountId, tokenId, details: { name: changes.name } }));
    const { name: _name, ...restrictions } = changes;
    if (Object.keys(restrictions).length > 0) events.push(auditEvent('TOKEN_RESTRICTED', actor, now, { accountId, tokenId, details: { ...restrictions } }));
    return events;
  }

  listTokens(accountId: string, status: TokenStatus): Promise<ApiTokenRecord[]> {
    return this.tokens.list(accountId, status, this.now());
  }

  countActiveTokens(accountId: string): Promise<number> {
    return this.tokens.countActive(accountId, this.now());
  }

  /** Whether a token listed or returned now is past its expiry (or lost its slot to it). */
  isExpired(token: ApiTokenRecord): boolean {
    return token.deletedAt === null && hasPassed(token.expiresAt, this.now());
  }

  /** The most a token of an account on `planId` may be set to: its plan's share of the service's limits, or less in test mode. */
  rateLimitCeiling(planId: string | null, token: Pick<ApiTokenRecord, 'mode'>): TokenRatePolicy {
    return tokenRateCeilingOf(planId, this.serviceRateLimit, token.mode as TokenMode);
  }

  /** The rate limit a token's documents are held to now: its own, within its plan's. */
  rateLimitOf(token: ApiTokenRecord, planId: string | null): TokenRatePolicy {
    return tokenRatePolicyOf(token, planId, this.serviceRateLimit);
  }

  documentsThisMonth(token: ApiTokenRecord): number {
    return documentsThisMonth(token, this.now());
  }

  /** The previous secret's end, while it still works; null otherwise. */
  previousSecretWorksUntil(token: ApiTokenRecord): Date | null {
    const until = token.previousSecretValidUntil;
    return until && !hasPassed(until, this.now()) ? until : null;
  }

  /** Another account's token and a missing one give the same error, so ids reveal nothing. */
  async findOwnedToken(accountId: string, tokenId: string): Promise<ApiTokenRecord> {
    const token = await this.tokens.findOwned(accountId, tokenId);
    if (!token) throw new TokenNotFoundError();
    return token;
  }

  /** The account's tokens among these ids, by id; ids of other accounts' tokens are left out. */
  async findOwnedTokens(accountId: string, tokenIds: readonly string[]): Promise<Map<string, ApiTokenRecord>> {
    if (tokenIds.length === 0) return new Map();
    return new Map((await this.tokens.findOwnedMany(accountId, tokenIds)).map((token) => [token.id, token]));
  }

  /** A token deletes only tokens whose scopes it holds, as for a roll or an update: a narrow token cannot take down a broader one. */
  async deleteToken(accountId: string, tokenId: string, caller: TokenCaller): Promise<ApiTokenRecord> {
    await this.requireCallerMayChange(accountId, tokenId, caller);
    const now = this.now();
    const result = await this.tokens.softDelete(accountId, tokenId, now, () => [auditEvent('TOKEN_DELETED', caller.actor, now, { accountId, tokenId })]);
    if (result.outcome === 'not-found') throw new TokenNotFoundError();
    if (result.outcome === 'already-deleted') throw new TokenAlreadyDeletedError();
    return result.token;
  }

  /**
   * Moves a token's expiry later or sooner, or to never (null): a date in the future, at most a
   * year ahead, as when it was made. Only a token of the Active tab (TOKEN_NOT_ACTIVE): a deleted or
   * expired token is never brought back by a new date. A token caller changes only tokens no looser
   * than itself, and to no later than its own expiry. Audited as TOKEN_RESTRICTED; the expiry
   * notices (7 days and 1 day before) come again for the new date.
   */
  async changeExpiry(accountId: string, tokenId: string, expiresAt: Date | null, caller: TokenCaller): Promise<ApiTokenRecord> {
    const now = this.now();
    const expiry = expiresAt === null ? null : expiryOf({ at: expiresAt }, now);
    const parentExpiry = caller.token?.expiresAt;
    if (parentExpiry && (expiry === null || expiry > parentExpiry)) throw ApiTokenRestrictedError.outlives(parentExpiry);
    await this.requireCallerMayChange(accountId, tokenId, caller);
    // the same date again changes nothing and records nothing (and sends no notice again)
    const current = await this.findOwnedToken(accountId, tokenId);
    if (current.deletedAt === null && !hasPassed(current.expiresAt, now) && (current.expiresAt?.getTime() ?? null) === (expiry?.getTime() ?? null)) return current;
    const result = await this.tokens.changeExpiry(accountId, tokenId, expiry, now, () => [
      auditEvent('TOKEN_RESTRICTED', caller.actor, now, { accountId, tokenId, details: { expiresAt: expiry?.toISOString() ?? null } }),
    ]);
    if (result.outcome === 'not-found') throw new TokenNotFoundError();
    if (result.outcome === 'unusable') throw new TokenNotActiveError('get a new expiry');
    return result.token;
  }

  /**
   * Ends a roll's grace period now, once nothing uses the previous secret (or whenever the team
   * decides): the previous secret is refused from the next request (API_TOKEN_ROLLED). Audited.
   */
  async endGracePeriod(accountId: string, tokenId: string, caller: TokenCaller): Promise<ApiTokenRecord> {
    await this.requireCallerMayChange(accountId, tokenId, caller);
    const now = this.now();
    const ended = await this.tokens.endGracePeriod(accountId, tokenId, now, (token) => [
      auditEvent('TOKEN_GRACE_ENDED', caller.actor, now, { accountId, tokenId, details: { previousSecretUseCount: token.previousSecretUseCount } }),
    ]);
    if (ended) return ended;
    await this.findOwnedToken(accountId, tokenId);
    throw new DomainError('TOKEN_NO_GRACE_PERIOD', 'This token has no previous secret in a grace period: there is nothing to end.');
  }

  /**
   * Disables a token of the Active tab: refused at once (API_TOKEN_DISABLED, 401) on every
   * instance, since every request reads its row, while it keeps its slot, secret and history.
   * Doing it twice changes nothing and records nothing; the caller must be no narrower than the
   * token, as for a delete.
   */
  disableToken(accountId: string, tokenId: string, caller: TokenCaller): Promise<ApiTokenRecord> {
    return this.setDisabled(accountId, tokenId, true, caller);
  }

  /** Enables a disabled token again: its secret works as before. */
  enableToken(accountId: string, tokenId: string, caller: TokenCaller): Promise<ApiTokenRecord> {
    return this.setDisabled(accountId, tokenId, false, caller);
  }

  private async setDisabled(accountId: string, tokenId: string, disable: boolean, caller: TokenCaller): Promise<ApiTokenRecord> {
    await this.requireCallerMayChange(accountId, tokenId, caller);
    const now = this.now();
    const result = await this.tokens.setDisabled(accountId, tokenId, disable ? now : null, now, () => [
      auditEvent(disable ? 'TOKEN_DISABLED' : 'TOKEN_ENABLED', caller.actor, now, { accountId, tokenId }),
    ]);
    if (result.outcome === 'not-found') throw new TokenNotFoundError();
    if (result.outcome === 'unusable') {
      throw new TokenNotActiveError(disable ? 'be disabled' : 'be enabled');
    }
    return result.token;
  }

  /** The token's lookup for a document request, sent with those of the same secret that arrive in the same turn of the event loop (see authenticate). */
  private readonly documentLookup = (secretHash: string, period: string): Promise<TokenForAuthentication | null> =>
    this.documentLookups.load(`${secretHash}\u0000${period}`);

  /**
   * Why a token that authenticated could not count its document (it was deleted or expired
   * meanwhile). Only this failure path reads the token again.
   */
  async whyUnusable(tokenId: string): Promise<DomainError> {
    const token = await this.tokens.findById(tokenId);
    const now = this.now();
    if (!token || token.deletedAt) return new ApiTokenDeletedError();
    if (token.disabledAt && !hasPassed(token.expiresAt, now)) return new ApiTokenDisabledError();
    const limitError = monthlyLimitError(token, now);
    if (limitError && !hasPassed(token.expiresAt, now)) return limitError;
    return new ApiTokenExpiredError(token.expiresAt);
  }

  /**
   * A deleted, expired or rolled-out secret still being sent: the clearest sign of a leak or a
   * forgotten integration. Once per token, client (/64) and hour (audit.ts), at most
   * REVOKED_TOKEN_EVENTS_PER_TOKEN_PER_HOUR a token, and only for a client within its failure
   * limit (authenticate). A failure to record must not change the answer the client gets.
   */
  private async recordRevokedPresented({ token, reason, now }: RevokedPresentation, clientAddress: string, userAgent: string | null) {
    const dedupeKey = revokedTokenPresentedKey(token.id, rateLimitKeyOf(clientAddress), now);
    // already written from here this hour: no write transaction for a client retrying in a loop
    if (this.recentRevokedKeys.has(dedupeKey)) return;
    try {
      await this.limits.revokedTokenEventsPerToken.consume(token.id);
    } catch {
      return; // the token's cap is reached (or the limiter is down): nothing is written
    }
    const actor: AuditActor = { type: 'API_TOKEN', id: token.id, clientAddress, userAgent };
    const event = auditEvent('REVOKED_TOKEN_PRESENTED', actor, now, { accountId: token.accountId, tokenId: token.id, details: { reason }, dedupeKey });
    await this.audit.record([event]).then(
      () => this.recentRevokedKeys.set(dedupeKey, true),
      () => {},
    );
  }

  /**
   * Resolves the Bearer credential of a document request to a usable token.
   * The shape and checksum are checked first, so a typo never reaches the database.
   *
   * Failures are limited per client address, successes never are: a secret has 178 random bits
   * and cannot be guessed, so an address whose failures hit the limit (a shared NAT or proxy, or
   * someone spoofing it) must not lock out an integrator there who holds a valid token. So the
   * token is looked up first, and only a failure takes a point; past the limit the failure is
   * answered RATE_LIMITED instead of its own code. The lookup is one indexed read by hash.
   *
   * With `forDocument`, document requests of one secret read in the same turn of the event loop
   * share one lookup, sent once they have all arrived: a busy integrator's documents arrive in
   * bursts (each burst's counts commit together, document-count-batcher.ts), and on PostgreSQL
   * each lookup is a round trip that costs the server and the database more CPU than the read.
   * A lookup already sent is never joined, so each request's row is read after it arrived and
   * sees every change made before, as its own lookup would: an ended grace period, a revoked
   * secret, a narrowed allowlist. Every check of the row (revoked, plan, address) runs for each
   * request.
   */
  async authenticate(bearer: string | undefined, clientAddress: string, userAgent?: string, { forDocument = false, onPresented }: AuthenticateOptions = {}): Promise<AuthenticatedToken> {
    let revoked: RevokedPresentation | undefined;
    try {
      return await this.authenticateUnlimited(bearer, clientAddress, userAgent ?? null, { forDocument, onPresented }, (presentation) => (revoked = presentation));
    } catch (error) {
      if (error instanceof ApiTokenAuthError) {
        await this.limits.apiTokenFailuresPerIp.consume(clientAddress).catch((limitError: unknown) => {
          if (limitError instanceof RateLimitedError) throw limitError;
          // a limiter fault must not turn a plain auth failure into an unexpected error
        });
        // only past the limit check: a rate-limited client writes nothing to the owner's log
        if (revoked) await this.recordRevokedPresented(revoked, clientAddress, userAgent ?? null);
      }
      throw error;
    }
  }

  private async authenticateUnlimited(
    bearer: string | undefined,
    clientAddress: string,
    userAgent: string | null,
    { forDocument, onPresented }: AuthenticateOptions,
    onRevoked: (presentation: RevokedPresentation) => void,
  ): Promise<AuthenticatedToken> {
    if (!bearer) throw new ApiTokenMissingError();
    if (checkSecretShape(bearer, 'apiToken') !== 'valid') throw new ApiTokenMalformedError();
    const now = this.now();
    const [secretHash, period] = [hashSecret(bearer), billingPeriodOf(now)];
    const found = await (forDocument ? this.documentLookup(secretHash, period) : this.tokens.findForAuthentication(secretHash, period));
    if (!found) throw new ApiTokenInvalidError();
    // All decided from the one row the lookup returned, against the injected clock: no extra query.
    const { token } = found;
    onPresented?.({ tokenId: token.id, accountId: token.accountId, planId: found.accountPlanId, clientAddress, userAgent });
    const revoked = token.deletedAt
      ? new ApiTokenDeletedError()
      : !found.holdsSlot || hasPassed(token.expiresAt, now)
        ? new ApiTokenExpiredError(token.expiresAt)
        : found.matchedPreviousSecret && hasPassed(token.previousSecretValidUntil, now)
          ? new ApiTokenRolledError(token.previousSecretValidUntil!)
          : token.disabledAt
            ? new ApiTokenDisabledError()
            : null;
    if (revoked) {
      onRevoked({ token, reason: revoked.code, now });
      throw revoked;
    }
    const missingPlan = missingPlanReason({ planId: found.accountPlanId, planCancelledAt: found.accountPlanCancelledAt });
    if (missingPlan) throw new TokenPlanInactiveError(missingPlan);
    // A valid token from the wrong place is refused, not counted as a guess: no failure point.
    if (!isAddressAllowed(token.allowedIps, clientAddress)) throw new ApiTokenIpNotAllowedError(clientAddress);
    // The token's monthly limit and the account's quota are checked by the document service
    // (refuseWhenUsedUp), after an Idempotency-Key is claimed, so that a retry of a made document
    // still gets its stored result once the month is used up.
    return { token, planId: found.accountPlanId, periodDocumentCount: found.accountPeriodDocumentCount, at: now, viaPreviousSecret: found.matchedPreviousSecret };
  }
}
