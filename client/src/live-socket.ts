// The graphql-ws client for the live document counts, and what it tells the connection status.
//
// graphql-ws retries only what `shouldRetry` allows, and its default lets through CloseEvents
// alone: a browser whose connection attempt fails (server down, network gone) gets an error
// Event, which would end the subscription for good. Every failure is retried here, forever,
// with backoff. graphql-ws still stops on its fatal close codes, among them the server's 4401
// (no session, or an expired one): retrying with the same cookie could not succeed.
import { CloseCode, createClient, type Client } from 'graphql-ws';
import type { ConnectionStatus } from './connection-status';

const MAX_RETRY_WAIT_MS = 10_000;

export function createLiveSocket(origin: string, status: ConnectionStatus, teamId: string | null, onUnauthorized: (reason: string) => void): Client {
  return createClient({
    url: `${origin.replace(/^http/, 'ws')}/graphql`,
    // the team the live views follow, as the Pogodoc-Team header names it over HTTP
    connectionParams: teamId ? { team: teamId } : undefined,
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (failedAttempts) => {
      status.socketRetrying(failedAttempts);
      // jitter, so the dashboards open during a restart do not all come back in the same instant
      const wait = Math.min(MAX_RETRY_WAIT_MS, 500 * 2 ** failedAttempts) + Math.random() * 300;
      await new Promise((resolve) => setTimeout(resolve, wait));
    },
    on: {
      connected: () => status.socketConnected(),
      closed: (event) => {
        const close = event as { code?: number; reason?: string };
        if (close.code === CloseCode.Unauthorized) onUnauthorized(close.reason ?? '');
      },
    },
  });
}
