// Limits on what one GraphQL request may ask for, applied to HTTP and WebSocket alike
// (they share the envelop): GraphQL Armor's depth, alias, token, directive and cost limits,
// optional introspection, and CSRF prevention for cookie-authenticated browsers.
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Limits } from '../config.js';
import type { ErrorCode } from '../domain/errors.js';

export const CSRF_HEADER = 'x-graphql-yoga-csrf';

const tooLarge = (limit: number) =>
  createGraphQLError(`The request body is larger than ${limit} bytes.`, {
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' satisfies ErrorCode, http: { status: 413 } },
  });

/**
 * The request body limit, in place of Yoga's maxRequestBodySize (which createYoga gets as false).
 * Yoga pipes every body through a counting stream; a profile of document requests put 6% of the
 * server's CPU in that pipe's setup and teardown. When Content-Length is given, Node's HTTP
 * parser never delivers more bytes than it says, so checking the header is enough; only a body
 * without one (chunked) is counted as it streams.
 */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!/^\d+$/.test(contentLength)) {
          throw createGraphQLError('The Content-Length header is not a number of bytes.', {
            extensions: { code: 'BAD_REQUEST' satisfies ErrorCode, http: { status: 400 } },
          });
        }
        if (Number(contentLength) > limit) throw tooLarge(limit);
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((original) => parse(countingBody(original, limit, fetchAPI)));
    },
  };
}

function countingBody(request: Request, limit: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }): Request {
  let bytes = 0;
  // A native stream cannot be piped through the ponyfill's TransformStream (graphql-yoga#4583)
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > limit) controller.error(tooLarge(limit));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}

/**
 * GraphQL Armor throws its rejections out of validation by default, past the validation hook
 * that gives errors their code; reported like graphql-js's own rules instead, they come back as
 * GRAPHQL_VALIDATION_FAILED. Its messages start with a misleading "Syntax Error: ".
 */
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [
    (context: unknown, error: GraphQLError) =>
      (context as { reportError(error: GraphQLError): void }).reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

export function protectionPlugins(limits: Limits, { introspection }: { introspection: boolean }): Plugin[] {
  const plugins: Plugin[] = [
    useRequestBodyLimit(limits.maxRequestBodyBytes),
    // Browsers send a "simple" cross-site request (form, text/plain) without a preflight; such a
    // request would carry the session cookie. Yoga refuses it unless it has a JSON content type
    // or this header, neither of which another site can set without CORS allowing it.
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
    maxTokensPlugin({ n: limits.maxTokens }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...reportAsValidationError }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases, ...reportAsValidationError }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives, ...reportAsValidationError }) as Plugin,
    costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true, ...reportAsValidationError }) as Plugin,
  ];
  if (!introspection) plugins.push(useDisableIntrospection());
  return plugins;
}
