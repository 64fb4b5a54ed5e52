// The pogodoc package: import { PogodocClient } from "pogodoc".
export {
  DEFAULT_BASE_URL,
  PogodocClient,
  SDK_VERSION,
  type PogodocClientOptions,
  type RenderDocumentInput,
  type RenderedDocument,
  type RequestOptions,
} from './pogodoc-client.js';
export type { RateLimitSnapshot } from './rate-limit-pacer.js';
export type { RateLimitPolicy, RateLimitState } from './rate-limit.js';
export {
  AuditApi,
  TokensApi,
  type AuditEvent,
  type AuditEventType,
  type AuditPage,
  type GenerateTokenInput,
  type NewSecret,
  type RollGracePeriod,
  type Token,
  type TokenExpiry,
  type TokenScope,
  type TokenStatus,
  type UpdateTokenInput,
  type UsageGranularity,
  type UsageInput,
} from './management.js';
export {
  PogodocError,
  PogodocIdempotencyError,
  PogodocIpNotAllowedError,
  PogodocNetworkError,
  PogodocQuotaExceededError,
  PogodocTimeoutError,
  PogodocTokenError,
  PogodocTokenExpiredError,
  PogodocTokenLimitError,
  PogodocTokenRolledError,
  type ErrorCode,
  type PogodocClientErrorCode,
  type PogodocErrorCode,
  type PogodocErrorDetails,
  type PogodocIdempotencyErrorCode,
  type PogodocTokenErrorCode,
} from './errors.js';
