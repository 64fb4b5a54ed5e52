// The single place where domain errors become GraphQL errors, for HTTP and WebSocket alike:
// a DomainError keeps its message and gets its stable extensions.code. GraphQL's own request
// errors get codes too: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT. This plugin runs before
// Yoga's error masking, which then leaves these errors alone and masks everything else as
// "Unexpected error." (and logs it: expected errors are not logged).
import { createGraphQLError, handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { ApiTokenAuthError, DatabaseUnavailableError, DomainError, RateLimitedError } from '../domain/errors.js';

/** RFC 6750 error codes for the WWW-Authenticate challenge. */
function bearerChallenge(error: ApiTokenAuthError): string {
  const realm = 'realm="pogodoc"';
  if (error.code === 'API_TOKEN_MISSING') return `Bearer ${realm}`;
  const rfcCode = error.code === 'API_TOKEN_MALFORMED' ? 'invalid_request' : 'invalid_token';
  const description = error.message.replace(/["\\]/g, "'");
  return `Bearer ${realm}, error="${rfcCode}", error_description="${description}"`;
}

function httpExtension(error: DomainError) {
  if (error instanceof ApiTokenAuthError) return { status: 401, headers: { 'WWW-Authenticate': bearerChallenge(error) } };
  if (error instanceof RateLimitedError) return { status: 429, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  if (error instanceof DatabaseUnavailableError) return { status: 503, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
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
      ...(error instanceof RateLimitedError || error instanceof DatabaseUnavailableError ? { retryAfter: error.retryAfterSeconds } : {}),
      ...(http ? { http } : {}),
    },
  });
}

function findDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error instanceof GraphQLError && error.originalError) return findDomainError(error.originalError);
  return undefined;
}

function mapError(error: unknown): unknown {
  const domainError = findDomainError(error);
  return domainError ? toGraphQLError(domainError, error instanceof GraphQLError ? error : undefined) : error;
}

function mapResult({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) {
  if (result.errors?.some((error) => findDomainError(error))) {
    setResult({ ...result, errors: result.errors.map((error) => mapError(error) as GraphQLError) });
  }
}

/** The same error with a code, for GraphQL's own request errors, which come without one. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.['code']) return error;
  return createGraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code },
  });
}

export function useDomainErrors(): Plugin {
  return {
    onParse: () => ({ result, replaceParseResult }) => {
      if (result instanceof GraphQLError) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'));
    },
    onValidate: () => ({ valid, result, setResult }) => {
      if (!valid) setResult(result.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')));
    },
    onExecute: () => ({
      onExecuteDone: (payload) =>
        handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
          // errors from before any resolver ran (variables that do not fit their types) have no
          // original error and no code
          if (result.errors?.some((error) => !error.originalError && !error.extensions?.['code'])) {
            result = { ...result, errors: result.errors.map((error) => (error.originalError ? error : withCode(error, 'BAD_USER_INPUT'))) };
            setResult(result);
          }
          mapResult({ result, setResult });
        }),
    }),
    onSubscribe: () => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, mapResult),
      onSubscribeError: ({ error, setError }) => setError(mapError(error)),
    }),
  };
}
