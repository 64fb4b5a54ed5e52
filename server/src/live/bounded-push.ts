// The slow-reader rules of the live feeds, one per kind of feed and the same on WebSocket and SSE:
// - Values that merge (the counts: a token's latest count is all a dashboard needs) are replaced
//   while they wait, so a slow client skips to the latest: mergingIterator here over SSE, the
//   shared delivery over WebSocket (websocket/shared-subscription-delivery.ts).
// - Values that cannot merge (the audit trail) wait up to LIVE_MAX_UNREAD_EVENTS; past that the
//   subscription ends with SUBSCRIBER_TOO_SLOW, a GraphQL error the client sees after what it was
//   already sent: nothing is skipped silently. boundedIterator, on both transports.
// A client that takes nothing at all is its connection's: WebSocket closes with 1013 after 30 s
// without drain, HTTP resets after HTTP_WRITE_STALL_TIMEOUT_MS without progress.
//
// "Unread" means the same on both transports: the transport takes the next value once the last
// one is written out (graphql-ws waits for the socket's write callback, an SSE response for
// 'drain'), so what waits is what the client's full connection holds back. An unbounded Repeater
// would be no rule at all: past 1,024 values it throws RepeaterOverflowError from push(), which in
// a pubsub listener (EventTarget, ioredis) is an uncaught exception, ending every tenant's process.
import { Repeater } from 'graphql-yoga';
import { SubscriberTooSlowError } from '../domain/errors.js';

/**
 * A deliver function over a Repeater's push and stop that never waits and never overflows: it
 * counts the values not yet taken (push's promise settles when one is) and ends the subscription
 * with SUBSCRIBER_TOO_SLOW once `max` (LIVE_MAX_UNREAD_EVENTS) are waiting.
 */
export function boundedPush<T>(push: (value: T) => Promise<unknown>, stop: (error: Error) => unknown, max: number): (value: T) => void {
  let unread = 0;
  let ended = false;
  return (value) => {
    if (ended) return;
    if (unread >= max) {
      ended = true;
      stop(new SubscriberTooSlowError(unread));
      return;
    }
    unread += 1;
    push(value).then(
      () => (unread -= 1),
      () => {},
    );
  };
}

/**
 * A subscription as an iterator under the rule above. `join` starts it with the bounded deliver
 * function and a fail function that ends it, and returns what ends its membership; that runs once
 * the subscription ends, however it ends. An error thrown by `join` ends it at once.
 */
export function boundedIterator<T>(
  join: (deliver: (value: T) => void, fail: (error: unknown) => void) => () => void,
  maxUnread: number,
): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    let leave: () => void;
    try {
      leave = join(boundedPush(push, stop, maxUnread), (error) => stop(error));
    } catch (error) {
      stop(error);
      return;
    }
    await stop;
    leave();
  });
}

/**
 * A subscription whose values merge, as an iterator: the counts over SSE, under the rule the
 * shared WebSocket delivery keeps for them. A value waiting for the client is replaced by a newer
 * one with the same key (a token's count: the latest is all a dashboard needs), and moves to the
 * end, so that values still go out in the order of their latest change. What waits is bounded by
 * the number of keys, never by the rate of changes, so a slow client skips to the latest rather
 * than falling behind or being ended; a client that takes nothing at all is the connection's
 * write-stall rule's (HTTP_WRITE_STALL_TIMEOUT_MS).
 */
export function mergingIterator<T>(join: (deliver: (value: T) => void, fail: (error: unknown) => void) => () => void, keyOf: (value: T) => string): AsyncIterableIterator<T> {
  const waiting = new Map<string, T>();
  const readers: Array<() => void> = [];
  let failure: { error: unknown } | undefined;
  let state: 'not joined' | 'joined' | 'ended' = 'not joined';
  let leave: (() => void) | undefined;
  const wakeReaders = () => readers.splice(0).forEach((wake) => wake());
  const end = () => {
    if (state === 'ended') return;
    state = 'ended';
    leave?.();
    wakeReaders();
  };
  // Joined at the first read, as a Repeater starts: a subscription whose client went away before
  // reading is never joined, so it holds no place on the account's channel.
  const joinOnce = () => {
    if (state !== 'not joined') return;
    state = 'joined';
    try {
      leave = join(
        (value) => {
          if (state === 'ended') return;
          const key = keyOf(value);
          waiting.delete(key);
          waiting.set(key, value);
          wakeReaders();
        },
        (error) => {
          failure ??= { error };
          end();
        },
      );
      // a fail() during join ended it before `leave` was known
      if ((state as string) === 'ended') leave();
    } catch (error) {
      failure ??= { error };
      end();
    }
  };
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      joinOnce();
      while (waiting.size === 0 && state !== 'ended') await new Promise<void>((resolve) => readers.push(resolve));
      const first = waiting.entries().next();
      if (!first.done) {
        waiting.delete(first.value[0]);
        return { value: first.value[1], done: false };
      }
      if (failure) {
        const { error } = failure;
        failure = undefined;
        throw error;
      }
      return { value: undefined, done: true };
    },
    async return() {
      waiting.clear();
      end();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
