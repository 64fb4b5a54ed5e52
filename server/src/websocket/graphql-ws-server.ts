// graphql-ws on the HTTP server's /graphql path. Every operation goes through Yoga's envelop,
// so WebSocket and HTTP share the context, plugins, limits and error masking.
//
// Close codes (the client of graphql-ws retries some and not others, which decides whether a
// bad credential could set off a reconnect storm):
// - 4401 Unauthorized: no session, or an expired or invalid one. The client does not retry.
// - 4408 Connection initialisation timeout: no connection_init within the limit (graphql-ws).
// - 1013 Try Again Later: the account has too many connections. Retried, with backoff.
// - 1012 Service Restart: the server is shutting down gracefully. Retried.
import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Limits } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { GraphQLContext, InitialContext, UpgradeRequest } from '../graphql/context.js';
import type { DocumentCountFeed } from '../graphql/document-count-feed.js';
import { CLOSE_TRY_AGAIN_LATER, createSharedSubscriptionDelivery } from './shared-subscription-delivery.js';

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_SERVICE_RESTART = 1012;
const SERVER_ONLY_MESSAGES = new Set(['connection_ack', 'next', 'error']);

type EnvelopedArgs = ExecutionArgs & {
  rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
};

export interface GraphQLWebSocketServer {
  clientCount(): number;
  /** Live-count subscriptions delivered by the shared delivery, and their payload groups. */
  sharedSubscriptions(): { subscriptions: number; groups: number };
  /** Closes every connection with 1012 (clients reconnect elsewhere) and stops accepting new ones. */
  close(): Promise<void>;
}

function slimUpgradeRequest(request: UpgradeRequest): UpgradeRequest {
  const { authorization, cookie, 'x-forwarded-for': forwardedFor } = request.headers;
  return {
    headers: { authorization, cookie, 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: request.socket.remoteAddress },
  };
}

export function attachGraphQLWebSocketServer(options: {
  server: Server;
  path: string;
  yoga: YogaServerInstance<any, GraphQLContext>;
  createContext: (initial: InitialContext) => GraphQLContext;
  documentCounts: DocumentCountFeed;
  limits: Limits;
  onUnexpectedError?: (error: unknown) => void;
}): GraphQLWebSocketServer {
  const { server, path, yoga, createContext, limits } = options;
  const sharedDelivery = createSharedSubscriptionDelivery({ feed: options.documentCounts, limits, onUnexpectedError: options.onUnexpectedError });
  const wsServer = new WebSocketServer({ server, path, maxPayload: limits.wsMaxPayloadBytes });
  const connectionsByAccount = new Map<string, Set<WebSocket>>();

  // graphql-ws answers a client that sends a server-only message (next, error, connection_ack)
  // with 4500 Internal Server Error; the protocol says 4400 Bad Request. This listener runs
  // first and closes with 4400, so the later close is a no-op.
  wsServer.on('connection', (socket) => {
    socket.on('message', (data) => {
      let type: unknown;
      try {
        type = (JSON.parse(String(data)) as { type?: unknown } | null)?.type;
      } catch {
        return; // invalid JSON: graphql-ws closes with 4400 itself
      }
      if (typeof type === 'string' && SERVER_ONLY_MESSAGES.has(type)) socket.close(4400, `Unexpected message of type ${type}`);
    });
  });

  const initialContextOf = (ctx: { extra: { request: InitialContext['upgradeRequest'] }; connectionParams?: Readonly<Record<string, unknown>> }): InitialContext => ({
    upgradeRequest: ctx.extra.request,
    connectionParams: ctx.connectionParams ?? {},
  });

  useServer(
    {
      connectionInitWaitTimeout: limits.wsConnectionInitTimeoutMs,
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        let accountId: string;
        try {
          accountId = (await createContext(initialContextOf(ctx)).viewer()).id;
        } catch (error) {
          const code = error instanceof DomainError ? error.code : 'UNAUTHENTICATED';
          socket.close(CLOSE_UNAUTHORIZED, code);
          return false;
        }
        // The connection keeps only the headers its operations' contexts read, not the whole
        // upgrade request: at thousands of dashboards that is kilobytes each.
        (ctx.extra as { request: UpgradeRequest }).request = slimUpgradeRequest(ctx.extra.request);
        const sockets = connectionsByAccount.get(accountId) ?? new Set<WebSocket>();
        if (sockets.size >= limits.wsMaxConnectionsPerAccount) {
          socket.close(CLOSE_TRY_AGAIN_LATER, 'Too many connections for this account');
          return false;
        }
        sockets.add(socket);
        connectionsByAccount.set(accountId, sockets);
        socket.once('close', () => {
          sockets.delete(socket);
          if (sockets.size === 0) connectionsByAccount.delete(accountId);
        });
        return true;
      },
      // A live-count subscription that passed its checks is handed to the shared delivery, which
      // executes and encodes each event once for all identical subscriptions; its own source
      // stream has not started yet, so ending it costs nothing.
      onOperation: (ctx, id, _payload, args, result) => {
        const watch = (args.contextValue as GraphQLContext).documentCountWatch;
        if (!watch || !(Symbol.asyncIterator in (result as object))) return undefined;
        void (result as AsyncIterableIterator<unknown>).return?.();
        const delivery = sharedDelivery.attach({ socket: ctx.extra.socket, id, args, watch });
        // graphql-ws holds these arguments for as long as the subscription is open, but nothing
        // reads them once the delivery has taken over: let the operation's context go.
        Object.assign(args, { contextValue: undefined, rootValue: undefined });
        return delivery;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // graphql-ws registers the id before it calls onSubscribe, so this one is already counted
        if (Object.keys(ctx.subscriptions).length > limits.wsMaxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `A connection can carry at most ${limits.wsMaxSubscriptionsPerConnection} subscriptions. Complete one first, or open another connection.`,
              { extensions: { code: 'SUBSCRIPTION_LIMIT_REACHED' } },
            ),
          ];
        }
        const initial = initialContextOf(ctx);
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...initial,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const args: EnvelopedArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wsServer,
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
