// Headers a resolver asks for (ctx.setResponseHeader, e.g. Idempotent-Replayed), handed to Yoga
// in the result's extensions.http.headers: Yoga sets those on the HTTP response and leaves them
// out of the body. They travel with the operation's own context, not beside it.
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';

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
