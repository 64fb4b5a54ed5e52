// The dashboard's one urql Client: graphcache, fetch for queries and mutations, and graphql-ws
// for the live document counts (live-socket.ts). The browser's session cookie authenticates both
// transports. Both report to one connection status (connection-status.ts); when the connection
// comes back, the lists are read again, so changes made elsewhere during an outage show up.
//
// Why graphcache and not the document cache: the document cache can only refetch queries that
// already contain an ApiToken, so an empty Active tab would not learn about a new token, and a
// live count would have to refetch whole lists. Graphcache normalises tokens by id: a count
// update writes one field and every row showing that token re-renders, and the updaters below
// move tokens between the tabs from the mutation results alone, with no refetch.
import { Client, fetchExchange, mapExchange, subscriptionExchange, type CombinedError } from '@urql/core';
import { cacheExchange, type Cache } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { createConnectionStatus, type ConnectionStatus } from './connection-status';
import { errorCode } from './error-messages';
import { createLiveSocket } from './live-socket';
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
    disabledAt
    expiresAt
    status
    mode
    leak {
      reportedAt
      url
      source
    }
  }
`);

export const TokensQuery = graphql(`
  query Tokens($status: TokenStatus!) {
    tokens(status: $status) {
      ...TokenRow
    }
  }
