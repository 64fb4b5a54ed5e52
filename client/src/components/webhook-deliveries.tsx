// An endpoint's deliveries, newest first as the server lists them: each message's event, when it
// was made, whether it was delivered, waits for its next attempt or was given up (and why), its
// last attempt's answer and duration, and how many attempts it took. A message that was given up,
// or whose last attempt failed, can be sent again now (Retry).
import { graphql } from '../gql';
import type { WebhookDeliveryFragment } from '../gql/graphql';
import { formatDateTime, RelativeTime, relativeTime } from './relative-time';

export const WebhookDelivery = graphql(`
  fragment WebhookDelivery on WebhookMessage {
    id
    eventType
    createdAt
    nextAttemptAt
    attemptCount
    deliveredAt
    failedAt
    failureReason
    attempts {
      responseStatus
      error
      durationMs
    }
  }
`);

export type Delivery = WebhookDeliveryFragment;

export const lastAttempt = (message: Delivery) => message.attempts[message.attempts.length - 1];

/** The last attempt's answer: the receiver's HTTP status, or why no answer came ("connection refused"). */
export function answerOf(message: Delivery): string | null {
  const attempt = lastAttempt(message);
  if (!attempt) return null;
  return attempt.responseStatus != null ? String(attempt.responseStatus) : (attempt.error ?? 'no answer');
}

/** "now", "in 4 seconds", "in 2 minutes": when a waiting message is tried next. */
function nextAttemptInWords(iso: string, now: number): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 1) return 'now';
  if (seconds < 60) return `in ${seconds} seconds`;
  return relativeTime(iso, now);
}

export function deliveryStatus(message: Delivery, now = Date.now()): string {
  if (message.deliveredAt) return 'Delivered';
  if (message.failedAt) return message.failureReason ? `Given up (${message.failureReason})` : 'Given up';
  return `Waiting (next attempt ${nextAttemptInWords(message.nextAttemptAt, now)})`;
}

/** Given up, or tried and not delivered: worth sending again now rather than at the next attempt. */
export const canRetry = (message: Delivery) => !message.deliveredAt && (Boolean(message.failedAt) || message.attempts.length > 0);

interface Props {
  url: string;
  messages: Delivery[];
  /** The message whose Retry is under way. */
  retrying: string | null;
  /** A refused retry: its message, and the id of the error shown, which describes its button. */
  retryFailure: { messageId: string; errorId: string } | null;
  onRetry(message: Delivery): void;
}

export function WebhookDeliveries({ url, messages, retrying, retryFailure, onRetry }: Props) {
  if (messages.length === 0) return <p class="muted webhook-no-deliveries">No deliveries yet. Send a test event to see one here.</p>;
  const now = Date.now();
  return (
    <table class="webhook-deliveries">
      <caption class="visually-hidden">Deliveries to {url}, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Created</th>
          <th scope="col">Status</th>
          <th scope="col">Response</th>
          <th scope="col">Duration</th>
          <th scope="col">Attempts</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {messages.map((message) => {
          const attempt = lastAttempt(message);
          const status = deliveryStatus(message, now);
          return (
            <tr key={message.id} data-message-id={message.id}>
              <th scope="row" data-label="Event">
                <code>{message.eventType}</code>
              </th>
              <td data-label="Created">
                <RelativeTime iso={message.createdAt} />
              </td>
              <td data-label="Status" class={`webhook-delivery-status ${message.deliveredAt ? 'delivered' : message.failedAt ? 'given-up' : 'waiting'}`}>
                {status}
              </td>
              <td data-label="Response">{answerOf(message) ?? '\u2014'}</td>
              <td data-label="Duration">{attempt ? `${attempt.durationMs} ms` : '\u2014'}</td>
              <td data-label="Attempts">{message.attemptCount}</td>
              <td class="webhook-delivery-actions">
                {canRetry(message) && (
                  <button
                    type="button"
                    class="secondary"
                    // not disabled: a disabled button would drop the keyboard's focus
                    aria-disabled={retrying === message.id}
                    aria-describedby={retryFailure?.messageId === message.id ? retryFailure.errorId : undefined}
                    onClick={() => retrying !== message.id && onRetry(message)}
                  >
                    {retrying === message.id ? 'Retrying…' : 'Retry'}
                    <span class="visually-hidden">
                      {' '}
                      {message.eventType} of {formatDateTime(message.createdAt)}
                    </span>
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
