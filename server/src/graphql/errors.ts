// The single place where domain errors become GraphQL errors, for HTTP and WebSocket alike:
// a DomainError keeps its message and gets its stable extensions.code. This plugin runs before
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

export function useDomainErrors(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, mapResult),
    }),
    onSubscribe: () => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, mapResult),
      onSubscribeError: ({ error, setError }) => setError(mapError(error)),
    }),
  };
}