`);

/** Deleted tokens read a page at a time (the tab grows without bound); "Show more" asks the next. */
export const DELETED_PAGE_SIZE = 25;

/**
 * The Deleted tab, one page of it. relayPagination() below merges the pages already read into one
 * list, so the query with the last page's cursor answers every row shown so far.
 */
export const DeletedTokensQuery = graphql(`
  query DeletedTokens($first: Int!, $after: String) {
    tokenConnection(status: DELETED, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...TokenRow
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/**
 * The account's billing period as the page shows it (the Viewer query reads the same fields): the
 * live subscription moves `used` here, and the period meter reads it again when the period ends.
 */
// What the page shows of the account's plan, from the viewer query and from every plan change's
// answer alike, so that a change updates the plan, the paused notice and the period meter at once
// (the quota moves with the plan).
graphql(`
  fragment AccountPlanState on Account {
    id
    planActive
    planCancelledAt
    plan {
      id
      name
      monthlyPriceCents
      monthlyDocumentQuota
    }
    tokensPaused {
      reason
      message
    }
    currentPeriod {
      ...BillingPeriodFields
    }
  }
`);

graphql(`
  fragment BillingPeriodFields on BillingPeriod {
    period
    used
    quota
    warningAt
    resetsAt
  }
`);

export const CurrentPeriodQuery = graphql(`
  query CurrentPeriod {
    viewer {
      id
      currentPeriod {
        ...BillingPeriodFields
      }
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

interface LiveUpdate {
  tokenId: string;
  documentCount: number;
  lastUsedAt: string | null;
  period?: string | null;
  periodDocumentCount?: number | null;
}

/**
 * The same event that moves a token's count moves the period meter (one fan-out). Usage never goes
 * back within a period: an update not above what the page shows is late, and changes nothing. An
 * update of a later period means the month turned over: the period is read again, with its quota
 * and reset date, rather than worked out here.
 */
function applyPeriodUsage(cache: Cache, period: string, used: number) {
  let newPeriod = false;
  cache.updateQuery({ query: CurrentPeriodQuery }, (data) => {
    const viewer = data?.viewer;
    const shown = viewer?.currentPeriod;
    if (!viewer || !shown) return data;
    if (period > shown.period) newPeriod = true;
    if (period !== shown.period || used <= shown.used) return data;
    return { ...data, viewer: { ...viewer, currentPeriod: { ...shown, used } } };
  });
  if (newPeriod) {
    const account = cache.resolve('Query', 'viewer');
    if (typeof account === 'string') cache.invalidate(account, 'currentPeriod');
  }
}

/**
 * A token just deleted goes on top of the Deleted tab's first page, and every page read so far
 * counts one more, with no refetch. Updaters read the cache without resolvers, so each page is
 * updated as it was stored, not as relayPagination merges it.
 */
function moveToDeletedTab(cache: Cache, deleted: TokenRowFragment) {
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName !== 'tokenConnection' || field.arguments?.status !== 'DELETED') continue;
    const variables = { first: field.arguments.first as number, after: (field.arguments.after as string | null | undefined) ?? null };
    cache.updateQuery({ query: DeletedTokensQuery, variables }, (data) => {
      if (!data) return data;
      const page = data.tokenConnection;
      if (page.edges.some((edge) => edge.node.id === deleted.id)) return data;
      // the newest deleted token sorts before every cursor, so it belongs to the first page only;
      // its own cursor is never sent (the next page starts after the page's endCursor)
      const edges = variables.after === null ? [{ __typename: 'TokenEdge' as const, cursor: '', node: deleted }, ...page.edges] : page.edges;
      return { ...data, tokenConnection: { ...page, totalCount: page.totalCount + 1, edges } };
    });
  }
}

export interface DashboardClient {
  client: Client;
  connection: ConnectionStatus;
  /** Reads the account and both lists from the server again, past the cache. */
  refresh(): void;
  dispose(): void;
}

interface Options {
  /**
   * The session ended: SESSION_EXPIRED over HTTP, or over the WebSocket (the live subscription
   * ended by it, or a connection refused with 4401).
   */
  onSessionExpired(): void;
  /** Re-executes the queries on screen; the App owns which queries those are. */
  refetch(client: Client): void;
  /** The team every request works in (the Pogodoc-Team header); null: the person's personal team. */
  teamId: string | null;
}

export function createDashboardClient({ onSessionExpired, refetch, teamId }: Options, origin = window.location.origin): DashboardClient {
  const refresh = () => refetch(client);
  const connection = createConnectionStatus(origin, refresh);
  // After a reconnect the subscription re-sends the current counts first, so no count stays stale.
  const ws = createLiveSocket(origin, connection, teamId, (reason) => {
    if (reason === 'SESSION_EXPIRED') onSessionExpired();
  });
  const watchResult = (error: CombinedError | undefined) => {
    if (error?.networkError && !error.response?.status) connection.fetchFailed();
    else connection.fetchSucceeded();
    if (errorCode(error) === 'SESSION_EXPIRED') onSessionExpired();
  };

  const client: Client = new Client({
    url: `${origin}/graphql`,
    // The server refuses cookie-carrying requests that a browser would send cross-site without a
    // preflight (CSRF prevention); this header marks ours as deliberate.
    fetchOptions: { credentials: 'same-origin', headers: { 'x-graphql-yoga-csrf': '1', ...(teamId ? { 'pogodoc-team': teamId } : {}) } },
    exchanges: [
      cacheExchange({
        keys: {
          GeneratedToken: () => null,
          SessionPayload: () => null,
          TokenRules: () => null,
          DocumentCountUpdate: () => null,
          Document: () => null,
          TokensPaused: () => null,
          TokenLeak: () => null,
          BillingPeriod: () => null,
          UsagePoint: () => null,
          TokenConnection: () => null,
          TokenEdge: () => null,
          AuditEventConnection: () => null,
          AuditEventEdge: () => null,
          RequestLogConnection: () => null,
          RequestLogEdge: () => null,
          RequestSummary: () => null,
          RequestSummaryBucket: () => null,
          RequestOutcomeCount: () => null,
          PageInfo: () => null,
          // a token's rate limits and its previous secret's use: parts of the token, no identity of their own
          TokenRateLimit: () => null,
          PreviousSecretUse: () => null,
          // a webhook attempt is part of its message, a secret's answer of its mutation: no identity of their own
          WebhookAttempt: () => null,
          WebhookEndpointSecret: () => null,
          // one per kind, of the person this client is for (a new client comes with a new person)
          NotificationPreference: (preference) => String(preference.kind),
        },
        resolvers: {
          Query: { tokenConnection: relayPagination() },
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
              moveToDeletedTab(cache, deleted);
            },
          },
          Subscription: {
            documentCount(result, _args, cache) {
              const update = (result as { documentCount?: LiveUpdate }).documentCount;
              if (!update) return;
              cache.writeFragment(LiveCount, {
                id: update.tokenId,
                documentCount: update.documentCount,
                lastUsedAt: update.lastUsedAt,
              });
              if (update.period != null && update.periodDocumentCount != null) {
                applyPeriodUsage(cache, update.period, update.periodDocumentCount);
              }
            },
          },
        },
      }),
      mapExchange({
        onResult: (result) => {
          if (result.operation.kind !== 'subscription') watchResult(result.error);
        },
        onError: (error, operation) => {
          if (operation.kind === 'subscription' && errorCode(error) === 'SESSION_EXPIRED') onSessionExpired();
          // removed from the team (or it now asks for two-factor): the page reads again, and the
          // App takes the refusal of its queries back to the personal team
          if (operation.kind === 'subscription' && errorCode(error) === 'TEAM_NOT_FOUND') refresh();
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

  return {
    client,
    connection,
    refresh,
    dispose: () => {
      connection.dispose();
      void ws.dispose();
    },
  };
}
