// The live connections of each account, whatever carries them: a WebSocket (any number of
// subscriptions on it) or one subscription over HTTP (server-sent events). Each holds a
// connection on the server and a place in the live-count fan-out, so one cap covers both
// (WS_MAX_CONNECTIONS_PER_ACCOUNT); without it, HTTP was a way around the WebSocket cap.
// Counted in this process: each instance enforces the cap on what it serves.
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import { SubscriptionLimitReachedError } from '../domain/errors.js';
import { toGraphQLError } from '../graphql/errors.js';


export class LiveConnections {
  private readonly open = new Map<string, number>();

  constructor(readonly maxPerAccount: number) {}

  /** Takes one of the account's places; returns what gives it back (once), or undefined at the cap. */
  acquire(accountId: string): (() => void) | undefined {
    const count = this.open.get(accountId) ?? 0;
    if (count >= this.maxPerAccount) return undefined;
    this.open.set(accountId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(accountId) ?? 1) - 1;
      if (left === 0) this.open.delete(accountId);
      else this.open.set(accountId, left);
    };
  }

  count(accountId: string): number {
    return this.open.get(accountId) ?? 0;
  }
}

/** What Yoga's context holds of the Node response for a request served by app.ts's server. */
interface HttpServerContext {
  request?: Request;
  res?: { once(event: 'close', listener: () => void): unknown };
}

/**
 * Holds a place for every subscription served over HTTP, from its start until its response
 * closes (the client went away, or the stream ended). Past the cap the subscription gets
 * SUBSCRIPTION_LIMIT_REACHED instead of a stream. Operations over WebSocket also pass through
 * Yoga's envelop, but their connection already holds its place.
 */
export function useHttpSubscriptionLimit(connections: LiveConnections): Plugin<GraphQLContext & HttpServerContext> {
  return {
    async onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue;
      if (!context.request) return undefined; // a WebSocket operation: no Fetch request
      let accountId: string;
      try {
        accountId = (await context.viewerSession()).account.id;
      } catch {
        return undefined; // not signed in: the subscription's own resolver says why
      }
      const release = connections.acquire(accountId);
      if (!release) {
        setResultAndStopExecution({
          errors: [toGraphQLError(SubscriptionLimitReachedError.liveConnectionsPerAccount(connections.maxPerAccount))],
        });
        return undefined;
      }
      // The response's close is the one signal that always comes, however the stream ends;
      // yoga.fetch (no Node response) has only the stream's own end.
      context.res?.once('close', release);
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) {
            release(); // refused before a stream began
            return undefined;
          }
          return { onEnd: release };
        },
      };
    },
  };
}
