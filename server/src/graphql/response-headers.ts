// Headers a resolver asks for (ctx.setResponseHeader, e.g. Idempotent-Replayed), handed to Yoga
// in the result's extensions.http.headers: Yoga sets those on the HTTP response and leaves them
// out of the body. They travel with the operation's own context, not beside it.
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { RateLimitState } from '../domain/rate-limits.js';
import type { GraphQLContext } from './context.js';

/**
 * The token's rate limit on a document answer, in the form of the IETF httpapi draft "RateLimit
 * header fields for HTTP": the policy (quota q in window w seconds) and where the token stands in
 * it (r left, t seconds until the window starts again). A 429 also has Retry-After.
 */
export function setRateLimitHeaders(ctx: Pick<GraphQLContext, 'setResponseHeader'>, state: RateLimitState): void {
  ctx.setResponseHeader('RateLimit-Policy', `"token";q=${state.limit};w=${state.windowSeconds}`);
  ctx.setResponseHeader('RateLimit', `"token";r=${state.remaining};t=${state.resetSeconds}`);
}

export function useResponseHeaders(): Plugin<GraphQLContext> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        const headers = args.contextValue.responseHeaders;
        if (isAsyncIterable(result) || Object.keys(headers).length === 0) return;
        const http = (result.extensions?.['http'] ?? {}) as { headers?: Record<string, string> };
        setResult({ ...result, extensions: { ...result.extensions, http: { ...http, headers: { ...http.headers, ...headers } } } });
      },
    }),
  };
}
