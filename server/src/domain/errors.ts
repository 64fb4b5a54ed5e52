import type { TokenRateState } from './token-rate-state.js';
import type { ErrorCode } from './error-codes.js';
import type { MissingPlanReason } from './plans.js';

// Every expected failure is a DomainError with a stable, machine-readable code.
// The GraphQL layer turns them into GraphQL errors (see graphql/errors.ts); anything
// that is not a DomainError is unexpected and gets masked.
// (Over 200 lines on purpose: one small class per expected failure, each with the message a
// person can act on, reads best as one catalogue.)

export type { ErrorCode } from './error-codes.js';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Why an API token was refused. These are the failures that get HTTP 401 and a Bearer challenge. */
export class ApiTokenAuthError extends DomainError {}

export class ApiTokenMissingError extends ApiTokenAuthError {
  constructor() {
    super('API_TOKEN_MISSING', 'Include your API token in the request: Authorization: Bearer <your token>.');
  }
}

export class ApiTokenMalformedError extends ApiTokenAuthError {
  constructor() {
    super(
      'API_TOKEN_MALFORMED',
      'This is not a valid Pogodoc API token. Check that you copied the whole token, starting with "pgd_".',
    );
  }
}

export class ApiTokenInvalidError extends ApiTokenAuthError {
  constructor() {
    super('API_TOKEN_INVALID', 'This API token does not exist. Check that you are using the right token.');
  }
}

export class ApiTokenDisabledError extends ApiTokenAuthError {
  constructor() {
    super('API_TOKEN_DISABLED', 'This API token is disabled. Enable it again on the API Tokens page (or with enableToken) to use it.');
  }
}

export class ApiTokenDeletedError extends ApiTokenAuthError {
  constructor() {
    super(
      'API_TOKEN_DELETED',
      'This API token was deleted and no longer works. Generate a new token on the API Tokens page.',
    );
  }
}

export class ApiTokenExpiredError extends ApiTokenAuthError {
  constructor(expiredAt: Date | null) {
    super(
      'API_TOKEN_EXPIRED',
      `This API token expired${expiredAt ? ` on ${expiredAt.toISOString()}` : ''} and no longer works. Generate a new token on the API Tokens page.`,
    );
  }
}

export class ApiTokenRolledError extends ApiTokenAuthError {
  constructor(endedAt: Date) {
    super(
      'API_TOKEN_ROLLED',
      `This secret was replaced by a roll; it stopped working on ${endedAt.toISOString()}. Use the token's new secret.`,
    );
  }
}

/** A valid token used from an address its allowlist does not include: 403, and nothing counted. */
export class ApiTokenIpNotAllowedError extends DomainError {
  constructor(clientAddress: string) {
    super(
      'API_TOKEN_IP_NOT_ALLOWED',
      `This API token cannot be used from ${clientAddress.slice(0, 64)}. Add the address to the token's IP allowlist on the API Tokens page, or use the token from an allowed address.`,
    );
  }
}

/** The token reached its own monthly document limit: 429 until the month ends. */
export class TokenLimitExceededError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(
    limit: number,
    readonly resetsAt: Date,
    now: Date,
  ) {
    super(
      'TOKEN_LIMIT_EXCEEDED',
      `This API token reached its limit of ${limit} documents this month. It resets on ${resetsAt.toISOString()}; raise or remove the token's limit on the API Tokens page to continue sooner.`,
    );
    this.retryAfterSeconds = Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000));
  }
}

/**
 * The account used its plan's documents for this billing period: 429 until the period resets,
 * or until a plan with a larger quota is chosen.
 */
export class QuotaExceededError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(
    quota: number,
    readonly resetsAt: Date,
    now: Date,
    /** A test-mode token's documents have an allowance of their own (token-modes.ts). */
    testMode = false,
  ) {
    super(
      testMode ? 'TEST_QUOTA_EXCEEDED' : 'QUOTA_EXCEEDED',
      testMode
        ? `Your account made all ${quota} test-mode documents it may make this month. They reset on ${resetsAt.toISOString()}; live tokens are not affected.`
        : `Your account used all ${quota} documents of its plan this month. The quota resets on ${resetsAt.toISOString()}; choose a larger plan to continue now.`,
    );
    this.retryAfterSeconds = Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000));
  }
}

export class NotAuthenticatedError extends DomainError {
  constructor() {
    super('UNAUTHENTICATED', 'Sign in to the dashboard to continue.');
  }
}

