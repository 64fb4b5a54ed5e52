// Every failure of a call is one of these, carrying the API's stable code and HTTP status.
// The codes are the schema's ErrorCode enum, generated from schema.graphql (npm run codegen).
import type { ErrorCode } from './generated/error-code.js';

export type { ErrorCode };

/** A code of the API's list, or the SDK's own; a newer server may send codes this version does not list. */
export type PogodocErrorCode = ErrorCode | PogodocClientErrorCode | (string & {});

/**
 * The codes of a refused API token: the request can succeed only with another token (or the
 * token's new secret, or from an allowed address) or an active plan.
 */
export type PogodocTokenErrorCode = Extract<
  ErrorCode,
  | 'API_TOKEN_MISSING'
  | 'API_TOKEN_MALFORMED'
  | 'API_TOKEN_INVALID'
  | 'API_TOKEN_DELETED'
  | 'API_TOKEN_DISABLED'
  | 'API_TOKEN_EXPIRED'
  | 'API_TOKEN_ROLLED'
  | 'API_TOKEN_IP_NOT_ALLOWED'
  | 'PLAN_REQUIRED'
>;

/** The API's idempotency-key refusals (see the package README). */
export type PogodocIdempotencyErrorCode = Extract<ErrorCode, 'IDEMPOTENCY_KEY_INVALID' | 'IDEMPOTENCY_KEY_REUSED' | 'IDEMPOTENCY_KEY_IN_USE'>;

/**
 * Codes the SDK sets itself, when there is no answer from the API to carry one:
 * NETWORK_ERROR (no response: refused, reset, dropped), TIMEOUT (the call's deadline passed),
 * HTTP_ERROR (a response that is not the API's, e.g. a proxy's 502 page).
 */
export type PogodocClientErrorCode = 'NETWORK_ERROR' | 'TIMEOUT' | 'HTTP_ERROR';

export interface PogodocErrorDetails {
  /** The HTTP status, when there was a response. */
  status?: number;
  /** Whether the SDK treats it as passing: it retries these while its limits allow. */
  retryable?: boolean;
  /** The seconds the API asked to wait before a retry (Retry-After), when it said. */
  retryAfterSeconds?: number;
  /** How many requests the call made, retries included. */
  attempts?: number;
  /** When a TOKEN_LIMIT_EXCEEDED limit or a QUOTA_EXCEEDED quota starts again (the API's extensions.resetsAt). */
  resetsAt?: Date;
  cause?: unknown;
}

export class PogodocError extends Error {
  /** The API's `extensions.code` (e.g. TEMPLATE_INVALID, RATE_LIMITED), or one of PogodocClientErrorCode. */
  readonly code: PogodocErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  /** How many requests the call made before giving up with this error. */
  attempts: number;

  constructor(message: string, code: PogodocErrorCode, details: PogodocErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.attempts = details.attempts ?? 1;
  }
}

/** The API token was refused (HTTP 401): retrying cannot help. */
export class PogodocTokenError extends PogodocError {
  declare readonly code: PogodocTokenErrorCode;
}

/** The token is past its expiry date (HTTP 401): generate a new token. */
export class PogodocTokenExpiredError extends PogodocTokenError {
  declare readonly code: 'API_TOKEN_EXPIRED';
}

/** The secret was replaced by a roll and its grace period has ended (HTTP 401): use the new secret. */
export class PogodocTokenRolledError extends PogodocTokenError {
  declare readonly code: 'API_TOKEN_ROLLED';
}

/** The token's IP allowlist does not include this machine's address (HTTP 403); nothing was counted. */
export class PogodocIpNotAllowedError extends PogodocTokenError {
  declare readonly code: 'API_TOKEN_IP_NOT_ALLOWED';
}

/**
 * The token made its monthly document limit (HTTP 429). Not retried: it lasts until `resetsAt`,
 * the start of the next month (UTC), unless the limit is raised on the dashboard.
 */
export class PogodocTokenLimitError extends PogodocError {
  declare readonly code: 'TOKEN_LIMIT_EXCEEDED';
  readonly resetsAt: Date | undefined;

  constructor(message: string, code: PogodocErrorCode, details: PogodocErrorDetails = {}) {
    super(message, code, { ...details, retryable: false });
    this.resetsAt = details.resetsAt;
  }
}

/**
 * The account used its plan's documents for this billing period (HTTP 429). Not retried: it lasts
 * until `resetsAt`, the start of the next month (UTC), unless a larger plan is chosen on the dashboard.
 */
export class PogodocQuotaExceededError extends PogodocError {
  declare readonly code: 'QUOTA_EXCEEDED';
  readonly resetsAt: Date | undefined;

  constructor(message: string, code: PogodocErrorCode, details: PogodocErrorDetails = {}) {
    super(message, code, { ...details, retryable: false });
    this.resetsAt = details.resetsAt;
  }
}

/** The Idempotency-Key was refused: malformed, used for another request, or still in use. */
export class PogodocIdempotencyError extends PogodocError {
  declare readonly code: PogodocIdempotencyErrorCode;
}

/** No response from the API: the connection was refused, reset or dropped. */
export class PogodocNetworkError extends PogodocError {
  declare readonly code: 'NETWORK_ERROR';
}

/** The call's deadline (`timeoutMs`) passed before the API answered, retries included. */
export class PogodocTimeoutError extends PogodocError {
  declare readonly code: 'TIMEOUT';
}

const TOKEN_CODES = new Set<string>(['API_TOKEN_MISSING', 'API_TOKEN_MALFORMED', 'API_TOKEN_INVALID', 'API_TOKEN_DELETED', 'API_TOKEN_DISABLED', 'PLAN_REQUIRED']);
const IDEMPOTENCY_CODES = new Set<string>(['IDEMPOTENCY_KEY_INVALID', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_KEY_IN_USE']);
const CLASS_OF_CODE: Partial<Record<ErrorCode, typeof PogodocError>> = {
  API_TOKEN_EXPIRED: PogodocTokenExpiredError,
  API_TOKEN_ROLLED: PogodocTokenRolledError,
  API_TOKEN_IP_NOT_ALLOWED: PogodocIpNotAllowedError,
  TOKEN_LIMIT_EXCEEDED: PogodocTokenLimitError,
  QUOTA_EXCEEDED: PogodocQuotaExceededError,
};

/** The error class for a refusal with the API's code. */
export function errorClassFor(code: string): typeof PogodocError {
  const own = CLASS_OF_CODE[code as ErrorCode];
  if (own) return own;
  if (TOKEN_CODES.has(code)) return PogodocTokenError;
  if (IDEMPOTENCY_CODES.has(code)) return PogodocIdempotencyError;
  return PogodocError;
}
