// Who may hold a WebSocket connection: checked once, at connection_init. A connection needs a
// dashboard session (an API token only makes documents), and an account holds at most
// WS_MAX_CONNECTIONS_PER_ACCOUNT places, shared with HTTP subscriptions.
import { CloseCode, type Context } from 'graphql-ws';
import { DomainError } from '../domain/errors.js';
import type { GraphQLContext, InitialContext, UpgradeRequest } from '../graphql/context.js';
import type { LiveConnections } from '../http/live-connections.js';
import { CLOSE_TRY_AGAIN_LATER } from './shared-subscription-delivery.js';
import type { Extra } from './serve-graphql-ws.js';
import { keepRecord } from '../observability/request-context.js';

/** What an operation's context is built from: the upgrade request and connection_init's payload. */
export function initialContextOf(ctx: Context<Record<string, unknown> | undefined, Extra>): InitialContext {
  return { upgradeRequest: ctx.extra.request, connectionParams: ctx.connectionParams ?? {} };
}

/** Only the headers an operation's context reads: at thousands of dashboards the rest is kilobytes each. */
function slimUpgradeRequest(request: UpgradeRequest): UpgradeRequest {
  const { authorization, cookie, 'x-forwarded-for': forwardedFor } = request.headers;
  const slim = {
    headers: { authorization, cookie, 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress: request.socket.remoteAddress },
  };
  // the connection's record (its id) goes with it, for the lines of its operations' errors
  keepRecord(request, slim);
  return slim;
}

/**
 * graphql-ws's onConnect. Closes with 4401 and the domain's code as the reason (the client does
 * not retry it, so a bad credential cannot start a reconnect storm), or with 1013 when the
 * account has no place left (retried with backoff).
 */
export function connectionGuard(options: {
  createContext: (initial: InitialContext) => GraphQLContext;
  liveConnections: LiveConnections;
}) {
  return async (ctx: Context<Record<string, unknown> | undefined, Extra>): Promise<boolean> => {
    const socket = ctx.extra.socket;
    let accountId: string;
    try {
      accountId = (await options.createContext(initialContextOf(ctx)).viewerSession()).account.id;
    } catch (error) {
      socket.close(CloseCode.Unauthorized, error instanceof DomainError ? error.code : 'UNAUTHENTICATED');
      return false;
    }
    (ctx.extra as { request: UpgradeRequest }).request = slimUpgradeRequest(ctx.extra.request);
    const release = options.liveConnections.acquire(accountId);
    if (!release) {
      socket.close(CLOSE_TRY_AGAIN_LATER, 'Too many connections for this account');
      return false;
    }
    if (socket.readyState !== socket.CLOSED) socket.once('close', release);
    else release(); // it closed while the session was being checked
    return true;
  };
}