export class SessionExpiredError extends DomainError {
  constructor() {
    super('SESSION_EXPIRED', 'Your session has expired or was signed out. Sign in again.');
  }
}

export class SubscriberTooSlowError extends DomainError {
  constructor(unread: number) {
    super('SUBSCRIBER_TOO_SLOW', `This subscription ended: ${unread} events were waiting for your client to read them. Subscribe again, and read the current state first.`);
  }
}

/**
 * A live view past one of its limits: subscriptions on one WebSocket connection, live connections
 * of an account (WebSockets and HTTP subscriptions together), or places watching an account's
 * activity. One code, and a message that names the limit and what to close.
 */
export class SubscriptionLimitReachedError extends DomainError {
  static perConnection(max: number) {
    return new SubscriptionLimitReachedError(`A connection can carry at most ${max} subscriptions. Complete one first, or open another connection.`);
  }

  static liveConnectionsPerAccount(max: number) {
    return new SubscriptionLimitReachedError(`An account can hold at most ${max} live connections (WebSockets and HTTP subscriptions). Close one first.`);
  }

  static activityFeedsPerAccount(max: number) {
    return new SubscriptionLimitReachedError(`An account can watch its activity live from at most ${max} places at once; close a dashboard tab or an auditEvents subscription first.`);
  }

  static requestLogFeedsPerAccount(max: number) {
    return new SubscriptionLimitReachedError(`An account can watch its request log live from at most ${max} places at once; close a dashboard tab or a requestLogged subscription first.`);
  }

  private constructor(message: string) {
    super('SUBSCRIPTION_LIMIT_REACHED', message);
  }
}

/**
 * An API token that authenticated but lacks the scope an operation needs, or asks to give a token a
 * scope it does not hold itself (domain/token-scopes.ts): 403, since the credential is valid.
 */
export class ApiTokenScopeMissingError extends DomainError {
  static toUse(scope: string) {
    return new ApiTokenScopeMissingError(
      scope,
      `This API token does not have the ${scope} scope, which this operation needs. Use a token with that scope, or add it to this token on the API Tokens page.`,
    );
  }

  static toGrant(scope: string) {
    return new ApiTokenScopeMissingError(
      scope,
      `You cannot give or change a token with the ${scope} scope, because you do not have it yourself: neither this API token, nor your role in the team. Use a token or a member that has it.`,
    );
  }

  private constructor(
    readonly scope: string,
    message: string,
  ) {
    super('API_TOKEN_SCOPE_MISSING', message);
  }
}

/**
 * An API token asking to make or change a token looser than itself (later expiry, other addresses,
 * a higher monthly limit): 403, as for a missing scope.
 */
export class ApiTokenRestrictedError extends DomainError {
  static outlives(expiresAt: Date) {
    return new ApiTokenRestrictedError(
      `This API token expires on ${expiresAt.toISOString()}, and cannot make a token that outlives it. Choose an expiry on or before that date, or generate the token on the API Tokens page.`,
    );
  }

  static looser(how: string) {
    return new ApiTokenRestrictedError(
      `This API token cannot change, roll or delete a token that ${how} than it does itself. Use a less restricted token, or do it on the API Tokens page.`,
    );
  }

  static liveFromTest() {
    return new ApiTokenRestrictedError(
      'This is a test token: it makes, changes, rolls and deletes only test tokens, so that a secret in a test suite never leads to a live one. Use a live token with TOKENS_WRITE, or the API Tokens page.',
    );
  }

  static locked(restriction: string) {
    return new ApiTokenRestrictedError(
      `This API token has a ${restriction} of its own, so it cannot change that of a token (it could loosen its own). Change it on the API Tokens page.`,
    );
  }

  private constructor(message: string) {
    super('API_TOKEN_RESTRICTED', message);
  }
}

export class SessionRequiredError extends DomainError {
  constructor() {
    super(
      'SESSION_REQUIRED',
      'This needs a dashboard session: an API token cannot do it, whatever its scopes. Sign in to the dashboard.',
    );
  }
}

/** A team the caller is not a member of: the same answer as for one that does not exist. */
export class TeamNotFoundError extends DomainError {
  constructor() {
    super('TEAM_NOT_FOUND', 'No such team among yours: you are not a member of it, or were removed. Choose one of your teams (the teams query lists them).');
  }
}

