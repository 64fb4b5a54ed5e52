// The single place where errors become what a client sees, for HTTP and WebSocket alike: a
// DomainError keeps its message and gets its stable extensions.code (and HTTP status); GraphQL's
// own request errors get codes too: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
// BAD_USER_INPUT; everything else is masked as "Unexpected error." and logged. maskError (Yoga's
// maskedErrors option) decides this for every error Yoga masks: those of execution and
// subscription, of the context and of the request itself. Only parse and validation errors need
// hooks of their own (useRequestErrorCodes, below).
import { createGraphQLError, isAsyncIterable, maskError as maskUnexpectedError, type Plugin, type YogaLogger } from 'graphql-yoga';
import type { Logger } from 'pino';
import { requestLogger, type RequestRecord } from '../observability/request-context.js';
import { errorsOf } from '../observability/graphql-observer.js';
import { GraphQLError, Kind } from 'graphql';
import {
  ApiTokenAuthError,
  ApiTokenIpNotAllowedError,
  ApiTokenRestrictedError,
  ApiTokenScopeMissingError,
  DatabaseUnavailableError,
  DomainError,
  IdempotencyKeyInUseError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyReusedError,
  QuotaExceededError,
  RateLimitedError,
  TeamRoleInsufficientError,
  EmailNotVerifiedError,
  TeamTwoFactorRequiredError,
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
  if (error instanceof ApiTokenIpNotAllowedError || error instanceof ApiTokenScopeMissingError || error instanceof ApiTokenRestrictedError || error instanceof TeamRoleInsufficientError || error instanceof TeamTwoFactorRequiredError || error instanceof EmailNotVerifiedError) return { status: 403 };
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
      ...(error instanceof ApiTokenScopeMissingError ? { scope: error.scope } : {}),
      ...(error instanceof TeamRoleInsufficientError ? { role: error.role } : {}),
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
 * errors (a request the schema refuses) are the client's, and pass as they are. maskError applies
 * it for Yoga; the shared WebSocket delivery applies it by hand.
 */
export function expectedErrorOf(error: unknown): GraphQLError | undefined {
  const domainError = findDomainError(error);
  if (domainError) return toGraphQLError(domainError, error instanceof GraphQLError ? error : undefined);
  if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) return error;
  return undefined;
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
 * A variable that does not fit its type (an unknown enum value, a missing required variable):
 * graphql-js points such an error at the variable's definition, and wraps some of them around an
 * original error of its own, which must not make them unexpected. Only the definition tells them
 * apart: a subscription's source that throws also becomes a GraphQL error without a path or a
 * code, around an error that must be masked.
 */
function isVariableError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError &&
    !error.path &&
    !error.extensions?.['code'] &&
    !findDomainError(error) &&
    (error.nodes?.length ?? 0) > 0 &&
    error.nodes!.every((node) => node.kind === Kind.VARIABLE_DEFINITION)
  );
}

/** What a client sees of an error: the expected ones with their codes, or undefined to mask it. */
function clientErrorOf(error: unknown): GraphQLError | undefined {
  return isVariableError(error) ? withCode(error, 'BAD_USER_INPUT') : expectedErrorOf(error);
}

/**
 * Yoga echoes the JSON parser's own error, and with it a piece of the body, in
 * extensions.originalError. It also reads that field to answer 400 rather than 200, so the field
 * stays, but hidden from the JSON that goes out: in place, since an error maskError returns
 * changed is one Yoga counts as masked.
 */
function hideEchoedInput(error: Error): Error {
  const extensions = (error as Partial<GraphQLError>).extensions as Record<string, unknown> | undefined;
  if (extensions?.['originalError']) {
    Object.defineProperty(extensions, 'originalError', { value: extensions['originalError'], enumerable: false });
  }
  return error;
}

/**
 * Yoga's maskedErrors.maskError: the one decision of what a client sees of an error Yoga hands
 * over (execution and subscription results, context and request errors), over HTTP and WebSocket.
 * Anything the policy does not expect goes to Yoga's own masking ("Unexpected error.", code
 * INTERNAL_SERVER_ERROR), which logs it.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  return hideEchoedInput(clientErrorOf(error) ?? maskUnexpectedError(error, message, isDev));
}

/**
 * Yoga logs the original of every error that maskError returns changed, taking the change for
 * masking. An expected error is changed too (a DomainError becomes its GraphQL error) but is the
 * client's mistake, not the server's: those are not logged. Nor is one that useUnexpectedErrorLog
 * logged already, with its request's id.
 */
export function withoutExpectedErrors(logger: YogaLogger): YogaLogger {
  return {
    ...logger,
    error: (...args: unknown[]) => {
      if (args.length === 1 && (clientErrorOf(args[0]) || loggedWithRequest.has(args[0] as object))) return;
      logger.error(...args);
    },
  };
}

// the unexpected errors of results that useUnexpectedErrorLog logged, which Yoga then masks
const loggedWithRequest = new WeakSet<object>();

/**
 * Logs the unexpected errors of an operation's result, and of each event of a subscription, with
 * the id of the request they belong to (the context's record), before Yoga masks them: Yoga logs
 * an error by itself, with nothing of its request. Errors that never reach a result (a request
 * Yoga cannot parse, the context failing, a subscription's source failing mid-stream) are still
 * Yoga's to log, without the id.
 */
export function useUnexpectedErrorLog(logger: Logger): Plugin<{ requestRecord?: RequestRecord }> {
  const logUnexpected = (result: unknown, request: RequestRecord | undefined) => {
    for (const error of errorsOf(result) ?? []) {
      if (clientErrorOf(error) || loggedWithRequest.has(error)) continue;
      loggedWithRequest.add(error);
      requestLogger(logger, request).error({ err: error.originalError ?? error }, error.message);
    }
  };
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result }) => {
        if (!isAsyncIterable(result)) logUnexpected(result, args.contextValue.requestRecord);
      },
    }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result }) => {
        // a subscription refused at its start answers one result, not a stream
        if (!isAsyncIterable(result)) {
          logUnexpected(result, args.contextValue.requestRecord);
          return undefined;
        }
        return { onNext: ({ result: event }) => logUnexpected(event, args.contextValue.requestRecord) };
      },
    }),
  };
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
 * Codes for the two request errors maskError cannot tell apart or never sees. A parse error
 * reaches maskError as a bare GraphQL error with no path, like a variable error; only here is it
 * known to be one. Validation errors never reach maskError: Yoga answers them before execution,
 * unmasked.
 */
export function useRequestErrorCodes({ suggestions }: { suggestions: boolean } = { suggestions: true }): Plugin {
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
  };
}
