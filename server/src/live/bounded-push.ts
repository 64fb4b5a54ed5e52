// What a subscription served as an iterator (every audit feed, on both transports; the counts over
// HTTP) may hold for a client that does not read. A Repeater keeps every value pushed and not yet
// taken, and past 1,024 it throws RepeaterOverflowError from push(), which in a pubsub listener
// (EventTarget, ioredis) is an uncaught exception: the whole process, every tenant's, would end
// because one client stopped reading.
//
// Its transport takes the next value once the last one is written out (graphql-ws waits for the
// socket's write callback, an SSE response for 'drain'), so "unread" means the same on WebSocket
// and SSE: values the server holds because the client's connection is full. Past the limit the
// subscription ends with SUBSCRIBER_TOO_SLOW, a GraphQL error the client sees after what it was
// already sent: nothing is skipped silently, which a feed whose events cannot merge (the audit
// trail) must not do. The counts over WebSocket are delivered by the transport itself and merge
// instead (websocket/shared-subscription-delivery.ts).
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