/** A team that requires two-factor sign-in, and a member without it: 403 until they turn it on. */
export class TeamTwoFactorRequiredError extends DomainError {
  constructor() {
    super('TEAM_TWO_FACTOR_REQUIRED', 'This team requires two-factor sign-in. Turn it on in the Security section of your dashboard, then come back to the team.');
  }
}

/** The caller's role in the team is below what the operation needs: 403, naming that role. */
export class TeamRoleInsufficientError extends DomainError {
  constructor(
    readonly role: string,
    whatFor: string,
  ) {
    super('TEAM_ROLE_INSUFFICIENT', `Your role in this team does not allow you to ${whatFor}: it takes ${role} or above. Ask an owner or admin of the team.`);
  }
}

export class SessionNotFoundError extends DomainError {
  constructor() {
    super('SESSION_NOT_FOUND', 'No such session of your account: it was signed out, revoked or has expired. Reload the list of sessions.');
  }
}

export class TwoFactorRequiredError extends DomainError {
  constructor() {
    super('TWO_FACTOR_REQUIRED', 'This account uses two-factor authentication: enter the 6-digit code from your authenticator app, or a recovery code.');
  }
}

export class TwoFactorInvalidError extends DomainError {
  constructor() {
    super('TWO_FACTOR_INVALID', 'That code is not valid: use the current code from your authenticator app (each code works once), or an unused recovery code.');
  }
}

export class PasswordIncorrectError extends DomainError {
  constructor() {
    super('PASSWORD_INCORRECT', 'That is not your current password. Enter it to change two-factor sign-in.');
  }
}

export class InvalidCredentialsError extends DomainError {
  constructor() {
    super('INVALID_CREDENTIALS', 'The email or password is incorrect.');
  }
}

export class EmailTakenError extends DomainError {
  constructor() {
    super('EMAIL_TAKEN', 'An account with this email already exists. Sign in instead.');
  }
}

/** Why an account without an active plan cannot generate or use tokens; also the dashboard's tokensPaused message. */
export function planRequiredMessage(reason: MissingPlanReason): string {
  return reason === 'cancelled'
    ? 'The plan of this account was cancelled, so its API tokens do not work. Choose a plan (the free plan works) to use them again.'
    : 'You need to be subscribed to a plan to generate and use API tokens. Choose a plan; the free plan works.';
}

/** Generating a token without an active plan. */
export class PlanRequiredError extends DomainError {
  constructor(reason: MissingPlanReason) {
    super('PLAN_REQUIRED', planRequiredMessage(reason));
  }
}

/** Using a token of an account without an active plan: the same code, but an authentication failure. */
export class TokenPlanInactiveError extends ApiTokenAuthError {
  constructor(reason: MissingPlanReason) {
    super('PLAN_REQUIRED', planRequiredMessage(reason));
  }
}

export class TokenLimitReachedError extends DomainError {
  constructor(limit: number) {
    super(
      'TOKEN_LIMIT_REACHED',
      `You have reached the limit of ${limit} active API tokens. Delete a token you no longer use, then generate a new one.`,
    );
  }
}

export class TokenNotFoundError extends DomainError {
  constructor() {
    super('TOKEN_NOT_FOUND', 'No API token with this id exists in your account.');
  }
}

export class TokenAlreadyDeletedError extends DomainError {
  constructor() {
    super('TOKEN_ALREADY_DELETED', 'This API token is already deleted. Deleted tokens cannot be restored.');
  }
}

export class TokenExpiredError extends DomainError {
  constructor() {
    super('TOKEN_EXPIRED', 'This API token has expired, so it cannot be rolled. Generate a new token instead.');
  }
}

const mebibytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 100) / 100} MiB`;

/** A render ran past its wall-clock limit; its thread was terminated. */
export class RenderTimeoutError extends DomainError {
  constructor(limitMs: number) {
    super(
      'RENDER_TIMEOUT',
      `The template took longer than ${limitMs / 1000} s to render and was stopped. Look for loops over large ranges or large data, and render less per document.`,
    );
  }
}

/** A render produced more output than allowed, text captured with {% capture %} included. */
export class RenderOutputTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super(
      'RENDER_OUTPUT_TOO_LARGE',
      `The template produced more than ${mebibytes(limitBytes)} of output (text captured with {% capture %} counts too) and was stopped. Render less per document: fewer loop iterations, smaller captures.`,
    );
  }
}

/** A render needed more memory than its renderer process may have; the process was ended. */
export class RenderMemoryExceededError extends DomainError {
  constructor(limitMb: number) {
    super(
      'RENDER_FAILED',
      `The template needed more than ${limitMb} MiB of memory to render and was stopped. Render less per document: fewer or smaller loops, ranges and captures.`,
    );
  }
}

/** The renderer process ended during this render for a reason other than its limits (killed from outside, a crash of the runtime). */
export class RendererStoppedError extends DomainError {
  constructor() {
    super(
      'RENDER_FAILED',
      'The renderer stopped while rendering this template, and the document was not made. Try again; if it happens again with this template, render less per document.',
    );
  }
}

/** The Idempotency-Key header is empty, too long, or not printable ASCII. Answered with HTTP 400. */
export class IdempotencyKeyInvalidError extends DomainError {
  constructor(maxLength: number) {
    super(
      'IDEMPOTENCY_KEY_INVALID',
      `An Idempotency-Key must be 1 to ${maxLength} printable ASCII characters. Send a new random key, such as a UUID, for each document.`,
    );
  }
}

/** The key was used for another request (template or data) by this token. Answered with HTTP 422. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used for a different template or data in the last 24 hours. Use a new key for each document; reuse a key only to retry the very same request.',
    );
  }
}

/**
 * The first request with this key is still being made. Answered with HTTP 409 and Retry-After:
 * the retry gets its result.
 */
export class IdempotencyKeyInUseError extends DomainError {
  constructor(readonly retryAfterSeconds = 1) {
    super(
      'IDEMPOTENCY_KEY_IN_USE',
      'A request with this Idempotency-Key is still being processed. Nothing was counted for this one; retry after Retry-After (extensions.retryAfter) seconds to get its result.',
    );
  }
}

/** Too many attempts. Answered with HTTP 429 and Retry-After. */
export class RateLimitedError extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
    /** For a token's document rate limit: where each of its windows stands, for the RateLimit headers. */
    readonly windows?: readonly TokenRateState[],
  ) {
    super('RATE_LIMITED', `Too many ${what}. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`);
  }
}

/** The database is unreachable, locked or overloaded. Nothing was changed; retry shortly. */
export class DatabaseUnavailableError extends DomainError {
  readonly retryAfterSeconds = 1;
  constructor() {
    super('DATABASE_UNAVAILABLE', 'The service cannot reach its database right now. Nothing was changed; try again in a moment.');
  }
}

export class AuditCursorInvalidError extends DomainError {
  constructor() {
    super('AUDIT_CURSOR_INVALID', 'This cursor was not given out by auditEvents: start again without "after", and page with the endCursor it returns.');
  }
}

export class RequestLogCursorInvalidError extends DomainError {
  constructor() {
    super('REQUEST_LOG_CURSOR_INVALID', 'This cursor was not given out by requestConnection: start again without "after", and page with the endCursor it returns.');
  }
}

/** Only a token of the Active tab can be changed so: a deleted or expired one stays as it is. */
export class TokenNotActiveError extends DomainError {
  constructor(change: string) {
    super('TOKEN_NOT_ACTIVE', `Only a token of the Active tab can ${change}: this one was deleted or has expired. Generate a new token instead.`);
  }
}

export class WebhookEndpointDisabledError extends DomainError {
  constructor() {
    super('WEBHOOK_ENDPOINT_DISABLED', 'This endpoint is disabled: it gets no messages, test events and retries included. Enable it first (enableWebhookEndpoint).');
  }
}

export class WebhookNotFoundError extends DomainError {
  constructor() {
    super('WEBHOOK_NOT_FOUND', 'No webhook endpoint or message with this id exists in your account.');
  }
}

export class WebhookEndpointLimitReachedError extends DomainError {
  constructor(limit: number) {
    super('WEBHOOK_ENDPOINT_LIMIT_REACHED', `An account can have at most ${limit} webhook endpoints; delete one to add another.`);
  }
}

/** An address that is not verified, for something that needs mail to reach the person: HTTP 403. */
export class EmailNotVerifiedError extends DomainError {
  constructor(email: string, what: string) {
    super('EMAIL_NOT_VERIFIED', `Verify your e-mail address ${email} to ${what}: follow the link we sent you, or send a new one from the dashboard.`);
  }
}
