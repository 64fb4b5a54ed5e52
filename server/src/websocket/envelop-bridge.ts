// Every WebSocket operation goes through Yoga's envelop, as in graphql-yoga's examples/graphql-ws:
// the same parse and validation caches, context factory, plugins, limits and error masking as
// HTTP. envelop's execute and subscribe ride in rootValue, the way that example passes them.
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { Context, SubscribeMessage } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { SubscriptionLimitReachedError } from '../domain/errors.js';
import { toGraphQLError } from '../graphql/errors.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { SharedSubscriptionDelivery } from './shared-subscription-delivery.js';
import { initialContextOf } from './connection-guard.js';
import type { Extra } from './serve-graphql-ws.js';

type EnvelopedArgs = ExecutionArgs & {
  rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
};

export const executeEnveloped = (args: ExecutionArgs) => (args as EnvelopedArgs).rootValue.execute(args) as never;
export const subscribeEnveloped = (args: ExecutionArgs) => (args as EnvelopedArgs).rootValue.subscribe(args) as never;

/** graphql-ws's onSubscribe: the operation's arguments, or the errors that refuse it. */
export function envelopBridge(options: {
  yoga: YogaServerInstance<any, GraphQLContext>;
  sharedDelivery: SharedSubscriptionDelivery;
  maxSubscriptionsPerConnection: number;
}) {
  const { yoga, sharedDelivery, maxSubscriptionsPerConnection } = options;
  return async (
    ctx: Context<Record<string, unknown> | undefined, Extra>,
    id: string,
    payload: SubscribeMessage['payload'],
  ): Promise<EnvelopedArgs | readonly GraphQLError[]> => {
    // graphql-ws registers the id before it calls onSubscribe, so this one is already counted
    if (Object.keys(ctx.subscriptions).length > maxSubscriptionsPerConnection) {
      return [toGraphQLError(SubscriptionLimitReachedError.perConnection(maxSubscriptionsPerConnection))];
    }
    const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
      ...initialContextOf(ctx),
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
    // Over WebSocket, live counts are written by the shared delivery, which executes and encodes
    // each change once for every identical subscription: the documentCount field opens its
    // delivery here instead of an iterator that graphql-ws would execute for each socket.
    const socket = ctx.extra.socket;
    let delivery: AsyncIterableIterator<never> | undefined;
    (args.contextValue as GraphQLContext).openDocumentCounts = (watch) => (delivery = sharedDelivery.attach({ socket, id, args, watch }));
    // graphql-ws then holds the delivery itself rather than graphql-js's wrapper around it, which
    // would keep the operation's whole context alive (kilobytes per dashboard) for nothing: the
    // delivery never yields a value to execute. The wrapper is dropped, not returned, since
    // returning it would end the delivery.
    args.rootValue = {
      execute,
      subscribe: async (subscribeArgs: ExecutionArgs) => {
        const result = await subscribe(subscribeArgs);
        if (!delivery) return result;
        Object.assign(args, { contextValue: undefined, rootValue: undefined });
        return delivery;
      },
    };
    return args;
  };
}
