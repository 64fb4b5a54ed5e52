// One webhook endpoint: whether it is enabled, the events it gets, its actions (a test event,
// rotating the secret, disabling and enabling, deleting) and its deliveries. A test event and a
// retry are delivered by the server's poll, a second or so later: the endpoint's deliveries are
// read again until that message has its attempt, a bounded number of times, and the outcome is
// said in a status line; "Refresh deliveries" reads them again at any time.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import type { CombinedError } from '@urql/core';
import { graphql } from '../gql';
import type { WebhookEndpointFieldsFragment } from '../gql/graphql';
import { describeError } from '../error-messages';
import { ConfirmDialog } from './confirm-dialog';
import { formatDateTime, RelativeTime } from './relative-time';
import { answerOf, lastAttempt, WebhookDeliveries, type Delivery } from './webhook-deliveries';
import { WebhookSecretReveal } from './webhook-secret';

export const WebhookEndpointFields = graphql(`
  fragment WebhookEndpointFields on WebhookEndpoint {
    id
    url
    events
    createdAt
    disabledAt
    previousSecretSignsUntil
  }
`);

const SendTestWebhookMutation = graphql(`
  mutation SendTestWebhook($id: ID!) {
    sendTestWebhook(id: $id) {
      ...WebhookDelivery
    }
  }
`);

const RotateWebhookSecretMutation = graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      endpoint {
        ...WebhookEndpointFields
      }
    }
  }
`);

// the answer is the endpoint: the cache updates the card from it; its deliveries are read again
// after (disabling gives up the waiting ones)
const DisableWebhookEndpointMutation = graphql(`
  mutation DisableWebhookEndpoint($id: ID!) {
    disableWebhookEndpoint(id: $id) {
      ...WebhookEndpointFields
    }
  }
`);

const EnableWebhookEndpointMutation = graphql(`
  mutation EnableWebhookEndpoint($id: ID!) {
    enableWebhookEndpoint(id: $id) {
      ...WebhookEndpointFields
    }
  }
`);

const DeleteWebhookEndpointMutation = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`);

const RetryWebhookMessageMutation = graphql(`
  mutation RetryWebhookMessage($id: ID!) {
    retryWebhookMessage(id: $id)
  }
`);

/** How often, and how many times, the deliveries are read again while a sent message has no attempt yet. */
const POLL_MS = 1000;
const POLL_TIMES = 15;

/** A message just sent (a test event) or sent again (Retry), watched until its next attempt lands. */
interface Watch {
  kind: 'test' | 'retry';
  messageId: string;
  /** Its attempts when it was sent: one more is the outcome. */
  attemptsBefore: number;
}

interface Props {
  endpoint: WebhookEndpointFieldsFragment & { messages: Delivery[] };
  /** Reads every endpoint and its deliveries again, past the cache. */
  reload(): void;
  /** The secret a rotation of this endpoint just made, shown once. */
  revealed: string | null;
  onRotated(secret: string): void;
  onRevealDone(): void;
  /** Where focus goes once the endpoint is deleted. */
  afterDelete(): HTMLElement | null;
}

type Action = 'test' | 'toggle' | 'retry';

