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
