// The dashboard's one urql Client: graphcache, fetch for queries and mutations, and graphql-ws
// for the live document counts. The browser's session cookie authenticates both transports.
//
// Why graphcache and not the document cache: the document cache can only refetch queries that
// already contain an ApiToken, so an empty Active tab would not learn about a new token, and a
// live count would have to refetch whole lists. Graphcache normalises tokens by id: a count
// update writes one field and every row showing that token re-renders, and the updaters below
// move tokens between the tabs from the mutation results alone, with no refetch.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { graphql } from './gql';
import type { TokenRowFragment } from './gql/graphql';

export const TokenRow = graphql(`
  fragment TokenRow on ApiToken {
    id
    name
    preview
    createdAt
    documentCount
    lastUsedAt
    deletedAt
    expiresAt
    status
  }
`);

export const TokensQuery = graphql(`
  query Tokens($status: TokenStatus!) {
    tokens(status: $status) {
      ...TokenRow
    }
  }
`);

const LiveCount = graphql(`
  fragment LiveCount on ApiToken {
    id
    documentCount
    lastUsedAt
  }
`);

export interface DashboardClient {
  client: Client;
  dispose(): void;
}

export function createDashboardClient(origin = window.location.origin): DashboardClient {
  const ws: WsClient = createWsClient({
    url: `${origin.replace(/^http/, 'ws')}/graphql`,
    lazy: true,
    // Reconnects after network drops and server restarts; the subscription then re-sends
    // the current counts first, so nothing shown stays stale.
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** retries))),
  });

  const client = new Client({
    url: `${origin}/graphql`,
    // The server refuses cookie-carrying requests that a browser would send cross-site without a
    // preflight (CSRF prevention); this header marks ours as deliberate.
    fetchOptions: { credentials: 'same-origin', headers: { 'x-graphql-yoga-csrf': '1' } },
    exchanges: [
      cacheExchange({
        keys: {
          GeneratedToken: () => null,
          SessionPayload: () => null,
          TokenRules: () => null,
          DocumentCountUpdate: () => null,
          Document: () => null,
        },
        updates: {
          Mutation: {
            generateToken(result, _args, cache) {
              const generated = (result as { generateToken?: { token: TokenRowFragment } }).generateToken;
              if (!generated) return;
              cache.updateQuery({ query: TokensQuery, variables: { status: 'ACTIVE' } }, (data) =>
                data ? { ...data, tokens: [generated.token, ...data.tokens] } : data,
              );
            },
            deleteToken(result, _args, cache) {
              const deleted = (result as { deleteToken?: TokenRowFragment }).deleteToken;
              if (!deleted) return;
              cache.updateQuery({ query: TokensQuery, variables: { status: 'ACTIVE' } }, (data) =>
                data ? { ...data, tokens: data.tokens.filter((token) => token.id !== deleted.id) } : data,
              );
              cache.updateQuery({ query: TokensQuery, variables: { status: 'DELETED' } }, (data) =>
                data ? { ...data, tokens: [deleted, ...data.tokens] } : data,
              );
            },
          },
          Subscription: {
            documentCount(result, _args, cache) {
              const update = (result as { documentCount?: { tokenId: string; documentCount: number; lastUsedAt: string | null } })
                .documentCount;
              if (!update) return;
              cache.writeFragment(LiveCount, {
                id: update.tokenId,
                documentCount: update.documentCount,
                lastUsedAt: update.lastUsedAt,
              });
            },
          },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });

  return { client, dispose: () => void ws.dispose() };
}
