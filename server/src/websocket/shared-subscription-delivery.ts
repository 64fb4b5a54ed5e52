// Live counts over WebSocket, delivered by the transport itself: each event is executed and
// serialised once per group of identical subscriptions, and written to every socket of the group.
//
// graphql-ws would execute the subscription's selection for every subscriber and every event,
// then JSON-encode the result for each; at thousands of dashboards on one account that was the
// whole cost of an event. Subscribers of one account that sent the same document with the same
// variables get byte-identical payloads, so the payload is encoded once and each socket gets it
// behind its own subscription id: the same `next` message graphql-ws sends, word for word.
// graphql-ws still owns the protocol (connection_init, subscribe, complete, ping, close codes);
// this module only replaces what flows through an open documentCount subscription.
//
// A subscriber that stops reading must not make the server buffer every event for it. Once its
// socket has more than `wsMaxBufferedBytes` waiting, it keeps only the latest count of each token
// and sends them when the socket drains; if it has not drained within
// `wsSlowSubscriberTimeoutMs`, it is closed with 1013 (the client retries and starts from the
// current counts).
import { execute, GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { WebSocket } from 'ws';
import type { Limits } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { DocumentCountFeed, DocumentCountWatch } from '../graphql/document-count-feed.js';
import type { DocumentCountChange } from '../graphql/events.js';
import { toGraphQLError } from '../graphql/errors.js';

export const CLOSE_TRY_AGAIN_LATER = 1013;
const DRAIN_CHECK_INTERVAL_MS = 250;

interface Group {
  /** The first subscriber's arguments; the payload depends only on document, variables and account. */
  args: ExecutionArgs;
  subscribers: number;
  lastChange?: DocumentCountChange;
  lastPayload?: string;
}

interface HeldSubscriber {
  socket: WebSocket;
  heldSince: number;
  /** The latest undelivered count of each token, to send once the socket drains. */
  pending: Map<string, DocumentCountChange>;
  flush(): void;
}

export interface SharedSubscriptionDelivery {
  /**
   * Takes over an open documentCount subscription of `socket` under graphql-ws `id`. Returns the
   * iterator graphql-ws keeps for it: it never yields (frames are written here) and ends when
   * graphql-ws returns it (the client completed, or the socket closed).
   */
  attach(options: { socket: WebSocket; id: string; args: ExecutionArgs; watch: DocumentCountWatch }): AsyncIterableIterator<ExecutionResult>;
  /** Subscriptions delivered here, and the groups they share payloads in. */
  stats(): { subscriptions: number; groups: number };
  close(): void;
}

export function createSharedSubscriptionDelivery(options: {
  feed: DocumentCountFeed;
  limits: Pick<Limits, 'wsMaxBufferedBytes' | 'wsSlowSubscriberTimeoutMs'>;
  onUnexpectedError?: (error: unknown) => void;
}): SharedSubscriptionDelivery {
  const { feed, limits, onUnexpectedError = () => {} } = options;
  const groups = new Map<string, Group>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  let subscriptions = 0;
  const held = new Set<HeldSubscriber>();

  const drainCheck = setInterval(() => {
    const now = Date.now();
    for (const subscriber of held) {
      if (subscriber.socket.readyState !== subscriber.socket.OPEN) held.delete(subscriber);
      else if (subscriber.socket.bufferedAmount <= limits.wsMaxBufferedBytes) subscriber.flush();
      else if (now - subscriber.heldSince > limits.wsSlowSubscriberTimeoutMs) {
        held.delete(subscriber);
        subscriber.socket.close(CLOSE_TRY_AGAIN_LATER, 'Subscriber too slow');
      }
    }
  }, DRAIN_CHECK_INTERVAL_MS);
  drainCheck.unref();

  const groupKey = (args: ExecutionArgs, accountId: string) => {
    // Yoga's parse cache hands out one DocumentNode per query text, so identity is enough; a
    // document parsed twice only makes a second group.
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
    return `${accountId}\u0000${documentId}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  };

  const maskedError = createGraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });

  /** The `payload` of the next message for this change, as JSON: computed once per group and change. */
  const payloadOf = (group: Group, change: DocumentCountChange): string => {
    if (group.lastChange === change) return group.lastPayload!;
    // The subscription's fields resolve synchronously (the event is the value), so this is too.
    const result = execute({ ...group.args, rootValue: change }) as ExecutionResult;
    if (result.errors) result.errors.forEach(onUnexpectedError);
    const payload = JSON.stringify(result.errors ? { data: result.data, errors: [maskedError.toJSON()] } : result);
    group.lastChange = change;
    group.lastPayload = payload;
    return payload;
  };

  return {
    attach({ socket, id, args, watch }) {
      const key = groupKey(args, watch.accountId);
      let group = groups.get(key);
      // a copy: the caller may let go of its own arguments
      if (!group) groups.set(key, (group = { args: { ...args }, subscribers: 0 }));
      group.subscribers++;
      subscriptions++;
      const sharedGroup = group;
      const framePrefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;

      let holding: HeldSubscriber | undefined;
      const send = (change: DocumentCountChange) => socket.send(`${framePrefix}${payloadOf(sharedGroup, change)}}`);
      const hold = (change: DocumentCountChange) => {
        holding ??= {
          socket,
          heldSince: Date.now(),
          pending: new Map(),
          flush() {
            held.delete(this);
            holding = undefined;
            for (const pending of this.pending.values()) send(pending);
          },
        };
        holding.pending.set(change.tokenId, change);
        held.add(holding);
      };

      let finish: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
      let failure: unknown;
      let ended = false;
      const subscription = feed.join(watch, {
          deliver(change) {
            if (socket.readyState !== socket.OPEN) return;
            if (holding || socket.bufferedAmount > limits.wsMaxBufferedBytes) hold(change);
            else send(change);
          },
          fail(error) {
            failure = error;
            end();
          },
      });

      function end() {
        if (ended) return;
        ended = true;
        subscription.leave();
        if (holding) held.delete(holding);
        subscriptions--;
        if (--sharedGroup.subscribers === 0 && groups.get(key) === sharedGroup) groups.delete(key);
        finish?.({ done: true, value: undefined });
      }

      const iterator: AsyncIterableIterator<ExecutionResult> = {
        next() {
          if (failure !== undefined) return Promise.reject(asGraphQLError(failure, maskedError, onUnexpectedError));
          if (ended) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve, reject) => {
            finish = (result) => (failure !== undefined ? reject(asGraphQLError(failure, maskedError, onUnexpectedError)) : resolve(result));
          });
        },
        return() {
          end();
          return Promise.resolve({ done: true, value: undefined });
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    stats: () => ({ subscriptions, groups: groups.size }),
    close: () => clearInterval(drainCheck),
  };
}

/** What the client is told when its counts cannot be read: a domain error keeps its code. */
function asGraphQLError(error: unknown, masked: GraphQLError, onUnexpectedError: (error: unknown) => void): GraphQLError {
  if (error instanceof DomainError) return toGraphQLError(error);
  onUnexpectedError(error);
  return masked;
}