export function WebhookEndpoint({ endpoint, reload, revealed, onRotated, onRevealDone, afterDelete }: Props) {
  const { id, url } = endpoint;
  const prefix = `webhook-${id}`;
  const [sending, sendTest] = useMutation(SendTestWebhookMutation);
  const [rotating, rotate] = useMutation(RotateWebhookSecretMutation);
  const [disabling, disable] = useMutation(DisableWebhookEndpointMutation);
  const [enabling, enable] = useMutation(EnableWebhookEndpointMutation);
  const [deleting, remove] = useMutation(DeleteWebhookEndpointMutation);
  const [, retry] = useMutation(RetryWebhookMessageMutation);
  const [dialog, setDialog] = useState<'rotate' | 'delete' | null>(null);
  const [dialogError, setDialogError] = useState<CombinedError | null>(null);
  const [failure, setFailure] = useState<{ action: Action; messageId?: string; error: CombinedError } | null>(null);
  const [retrying, setRetrying] = useState<string | null>(null);
  const [watch, setWatch] = useState<Watch | null>(null);
  const [timedOut, setTimedOut] = useState(false);
  const rotateButton = useRef<HTMLButtonElement>(null);
  const statusLine = useRef<HTMLParagraphElement>(null);
  // what the closing dialog did: it decides where focus goes (refs, read when the dialog unmounts)
  const rotated = useRef(false);
  const deleted = useRef(false);

  const watched = watch ? endpoint.messages.find((message) => message.id === watch.messageId) : undefined;
  const settled = Boolean(watch && watched && watched.attempts.length > watch.attemptsBefore);

  // bounded: a receiver that never answers (or a server with delivery off) is not asked forever
  useEffect(() => {
    if (!watch || settled) return;
    let polls = 0;
    const timer = setInterval(() => {
      if (++polls > POLL_TIMES) {
        clearInterval(timer);
        setTimedOut(true);
      } else reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [watch, settled]);

  // a Retry button goes once its message is delivered: focus, left on nothing, goes to the outcome
  useEffect(() => {
    if (!settled) return;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost) statusLine.current?.focus();
  }, [settled]);

  const watchFrom = (next: Watch) => {
    setTimedOut(false);
    setWatch(next);
    reload();
  };

  const failed = (action: Action, error: CombinedError | undefined, messageId?: string) => {
    setFailure(error ? { action, error, messageId } : null);
    return Boolean(error);
  };

  const onSendTest = async () => {
    if (sending.fetching) return;
    const result = await sendTest({ id });
    if (failed('test', result.error)) return setWatch(null);
    const message = result.data?.sendTestWebhook;
    if (message) watchFrom({ kind: 'test', messageId: message.id, attemptsBefore: message.attempts.length });
  };

  const onToggle = async () => {
    if (disabling.fetching || enabling.fetching) return;
    const result = endpoint.disabledAt ? await enable({ id }) : await disable({ id });
    if (!failed('toggle', result.error)) reload();
  };

  const onRetry = async (message: Delivery) => {
    setRetrying(message.id);
    const result = await retry({ id: message.id });
    setRetrying(null);
    if (failed('retry', result.error, message.id)) return;
    watchFrom({ kind: 'retry', messageId: message.id, attemptsBefore: message.attempts.length });
  };

  const openDialog = (which: 'rotate' | 'delete') => {
    rotated.current = deleted.current = false;
    setDialogError(null);
    setDialog(which);
  };

  const onRotate = async () => {
    const result = await rotate({ id });
    const secret = result.data?.rotateWebhookSecret.secret;
    setDialogError(result.error ?? null);
    if (!secret) return;
    rotated.current = true;
    onRotated(secret);
    setDialog(null);
  };

  const onDelete = async () => {
    const result = await remove({ id });
    setDialogError(result.error ?? null);
    if (result.error) return;
    deleted.current = true;
    setDialog(null);
    reload();
  };

  const errorId = `${prefix}-error`;
  const describedBy = (action: Action) => (failure?.action === action ? errorId : undefined);
  const disabled = Boolean(endpoint.disabledAt);
  const previousSigns = endpoint.previousSecretSignsUntil && Date.parse(endpoint.previousSecretSignsUntil) > Date.now() ? endpoint.previousSecretSignsUntil : null;

  return (
    <section class="webhook-endpoint" aria-labelledby={`${prefix}-url`}>
      <h3 id={`${prefix}-url`} class="webhook-url">
        {url}
      </h3>
      <dl class="facts webhook-facts">
        <dt>Status</dt>
        <dd>
          <span class={`badge ${disabled ? 'disabled' : 'enabled'}`} data-testid="webhook-status">
            {disabled ? 'Disabled' : 'Enabled'}
          </span>
          {disabled && (
            <span class="muted">
              {' '}
              since <RelativeTime iso={endpoint.disabledAt!} />: it gets no events until enabled.
            </span>
          )}
        </dd>
        <dt>Events</dt>
        <dd>
          <ul class="webhook-event-list">
            {endpoint.events.map((event) => (
              <li key={event}>
                <code>{event}</code>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Added</dt>
        <dd>
          <RelativeTime iso={endpoint.createdAt} />
        </dd>
        {previousSigns && (
          <>
            <dt>Previous secret</dt>
            <dd data-testid="webhook-previous-secret">Also signs until {formatDateTime(previousSigns)}</dd>
          </>
        )}
      </dl>
      <div class="row webhook-actions">
        <button type="button" aria-disabled={sending.fetching} aria-describedby={describedBy('test')} onClick={() => void onSendTest()}>
          {sending.fetching ? 'Sending…' : 'Send test event'}
        </button>
        <button type="button" class="secondary" ref={rotateButton} onClick={() => openDialog('rotate')}>
          Rotate secret…
        </button>
        <button type="button" class="secondary" aria-describedby={describedBy('toggle')} onClick={() => void onToggle()}>
          {disabled ? 'Enable' : 'Disable'}
        </button>
        <button type="button" class="danger" onClick={() => openDialog('delete')}>
          Delete…
        </button>
      </div>
      {failure && (
        <p id={errorId} class="error" role="alert">
          {describeError(failure.error)}
        </p>
      )}
      {revealed && (
        <WebhookSecretReveal
          secret={revealed}
          url={url}
          previousSignsUntil={endpoint.previousSecretSignsUntil ?? null}
          level={4}
          onDone={() => {
            onRevealDone();
            // back to what made the secret
            requestAnimationFrame(() => rotateButton.current?.focus());
          }}
        />
      )}
      <div class="webhook-deliveries-head">
        <h4 id={`${prefix}-deliveries`}>Deliveries</h4>
        <button type="button" class="secondary" onClick={reload}>
          Refresh deliveries
        </button>
      </div>
      <p class="webhook-watch" role="status" tabIndex={-1} ref={statusLine}>
        {watch && watchWords(watch, watched, settled, timedOut)}
      </p>
      <WebhookDeliveries
        url={url}
        messages={endpoint.messages}
        retrying={retrying}
        retryFailure={failure?.action === 'retry' && failure.messageId ? { messageId: failure.messageId, errorId } : null}
        onRetry={(message) => void onRetry(message)}
      />
      {dialog === 'rotate' && (
        <ConfirmDialog
          title="Rotate the signing secret?"
          confirmLabel="Rotate secret"
          busy={rotating.fetching}
          error={dialogError ? describeError(dialogError) : undefined}
          onConfirm={() => void onRotate()}
          onCancel={() => setDialog(null)}
          // rotated, focus goes to the new secret (the reveal takes it); cancelled, back to the button
          focusAfter={() => (rotated.current ? document.getElementById('webhook-secret-title') : null)}
        >
          <p>
            A new secret signs every webhook to <span class="webhook-url">{url}</span>, and it is shown once. The current secret also
            signs for 24 hours, so your receiver can switch over without missing a webhook.
          </p>
        </ConfirmDialog>
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete the endpoint?"
          confirmLabel="Delete endpoint"
          danger
          busy={deleting.fetching}
          error={dialogError ? describeError(dialogError) : undefined}
          onConfirm={() => void onDelete()}
          onCancel={() => setDialog(null)}
          // deleted, its card goes: focus goes to the section; cancelled, back to the button
          focusAfter={() => (deleted.current ? afterDelete() : null)}
        >
          <p>
            <span class="webhook-url">{url}</span> gets no more webhooks, and its secret stops working. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** What the status line says about a message just sent or sent again. */
function watchWords(watch: Watch, message: Delivery | undefined, settled: boolean, timedOut: boolean): string {
  const what = watch.kind === 'test' ? 'The test event' : 'The webhook';
  if (!settled || !message) {
    if (timedOut) return `${what} has not been tried yet. Use \u201cRefresh deliveries\u201d to look again.`;
    return watch.kind === 'test' ? 'Test event sent: waiting for its delivery\u2026' : 'Sending the webhook again\u2026';
  }
  const attempt = lastAttempt(message)!;
  const answer = attempt.responseStatus != null ? `the endpoint answered ${attempt.responseStatus}` : `no answer (${answerOf(message)})`;
  if (message.deliveredAt) return `${what} was delivered: ${answer} in ${attempt.durationMs} ms.`;
  return `${what} was not delivered: ${answer}. ${message.failedAt ? 'It was given up.' : 'It is tried again later; Retry sends it now.'}`;
}
