// graphql-ws on the HTTP server's /graphql path: the wiring of the origin check, the connection
// guard (connection-guard.ts), the envelop bridge (envelop-bridge.ts) and the shared live-count
// delivery (shared-subscription-delivery.ts).
//
// Close codes (the client of graphql-ws retries some and not others, which decides whether a
// bad credential could set off a reconnect storm):
// - 4401 Unauthorized: no session, or an expired or invalid one. The client does not retry.
// - 4408 Connection initialisation timeout: no connection_init within the limit (graphql-ws).
// - 1013 Try Again Later: the account has too many connections. Retried, with backoff.
// - 1012 Service Restart: the server is shutting down gracefully. Retried.
// - 4400 Bad Request: a frame that is not a client message of the protocol. Not an error of
//   ours, so nothing is logged; only a fault of the server's own is (and closes with 4500).
// An upgrade from a web page of another site is refused with HTTP 403 (http/origin-policy.ts).
import type { RequestRecord } from '../observability/request-context.js';
import type { IncomingMessage, Server } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Limits } from '../config.js';
import type { GraphQLContext, InitialContext } from '../graphql/context.js';
import type { LiveConnections } from '../http/live-connections.js';
import type { OriginPolicy } from '../http/origin-policy.js';
import type { DocumentCountFeed } from '../live/document-count-feed.js';
import { createSharedSubscriptionDelivery } from './shared-subscription-delivery.js';
import { connectionGuard } from './connection-guard.js';
import { envelopBridge, executeEnveloped, subscribeEnveloped } from './envelop-bridge.js';
import { serveGraphQLWs } from './serve-graphql-ws.js';

/** 1012 Service Restart (RFC 6455's registry; graphql-ws's CloseCode has the 44xx codes only). */
export const CLOSE_SERVICE_RESTART = 1012;

export interface GraphQLWebSocketServer {
  clientCount(): number;
  /** Live-count subscriptions delivered by the shared delivery, and their payload groups. */
  sharedSubscriptions(): { subscriptions: number; groups: number };
  /** Closes every connection with 1012 (clients reconnect elsewhere) and stops accepting new ones. */
  close(): Promise<void>;
}

export function attachGraphQLWebSocketServer(options: {
  server: Server;
  path: string;
  yoga: YogaServerInstance<any, GraphQLContext>;
  createContext: (initial: InitialContext) => GraphQLContext;
  documentCounts: DocumentCountFeed;
  limits: Limits;
  /** The places each account holds, shared with HTTP subscriptions (WS_MAX_CONNECTIONS_PER_ACCOUNT). */
  liveConnections: LiveConnections;
  originPolicy: OriginPolicy;
  /** The per-address cap on connections at work (http/connection-limits.ts): past it, the upgrade gets its HTTP refusal. */
  admitUpgrade?: (req: IncomingMessage) => { admitted: true } | { admitted: false; status: number; message: string; headers: Record<string, string> };
  /** A fault while serving a connection, with the connection's record when one is known (its id for the log line). */
  onUnexpectedError?: (error: unknown, request?: RequestRecord) => void;
}): GraphQLWebSocketServer {
  const { server, path, yoga, createContext, limits, liveConnections, originPolicy } = options;
  const onUnexpectedError = options.onUnexpectedError ?? (() => {});
  const sharedDelivery = createSharedSubscriptionDelivery({ feed: options.documentCounts, limits, onUnexpectedError: options.onUnexpectedError });
  const wsServer = new WebSocketServer({
    server,
    path,
    maxPayload: limits.wsMaxPayloadBytes,
    // Cross-site WebSocket hijacking: a page of another site may open a socket here, and the
    // browser adds the user's cookie. Refused before the handshake, so no frame is exchanged.
    verifyClient: (info: { req: IncomingMessage }, done: (verified: boolean, code?: number, message?: string, headers?: Record<string, string>) => void) => {
      if (!originPolicy.allowsUpgrade(info.req)) return done(false, 403, 'Forbidden');
      const admission = options.admitUpgrade?.(info.req) ?? { admitted: true };
      return admission.admitted ? done(true) : done(false, admission.status, admission.message, admission.headers);
    },
  });

  serveGraphQLWs(
    wsServer,
    {
      connectionInitWaitTimeout: limits.wsConnectionInitTimeoutMs,
      execute: executeEnveloped,
      subscribe: subscribeEnveloped,
      onConnect: connectionGuard({ createContext, liveConnections }),
      onSubscribe: envelopBridge({ yoga, sharedDelivery, maxSubscriptionsPerConnection: limits.wsMaxSubscriptionsPerConnection }),
    },
    limits.wsKeepAliveMs,
    onUnexpectedError,
  );

  return {
    clientCount: () => wsServer.clients.size,
    sharedSubscriptions: () => sharedDelivery.stats(),
    async close() {
      sharedDelivery.close();
      for (const client of wsServer.clients) client.close(CLOSE_SERVICE_RESTART, 'Server restarting: reconnect');
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
