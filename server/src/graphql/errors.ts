// The single place where domain errors become GraphQL errors, for HTTP and WebSocket alike:
// a DomainError keeps its message and gets its stable extensions.code. GraphQL's own request
// errors get codes too: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT. This plugin runs before
// Yoga's error masking, which then leaves these errors alone and masks everything else as
// "Unexpected error." (and logs it: expected errors are not logged).
import { createGraphQLError, handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import {
  ApiTokenAuthError,
  ApiTokenIpNotAllowedError,
  DatabaseUnavailableError,
  DomainError,
  IdempotencyKeyInUseError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyReusedError,
  QuotaExceededError,
  RateLimitedError,
  TokenLimitExceededError,
  type ErrorCode,
} from '../domain/errors.js';

/** RFC 6750 error codes for the WWW-Authenticate challenge. */
function bearerChallenge(error: ApiTokenAuthError): string {
  const realm = 'realm="pogodoc"';
  if (error.code === 'API_TOKEN_MISSING') return `Bearer ${realm}`;
  const rfcCode = error.code === 'API_TOKEN_MALFORMED' ? 'invalid_request' : 'invalid_token';
  const description = error.message.replace(/["\\]/g, "'");
  return `Bearer ${realm}, error="${rfcCode}", error_description="${description}"`;
}

/** The seconds after which a retry may succeed, for the errors that say so. */
function retryAfterOf(error: DomainError): number | undefined {
  const retryable = error instanceof RateLimitedError || error instanceof DatabaseUnavailableError || error instanceof IdempotencyKeyInUseError;
  return retryable ? error.retryAfterSeconds : undefined;
}

// Idempotency-key statuses as the IETF draft "The Idempotency-Key HTTP Header Field" gives them:
// 400 for a bad key, 422 for a key reused with another request, 409 while the first is in flight.
function httpExtension(error: DomainError) {
  if (error instanceof ApiTokenAuthError) return { status: 401, headers: { 'WWW-Authenticate': bearerChallenge(error) } };
  if (error instanceof RateLimitedError) return { status: 429, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  // a token's own monthly limit: 429 until the month resets (RFC 6585), and 403 for an address
  // the token's allowlist excludes, since the credential is valid but not from there
  if (error instanceof TokenLimitExceededError || error instanceof QuotaExceededError) return { status: 429, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  if (error instanceof ApiTokenIpNotAllowedError) return { status: 403 };
  if (error instanceof DatabaseUnavailableError) return { status: 503, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  if (error instanceof IdempotencyKeyInUseError) return { status: 409, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  if (error instanceof IdempotencyKeyReusedError) return { status: 422 };
  if (error instanceof IdempotencyKeyInvalidError) return { status: 400 };
  return undefined;
}

export function toGraphQLError(error: DomainError, source?: GraphQLError): GraphQLError {
  const http = httpExtension(error);
  return createGraphQLError(error.message, {
    nodes: source?.nodes,
    source: source?.source,
    positions: source?.positions,
    path: source?.path,
    // No originalError: that would make Yoga treat it as unexpected, mask it and log it.
    extensions: {
      code: error.code,
      ...(retryAfterOf(error) !== undefined ? { retryAfter: retryAfterOf(error) } : {}),
      ...(error instanceof TokenLimitExceededError || error instanceof QuotaExceededError ? { resetsAt: error.resetsAt.toISOString() } : {}),
      ...(http ? { http } : {}),
    },
  });
}

function findDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error instanceof GraphQLError && error.originalError) return findDomainError(error.originalError);
  return undefined;
}

/** What every unexpected error becomes for the client; the error itself is only logged. */
export const UNEXPECTED_ERROR = createGraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode } });

/**
 * The error policy, for every transport: the error a client may see, or undefined when the error
 * is unexpected and must be masked (as UNEXPECTED_ERROR) and logged. A DomainError anywhere in
 * the originalError chain keeps its message and gets its code and HTTP status; GraphQL's own
 * errors (a request the schema refuses) are the client's, and pass as they are. Yoga masks and
 * logs what this leaves; the shared WebSocket delivery does the same by hand.
 */
export function expectedErrorOf(error: unknown): GraphQLError | undefined {
  const domainError = findDomainError(error);
  if (domainError) return toGraphQLError(domainError, error instanceof GraphQLError ? error : undefined);
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) return error;
  return undefined;
}

function mapError(error: unknown): unknown {
  return expectedErrorOf(error) ?? error;
}

function mapResult({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) {
  if (result.errors?.some((error) => findDomainError(error))) {
    setResult({ ...result, errors: result.errors.map((error) => mapError(error) as GraphQLError) });
  }
}

/** The same error with a code, for GraphQL's own request errors, which come without one. */
function withCode(error: GraphQLError, code: ErrorCode): GraphQLError {
  if (error.extensions?.['code']) return error;
  return createGraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code },
  });
}

/**
 * graphql-js ends some validation messages with "Did you mean …?", naming fields, types and
 * arguments. With introspection off that would hand out the schema piece by piece.
 */
function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/ Did you mean .*$/s, '');
  if (message === error.message) return error;
  return createGraphQLError(message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: error.extensions });
}

/**
 * Errors that carry no code after execution and no path never reached a resolver: they are
 * variables that do not fit their types (an unknown enum value, a missing required variable),
 * and graphql-js wraps some of them around an original error of its own.
 */
function codeRequestErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((error) => !error.path && !error.extensions?.['code'] && !findDomainError(error))) return result;
  return { ...result, errors: result.errors.map((error) => (!error.path && !findDomainError(error) ? withCode(error, 'BAD_USER_INPUT') : error)) };
}

/**
 * Yoga echoes the JSON parser's own error, and with it a piece of the body, in
 * extensions.originalError. It also reads that field to answer 400 rather than 200, so the field
 * stays, but hidden from the JSON that goes out.
 */
function hideEchoedInput(result: ExecutionResult): void {
  for (const error of result.errors ?? []) {
    const extensions = error.extensions as Record<string, unknown> | undefined;
    if (extensions?.['originalError']) {
      Object.defineProperty(extensions, 'originalError', { value: extensions['originalError'], enumerable: false });
    }
  }
}

export function useDomainErrors({ suggestions }: { suggestions: boolean } = { suggestions: true }): Plugin {
  return {
    onParse: () => ({ result, replaceParseResult }) => {
      if (result instanceof GraphQLError) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'));
    },
    onValidate: () => ({ valid, result, setResult }) => {
      if (!valid) {
        setResult(result.map((error) => {
          const coded = withCode(error, 'GRAPHQL_VALIDATION_FAILED');
          return suggestions ? coded : withoutSuggestions(coded);
        }));
      }
    },
    onExecute: () => ({
      onExecuteDone: (payload) =>
        handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
          const coded = codeRequestErrors(result);
          if (coded !== result) setResult(coded);
          mapResult({ result: coded, setResult });
        }),
    }),
    onResultProcess: ({ result }) => {
      if (!Array.isArray(result) && 'errors' in result) hideEchoedInput(result as ExecutionResult);
    },
    onSubscribe: () => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, mapResult),
      onSubscribeError: ({ error, setError }) => setError(mapError(error)),
    }),
  };
}
