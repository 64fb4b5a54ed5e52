// An endpoint's signing secret, shown once: when the endpoint is added and when its secret is
// rotated. It lives only in the Webhooks section's state: dismissing it or leaving the page drops
// it for good, and the server never returns it again.
import { useEffect, useRef } from 'preact/hooks';
import { CopySnippet } from './copy-snippet';
import { formatDateTime } from './relative-time';

const VERIFY_SNIPPET = `import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.POGODOC_WEBHOOK_SECRET);
// body: the raw request body, verified before it is parsed
const event = webhook.verify(body, headers);`;

interface Props {
  secret: string;
  url: string;
  /** Rotated: until when the previous secret also signs (null for a new endpoint). */
  previousSignsUntil: string | null;
  /** Its heading's level: under the section's (h3), or under an endpoint's (h4). */
  level: 3 | 4;
  onDone(): void;
}

export function WebhookSecretReveal({ secret, url, previousSignsUntil, level, onDone }: Props) {
  const Heading = level === 3 ? 'h3' : 'h4';
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // a screen reader lands on the one-time secret, not on the form or button that made it
    title.current?.focus();
    // leaving the page drops it: a page restored from the back/forward cache shows nothing
    const leave = () => onDone();
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, [secret]);
  return (
    <div class="secret webhook-secret" role="region" aria-labelledby="webhook-secret-title">
      <Heading id="webhook-secret-title" tabIndex={-1} ref={title}>
        {previousSignsUntil ? 'New signing secret' : 'Signing secret'} for <span class="webhook-url">{url}</span>
      </Heading>
      <p class="warning">
        <strong>This is the only time you will see this secret.</strong> Store it where your receiver reads it, such as an environment
        variable: it verifies that each webhook comes from Pogodoc.
      </p>
      {previousSignsUntil && (
        <p>
          The previous secret also signs every webhook until {formatDateTime(previousSignsUntil)}, so your receiver can switch over
          without missing one.
        </p>
      )}
      <CopySnippet label="Signing secret" code={secret} testId="webhook-secret" />
      <CopySnippet label="Verify a webhook (Node, standardwebhooks)" code={VERIFY_SNIPPET} />
      <button type="button" onClick={onDone}>
        I have saved it
      </button>
    </div>
  );
}
