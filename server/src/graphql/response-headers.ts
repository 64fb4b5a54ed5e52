// Headers a resolver asks for (ctx.setResponseHeader, e.g. Idempotent-Replayed), handed to Yoga
// in the result's extensions.http.headers: Yoga sets those on the HTTP response and leaves them
// out of the body. They travel with the operation's own context, not beside it.
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { TokenRateState } from '../domain/token-rate-limits.js';
import type { GraphQLContext } from './context.js';

/**
 * The token's rate limit on a document answer, in the form of the IETF httpapi draft "RateLimit
 * header fields for HTTP": each policy (quota q in window w seconds) and where the token stands in
 * it (r left, t seconds until the window starts again), one list item per window:
 *   RateLimit-Policy: "per-second";q=10;w=1, "per-minute";q=600;w=60
 *   RateLimit: "per-second";r=9;t=1, "per-minute";r=599;t=42
 * A 429 also has Retry-After.
 */
export function setRateLimitHeaders(ctx: Pick<GraphQLContext, 'setResponseHeader'>, states: readonly TokenRateState[]): void {
  ctx.setResponseHeader('RateLimit-Policy', states.map((state) => `"${state.policy}";q=${state.limit};w=${state.windowSeconds}`).join(', '));
  ctx.setResponseHeader('RateLimit', states.map((state) => `"${state.policy}";r=${state.remaining};t=${state.resetSeconds}`).join(', '));
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
