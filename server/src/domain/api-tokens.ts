// API tokens: generate (secret shown once), list for the Active and Deleted tabs,
// soft-delete, and authenticate a request that carries one.
import {
  ApiTokenAuthError,
  ApiTokenDeletedError,
  ApiTokenInvalidError,
  ApiTokenMalformedError,
  ApiTokenMissingError,
  PlanRequiredError,
  RateLimitedError,
  TokenPlanInactiveError,
  TokenAlreadyDeletedError,
  TokenLimitReachedError,
  TokenNotFoundError,
} from './errors.js';
import { missingPlanReason } from './plans.js';
import type { AccountRecord, ApiTokenRecord, TokenStatus, TokenStore } from './ports.js';
import type { RateLimiters } from './rate-limits.js';
import { checkSecretShape, generateSecret, hashSecret, previewSecret } from './secrets.js';
import { MAX_ACTIVE_TOKENS, normalizeTokenName } from './token-rules.js';

export interface GeneratedToken {
  token: ApiTokenRecord;
  /** The secret leaves the server exactly once, in this result. Only its hash is stored. */
  secret: string;
}


export class ApiTokenService {
  constructor(
    private readonly tokens: TokenStore,
    private readonly limits: Pick<RateLimiters, 'apiTokenFailuresPerIp'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async generateToken(account: AccountRecord, rawName: string): Promise<GeneratedToken> {
    const name = normalizeTokenName(rawName);
    const missingPlan = missingPlanReason(account);
    if (missingPlan) throw new PlanRequiredError(missingPlan);
    const secret = generateSecret('apiToken');
    const result = await this.tokens.createWithinLimit(
      { accountId: account.id, name, secretHash: hashSecret(secret), preview: previewSecret(secret) },
      MAX_ACTIVE_TOKENS,
    );
    if (result.outcome === 'limit-reached') throw new TokenLimitReachedError(MAX_ACTIVE_TOKENS);
    return { token: result.token, secret };
  }

  listTokens(accountId: string, status: TokenStatus): Promise<ApiTokenRecord[]> {
    return this.tokens.list(accountId, status);
  }

  countActiveTokens(accountId: string): Promise<number> {
    return this.tokens.countActive(accountId);
  }

  /** Another account's token and a missing one give the same error, so ids reveal nothing. */
  async findOwnedToken(accountId: string, tokenId: string): Promise<ApiTokenRecord> {
    const token = await this.tokens.findOwned(accountId, tokenId);
    if (!token) throw new TokenNotFoundError();
    return token;
  }

  async deleteToken(accountId: string, tokenId: string): Promise<ApiTokenRecord> {
    const result = await this.tokens.softDelete(accountId, tokenId, this.now());
    if (result.outcome === 'not-found') throw new TokenNotFoundError();
    if (result.outcome === 'already-deleted') throw new TokenAlreadyDeletedError();
    return result.token;
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
   */
  async authenticate(bearer: string | undefined, clientAddress: string): Promise<ApiTokenRecord> {
    try {
      return await this.authenticateUnlimited(bearer);
    } catch (error) {
      if (error instanceof ApiTokenAuthError) {
        await this.limits.apiTokenFailuresPerIp.consume(clientAddress).catch((limitError: unknown) => {
          if (limitError instanceof RateLimitedError) throw limitError;
          // a limiter fault must not turn a plain auth failure into an unexpected error
        });
      }
      throw error;
    }
  }

  private async authenticateUnlimited(bearer: string | undefined): Promise<ApiTokenRecord> {
    if (!bearer) throw new ApiTokenMissingError();
    if (checkSecretShape(bearer, 'apiToken') !== 'valid') throw new ApiTokenMalformedError();
    const found = await this.tokens.findForAuthentication(hashSecret(bearer));
    if (!found) throw new ApiTokenInvalidError();
    if (found.token.deletedAt) throw new ApiTokenDeletedError();
    const missingPlan = missingPlanReason({ planId: found.accountPlanId, planCancelledAt: found.accountPlanCancelledAt });
    if (missingPlan) throw new TokenPlanInactiveError(missingPlan);
    return found.token;
  }
}
