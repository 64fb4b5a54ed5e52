// Webhooks: the team's endpoints, each with its actions and deliveries, and "Add endpoint". What a
// role may do is the server's to decide: a member whose role does not manage webhooks is told so
// (TEAM_ROLE_INSUFFICIENT, in the server's words) instead of being shown forms that would fail.
// A signing secret is shown once, in one place at a time: under the form for a new endpoint, or in
// the endpoint's card for a rotated one. The section is the page's #webhooks.
//
// Each endpoint shows its 10 newest deliveries: the server's cost limit (GRAPHQL_MAX_COST) counts
// a list by its \`first\`, and 10 messages with their attempts fit well within it.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useQuery } from '@urql/preact';
import { graphql } from '../gql';
import { describeError, errorCode } from '../error-messages';
import { WEBHOOK_URL_FIELD, WebhookAddForm } from './webhook-add-form';
import { WebhookEndpoint } from './webhook-endpoint';
import { WebhookSecretReveal } from './webhook-secret';
import './webhook-section.css';

const WebhookEndpointsQuery = graphql(`
  query WebhookEndpoints {
    webhookEndpoints {
      ...WebhookEndpointFields
      messages(first: 10) {
        ...WebhookDelivery
      }
    }
  }
`);

/** The id of the section's heading, and so the page's fragment that leads to it. */
const SECTION_ID = 'webhooks';

/** A secret shown once: of a new endpoint (under the form) or of a rotated one (in its card). */
interface Revealed {
  endpointId: string;
  url: string;
  secret: string;
  rotated: boolean;
}

export function WebhooksSection() {
  const [{ data, error }, reexecute] = useQuery({ query: WebhookEndpointsQuery, requestPolicy: 'cache-and-network' });
  const reload = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useFragmentTarget(heading, Boolean(data || error));
  const refused = errorCode(error) === 'TEAM_ROLE_INSUFFICIENT';
  const endpoints = data?.webhookEndpoints;

  return (
    <section class="card webhooks" aria-labelledby={SECTION_ID}>
      <h2 id={SECTION_ID} tabIndex={-1} ref={heading}>
        Webhooks
      </h2>
      <p class="muted">
        Pogodoc sends your endpoints a signed POST when something happens in this team: a token made, deleted or found leaked, usage
        nearing the plan’s quota.
      </p>
      {error &&
        (refused ? (
          <p class="notice" role="status">
            {describeError(error)}
          </p>
        ) : (
          <p class="error" role="alert">
            {describeError(error)}
          </p>
        ))}
      {endpoints && !refused && (
        <>
          {revealed && !revealed.rotated ? (
            <WebhookSecretReveal
              secret={revealed.secret}
              url={revealed.url}
              previousSignsUntil={null}
              level={3}
              onDone={() => {
                setRevealed(null);
                // the form is back in the secret's place: ready for the next endpoint
                requestAnimationFrame(() => document.getElementById(WEBHOOK_URL_FIELD)?.focus());
              }}
            />
          ) : (
            <WebhookAddForm
              onCreated={({ secret, endpoint }) => {
                setRevealed({ endpointId: endpoint.id, url: endpoint.url, secret, rotated: false });
                reload();
              }}
            />
          )}
          {endpoints.length === 0 && <p class="empty">No endpoints yet.</p>}
          {endpoints.map((endpoint) => (
            <WebhookEndpoint
              key={endpoint.id}
              endpoint={endpoint}
              reload={reload}
              revealed={revealed?.rotated && revealed.endpointId === endpoint.id ? revealed.secret : null}
              onRotated={(secret) => setRevealed({ endpointId: endpoint.id, url: endpoint.url, secret, rotated: true })}
              onRevealDone={() => setRevealed(null)}
              afterDelete={() => heading.current}
            />
          ))}
        </>
      )}
    </section>
  );
}

/**
 * The section is drawn once its data comes, after the browser looked for #webhooks: a page opened
 * at that fragment is taken there then, and the heading gets focus, so Tab goes on from there.
 */
function useFragmentTarget(heading: { current: HTMLElement | null }, drawn: boolean) {
  const done = useRef(false);
  useEffect(() => {
    if (!drawn || done.current) return;
    done.current = true;
    if (window.location.hash !== `#${SECTION_ID}`) return;
    heading.current?.scrollIntoView();
    heading.current?.focus();
  }, [drawn]);
}
