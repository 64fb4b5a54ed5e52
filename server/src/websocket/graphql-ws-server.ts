// graphql-ws on the HTTP server's /graphql path. Every operation goes through Yoga's envelop,
// so WebSocket and HTTP share the context, plugins, limits and error masking.
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
import type { IncomingMessage, Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Limits } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { GraphQLContext, InitialContext, UpgradeRequest } from '../graphql/context.js';
import type { DocumentCountFeed } from '../live/document-count-feed.js';
import type { LiveConnections } from '../http/live-connections.js';
import type { OriginPolicy } from '../http/origin-policy.js';
import { CLOSE_TRY_AGAIN_LATER, createSharedSubscriptionDelivery } from '../live/shared-subscription-delivery.js';

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_SERVICE_RESTART = 1012;
const SERVER_ONLY_MESSAGES = new Set(['connection_ack', 'next', 'error']);
/** A ping every 12 s; a socket that has not answered by the next one is dropped (graphql-ws's default). */
const KEEP_ALIVE_MS = 12_000;

/** What graphql-ws hands our hooks beside the protocol state. */
interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
}

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

/**
 * graphql-ws's own `useServer` for `ws`, which its authors offer as a starting point to copy, with
 * two changes: a client's malformed frame is answered by the protocol without a line on stderr
 * (useServer prints "Internal error occurred during message handling" for server-only message
 * types, and "Internal error emitted on a WebSocket socket" for frames `ws` refuses, such as one
 * over maxPayload), and a real fault goes to our logger rather than the console.
 */
function serveGraphQLWs(wsServer: WebSocketServer, options: ServerOptions<Record<string, unknown> | undefined, Extra>, onUnexpectedError: (error: unknown) => void) {
  const server = makeServer(options);
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on('error', onUnexpectedError);
  wsServer.on('connection', (socket, request) => {
    // `ws` reports a frame it refuses (too large, invalid UTF-8, a bad opcode) as an error with
    // a WS_ERR_ code, and is already closing the socket with the matching code (1009, 1007, 1002).
    socket.once('error', (error: Error & { code?: string }) => {
      if (error.code?.startsWith('WS_ERR_')) return;
      onUnexpectedError(error);
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    let alive = true;
    socket.on('pong', () => (alive = true));
    const keepAlive = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, KEEP_ALIVE_MS);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            const text = String(data);
            // graphql-ws throws on a server-only message type (next, error, connection_ack): a
            // confused or hostile client, which the protocol answers with 4400 Bad Request
            const type = messageTypeOf(text);
            if (typeof type === 'string' && SERVER_ONLY_MESSAGES.has(type)) {
              socket.close(CloseCode.BadRequest, `Unexpected message of type ${type}`);
              return;
            }
            try {
              await handle(text);
            } catch (error) {
              onUnexpectedError(error);
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      closed(code, String(reason)).catch(onUnexpectedError);
    });
  });
}

/** The `type` of a JSON frame, or undefined (graphql-ws answers anything unparseable with 4400 itself). */
function messageTypeOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
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
  /** The places each account holds, shared with HTTP subscriptions (WS_MAX_CONNECTIONS_PER_ACCOUNT). */
  liveConnections: LiveConnections;
  originPolicy: OriginPolicy;
  onUnexpectedError?: (error: unknown) => void;
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
    verifyClient: (info: { req: IncomingMessage }, done: (verified: boolean, code?: number, message?: string) => void) =>
      originPolicy.allowsUpgrade(info.req) ? done(true) : done(false, 403, 'Forbidden'),
  });

  const initialContextOf = (ctx: { extra: { request: InitialContext['upgradeRequest'] }; connectionParams?: Readonly<Record<string, unknown>> }): InitialContext => ({
    upgradeRequest: ctx.extra.request,
    connectionParams: ctx.connectionParams ?? {},
  });

  serveGraphQLWs(
    wsServer,
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
        const release = liveConnections.acquire(accountId);
        if (!release) {
          socket.close(CLOSE_TRY_AGAIN_LATER, 'Too many connections for this account');
          return false;
        }
        if (socket.readyState !== socket.CLOSED) socket.once('close', release);
        else release(); // it closed while the session was being checked
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
