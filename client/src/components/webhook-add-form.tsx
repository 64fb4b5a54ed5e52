// "Add endpoint": a URL and the events it gets. The rules (https, a public address, at most 10
// endpoints, the events that exist) are the server's: the form sends what was entered and shows
// the server's reason next to the field it is about.
import { useState } from 'preact/hooks';
import { useMutation } from '@urql/preact';
import type { CombinedError } from '@urql/core';
import { graphql } from '../gql';
import type { WebhookEndpointFieldsFragment } from '../gql/graphql';
import { describeError, errorCode } from '../error-messages';
import { WEBHOOK_EVENTS } from './webhook-events';

const CreateWebhookEndpointMutation = graphql(`
  mutation CreateWebhookEndpoint($url: String!, $events: [String!]!) {
    createWebhookEndpoint(url: $url, events: $events) {
      secret
      endpoint {
        ...WebhookEndpointFields
      }
    }
  }
`);

/** The field a refusal is about: the URL, the events, or the form as a whole (the limit, the rate). */
function fieldOf(error: CombinedError): 'url' | 'events' | 'form' {
  const code = errorCode(error);
  if (code === 'WEBHOOK_URL_INVALID' || code === 'WEBHOOK_URL_FORBIDDEN') return 'url';
  if (code === 'WEBHOOK_EVENTS_INVALID') return 'events';
  return 'form';
}

/** The id of the URL field: focus comes back to it when the secret has been saved. */
export const WEBHOOK_URL_FIELD = 'webhook-url';

export function WebhookAddForm({ onCreated }: { onCreated(created: { secret: string; endpoint: WebhookEndpointFieldsFragment }): void }) {
  const [state, create] = useMutation(CreateWebhookEndpointMutation);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ReadonlySet<string>>(new Set());
  const [refusal, setRefusal] = useState<CombinedError | null>(null);
  const field = refusal ? fieldOf(refusal) : null;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (state.fetching) return;
    // in the order of the list, whatever order they were ticked in
    const chosen = WEBHOOK_EVENTS.map(({ type }) => type).filter((type) => events.has(type));
    const result = await create({ url: url.trim(), events: chosen });
    setRefusal(result.error ?? null);
    const created = result.data?.createWebhookEndpoint;
    if (created) onCreated(created);
  };
  const toggle = (type: string, on: boolean) =>
    setEvents((shown) => {
      const next = new Set(shown);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });

  return (
    // the server checks what is entered, and its reasons are shown beside the fields: the browser's
    // own checks would show a tooltip that says less
    <form class="webhook-add" aria-labelledby="webhook-add-title" noValidate onSubmit={(event) => void submit(event)}>
      <h3 id="webhook-add-title">Add endpoint</h3>
      <label class="webhook-url-field">
        Endpoint URL
        <input
          id={WEBHOOK_URL_FIELD}
          type="url"
          name="webhookUrl"
          inputMode="url"
          autoComplete="off"
          spellcheck={false}
          placeholder="https://example.com/webhooks/pogodoc"
          value={url}
          aria-invalid={field === 'url'}
          aria-describedby={field === 'url' ? 'webhook-url-hint webhook-url-error' : 'webhook-url-hint'}
          onInput={(event) => setUrl(event.currentTarget.value)}
        />
      </label>
      <p id="webhook-url-hint" class="muted webhook-hint">
        An https:// address on the public internet. Every webhook is signed with the endpoint’s own secret (Standard Webhooks).
      </p>
      {field === 'url' && (
        <p id="webhook-url-error" class="error" role="alert">
          {describeError(refusal!)}
        </p>
      )}
      <fieldset class="webhook-events" aria-describedby={field === 'events' ? 'webhook-events-error' : undefined}>
        <legend>Events to send</legend>
        <ul>
          {WEBHOOK_EVENTS.map(({ type, words }) => (
            <li key={type}>
              <label class="checkbox">
                <input type="checkbox" name="webhookEvent" value={type} checked={events.has(type)} onChange={(event) => toggle(type, event.currentTarget.checked)} />
                <span>
                  <code>{type}</code> <span class="muted">{words}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      {field === 'events' && (
        <p id="webhook-events-error" class="error" role="alert">
          {describeError(refusal!)}
        </p>
      )}
      <div class="row">
        <button type="submit" aria-disabled={state.fetching} aria-describedby={field === 'form' ? 'webhook-add-error' : undefined}>
          {state.fetching ? 'Adding…' : 'Add endpoint'}
        </button>
      </div>
      {field === 'form' && (
        <p id="webhook-add-error" class="error" role="alert">
          {describeError(refusal!)}
        </p>
      )}
    </form>
  );
}
