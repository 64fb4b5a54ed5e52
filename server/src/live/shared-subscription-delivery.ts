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
import type { CountSubscriber, CountSubscription, DocumentCountFeed, DocumentCountWatch } from './document-count-feed.js';
import type { DocumentCountChange } from './events.js';
import { toGraphQLError } from '../graphql/errors.js';

export const CLOSE_TRY_AGAIN_LATER = 1013;
const DRAIN_CHECK_INTERVAL_MS = 250;

interface Group {
  key: string;
  /** The first subscriber's arguments; the payload depends only on document, variables and account. */
  args: ExecutionArgs;
  subscribers: number;
  lastChange?: DocumentCountChange;
  lastPayload?: string;
}

export interface SharedSubscriptionDelivery {
  /**
   * Takes over an open documentCount subscription of `socket` under graphql-ws `id`. Returns the
   * iterator graphql-ws keeps for it: it never yields (frames are written here) and ends when
   * graphql-ws returns it (the client completed, or the socket closed).
   */
  attach(options: { socket: WebSocket; id: string; args: ExecutionArgs; watch: DocumentCountWatch }): AsyncIterableIterator<never>;
  /** Subscriptions delivered here, and the groups they share payloads in. */
  stats(): { subscriptions: number; groups: number };
  close(): void;
}

/** What every subscription of one delivery shares. */
interface Shared {
  limits: Pick<Limits, 'wsMaxBufferedBytes' | 'wsSlowSubscriberTimeoutMs'>;
  groups: Map<string, Group>;
  /** Subscriptions holding counts back until their socket drains. */
  held: Set<SharedSubscription>;
  payloadOf(group: Group, change: DocumentCountChange): string;
  failureOf(error: unknown): GraphQLError;
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

/**
 * One subscription: the feed's subscriber and graphql-ws's iterator in one object, with its
 * state in fields and its behaviour on the prototype. At thousands of subscribers, closures per
 * subscription cost more memory than the state they hold.
 */
class SharedSubscription implements CountSubscriber, AsyncIterableIterator<never> {
  /** The message up to its payload: `{"id":"<id>","type":"next","payload":` */
  private readonly framePrefix: string;
  private readonly subscription: CountSubscription;
  /** While the socket is backed up: since when, and the latest undelivered count of each token. */
  private heldSince = 0;
  private pending: Map<string, DocumentCountChange> | undefined;
  private ended = false;
  private failure: unknown;
  private finish: ((result: IteratorResult<never>) => void) | undefined;

  constructor(
    readonly socket: WebSocket,
    id: string,
    private readonly group: Group,
    private readonly shared: Shared,
    feed: DocumentCountFeed,
    watch: DocumentCountWatch,
  ) {
    this.framePrefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
    group.subscribers++;
    this.subscription = feed.join(watch, this);
  }

  deliver(change: DocumentCountChange): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.pending || this.socket.bufferedAmount > this.shared.limits.wsMaxBufferedBytes) this.hold(change);
    else this.send(change);
  }

  fail(error: unknown): void {
    this.failure = error;
    this.end();
  }

  /** Called by the drain check while held: sends what waited once the socket has drained. */
  checkDrained(now: number): void {
    if (this.socket.readyState !== this.socket.OPEN) {
      this.shared.held.delete(this);
    } else if (this.socket.bufferedAmount <= this.shared.limits.wsMaxBufferedBytes) {
      const pending = this.pending!;
      this.pending = undefined;
      this.shared.held.delete(this);
      for (const change of pending.values()) this.send(change);
    } else if (now - this.heldSince > this.shared.limits.wsSlowSubscriberTimeoutMs) {
      this.shared.held.delete(this);
      this.socket.close(CLOSE_TRY_AGAIN_LATER, 'Subscriber too slow');
    }
  }

  next(): Promise<IteratorResult<never>> {
    if (this.failure !== undefined) return Promise.reject(this.shared.failureOf(this.failure));
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.finish = (result) => (this.failure !== undefined ? reject(this.shared.failureOf(this.failure)) : resolve(result));
    });
  }

  return(): Promise<IteratorResult<never>> {
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private send(change: DocumentCountChange): void {
    this.socket.send(`${this.framePrefix}${this.shared.payloadOf(this.group, change)}}`);
  }

  private hold(change: DocumentCountChange): void {
    if (!this.pending) {
      this.pending = new Map();
      this.heldSince = Date.now();
      this.shared.held.add(this);
    }
    this.pending.set(change.tokenId, change);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.subscription.leave();
    this.shared.held.delete(this);
    const { groups } = this.shared;
    if (--this.group.subscribers === 0 && groups.get(this.group.key) === this.group) groups.delete(this.group.key);
    this.finish?.(DONE);
  }
}

export function createSharedSubscriptionDelivery(options: {
  feed: DocumentCountFeed;
  limits: Pick<Limits, 'wsMaxBufferedBytes' | 'wsSlowSubscriberTimeoutMs'>;
  onUnexpectedError?: (error: unknown) => void;
}): SharedSubscriptionDelivery {
  const { feed, limits, onUnexpectedError = () => {} } = options;
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const maskedError = createGraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });

  const shared: Shared = {
    limits,
    groups: new Map(),
    held: new Set(),
    /** The `payload` of the next message for this change, as JSON: computed once per group and change. */
    payloadOf(group, change) {
      if (group.lastChange === change) return group.lastPayload!;
      // The subscription's fields resolve synchronously (the event is the value), so this is too.
      const result = execute({ ...group.args, rootValue: change }) as ExecutionResult;
      if (result.errors) result.errors.forEach(onUnexpectedError);
      const payload = JSON.stringify(result.errors ? { data: result.data, errors: [maskedError.toJSON()] } : result);
      group.lastChange = change;
      group.lastPayload = payload;
      return payload;
    },
    failureOf: (error) => asGraphQLError(error, maskedError, onUnexpectedError),
  };

  const drainCheck = setInterval(() => {
    const now = Date.now();
    for (const subscription of shared.held) subscription.checkDrained(now);
  }, DRAIN_CHECK_INTERVAL_MS);
  drainCheck.unref();

  const groupKey = (args: ExecutionArgs, accountId: string) => {
    // Yoga's parse cache hands out one DocumentNode per query text, so identity is enough; a
    // document parsed twice only makes a second group.
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
    return `${accountId}\u0000${documentId}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  };

  return {
    attach({ socket, id, args, watch }) {
      const key = groupKey(args, watch.accountId);
      let group = shared.groups.get(key);
      // a copy: the caller may let go of its own arguments
      if (!group) shared.groups.set(key, (group = { key, args: { ...args }, subscribers: 0 }));
      return new SharedSubscription(socket, id, group, shared, feed, watch);
    },
    stats() {
      let subscriptions = 0;
      for (const group of shared.groups.values()) subscriptions += group.subscribers;
      return { subscriptions, groups: shared.groups.size };
    },
    close: () => clearInterval(drainCheck),
  };
}

/** What the client is told when its counts cannot be read: a domain error keeps its code. */
function asGraphQLError(error: unknown, masked: GraphQLError, onUnexpectedError: (error: unknown) => void): GraphQLError {
  if (error instanceof DomainError) return toGraphQLError(error);
  onUnexpectedError(error);
  return masked;
}
