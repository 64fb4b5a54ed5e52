// (Over 200 lines on purpose: a subscription's delivery, holding and drain check share one
// object's fields, kept on the prototype for memory at thousands of subscribers.)
//
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
import type { WebSocket } from 'ws';
import type { Limits } from '../config.js';
import type { CountSubscriber, CountSubscription, DocumentCountFeed, DocumentCountWatch } from '../live/document-count-feed.js';
import type { DocumentCountChange } from '../live/events.js';
import { WaitingCounts } from '../live/waiting-counts.js';
import { expectedErrorOf, UNEXPECTED_ERROR } from '../graphql/errors.js';

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
  /** While the socket is backed up: the counts waiting for it to drain, merged (waiting-counts.ts). */
  private waiting: WaitingCounts | undefined;
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
    // A closing socket gets nothing more, and its subscription leaves the feed now: one closed for
    // slowness has subscriptions that were never held (they had sent their frame when it was
    // closed), and a client that does not read would keep them until `ws` gives up on it, 30 s later.
    if (this.socket.readyState !== this.socket.OPEN) return this.end();
    if (this.waiting || this.socket.bufferedAmount > this.shared.limits.wsMaxBufferedBytes) this.hold(change);
    else this.send(change);
  }

  fail(error: unknown): void {
    this.failure = error;
    this.end();
  }

  /**
   * Called by the drain check while held: sends what waited once the socket has drained, or
   * gives up on it. A socket that is closing gets nothing more, so its subscriptions leave the
   * feed at once: a client that does not read would otherwise keep them until `ws` gives up on
   * the closing handshake, 30 s later.
   */
  checkDrained(now: number): void {
    const waiting = this.waiting!;
    if (this.socket.readyState !== this.socket.OPEN) {
      this.end();
    } else if (this.socket.bufferedAmount <= this.shared.limits.wsMaxBufferedBytes) {
      this.waiting = undefined;
      this.shared.held.delete(this);
      for (let change = waiting.shift(); change; change = waiting.shift()) this.send(change);
    } else if (waiting.oldestWaitedMs(now) > this.shared.limits.wsSlowSubscriberTimeoutMs) {
      this.socket.close(CLOSE_TRY_AGAIN_LATER, 'Subscriber too slow');
      this.end();
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

  /** Keeps the latest count of each token until the socket drains (checkDrained). */
  private hold(change: DocumentCountChange): void {
    if (!this.waiting) {
      this.waiting = new WaitingCounts();
      this.shared.held.add(this);
    }
    this.waiting.merge(change, Date.now());
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

  const shared: Shared = {
    limits,
    groups: new Map(),
    held: new Set(),
    /** The `payload` of the next message for this change, as JSON: computed once per group and change. */
    payloadOf(group, change) {
      if (group.lastChange === change) return group.lastPayload!;
      // The subscription's fields resolve synchronously (the event is the value), so this is too.
      const result = execute({ ...group.args, rootValue: change }) as ExecutionResult;
      // one execution for every subscriber of the group: no one request's id to log it with
      if (result.errors) result.errors.forEach((error) => onUnexpectedError(error));
      const payload = JSON.stringify(result.errors ? { data: result.data, errors: [UNEXPECTED_ERROR.toJSON()] } : result);
      group.lastChange = change;
      group.lastPayload = payload;
      return payload;
    },
    failureOf(error) {
      const expected = expectedErrorOf(error);
      if (expected) return expected;
      onUnexpectedError(error);
      return UNEXPECTED_ERROR;
    },
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
