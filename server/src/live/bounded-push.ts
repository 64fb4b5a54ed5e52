// What a subscription may hold for a client that does not read. A Repeater keeps every value
// pushed and not yet taken, and past 1,024 it throws RepeaterOverflowError from push(), which in a
// pubsub listener (EventTarget, ioredis) is an uncaught exception: the whole process, every
// tenant's, would end because one client stopped reading. Over graphql-ws the socket's own limits
// close such a client first (websocket/shared-subscription-delivery.ts); over SSE nothing else would.
import { SubscriberTooSlowError } from '../domain/errors.js';

/** Events a subscription holds for its client before it ends with SUBSCRIBER_TOO_SLOW. */
export const MAX_UNREAD_EVENTS = 256;

/**
 * A deliver function over a Repeater's push and stop that never waits and never overflows: it
 * counts the values not yet taken (push's promise settles when one is) and ends the subscription
 * with SUBSCRIBER_TOO_SLOW once `max` are waiting.
 */
export function boundedPush<T>(push: (value: T) => Promise<unknown>, stop: (error: Error) => unknown, max = MAX_UNREAD_EVENTS): (value: T) => void {
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
