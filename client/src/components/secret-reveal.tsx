import { useEffect, useRef, useState } from 'preact/hooks';
import type { TokenMode } from '../gql/graphql';
import { TestSecretNote } from './token-mode-display';
import { TokenSnippets } from './token-snippets';

const FOCUSABLE = 'button, input, select, textarea, a[href], [tabindex]';

/**
 * The secret, shown once. It lives only in this component's state: nothing stores it, and
 * dismissing it or leaving the page drops it for good.
 *
 * Saved, it gives focus back to what made it, unless the parent already moved focus itself (the
 * generate form sends it to the name field): a form that the reveal stood in for (Roll secret in
 * Details) is back in its place, so its submit button, the one that was pressed, gets focus.
 *
 * A test token's secret says so beside it, and its snippets too: it makes no real documents.
 */
export function SecretReveal({ secret, name, mode = 'LIVE', onDone }: { secret: string; name: string; mode?: TokenMode; onDone: () => void }) {
  const [copy, setCopy] = useState<'copying' | 'copied' | 'failed'>('copying');
  const title = useRef<HTMLHeadingElement>(null);
  const region = useRef<HTMLDivElement>(null);

  const saved = () => {
    const spot = region.current;
    const parent = spot?.parentElement;
    const index = parent && spot ? [...parent.children].indexOf(spot) : -1;
    const hadFocus = Boolean(spot?.contains(document.activeElement));
    onDone();
    requestAnimationFrame(() => {
      const lost = !document.activeElement || document.activeElement === document.body;
      if (!hadFocus || !lost || !parent?.isConnected) return;
      const inPlace = parent.children[index] as HTMLElement | undefined;
      const target = inPlace?.matches(FOCUSABLE) ? inPlace : (inPlace?.querySelector<HTMLElement>('[type="submit"]') ?? inPlace?.querySelector<HTMLElement>(FOCUSABLE));
      target?.focus();
    });
  };

  const copyToClipboard = () =>
    navigator.clipboard.writeText(secret).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );

  useEffect(() => {
    void copyToClipboard();
    // a screen reader lands on the one-time secret rather than on the emptied name field
    title.current?.focus();
    // leaving the page clears it: a page restored from the back/forward cache shows nothing
    const leave = () => onDone();
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, [secret]);

  return (
    <div class="secret" role="region" aria-labelledby="secret-title" ref={region}>
      <h3 id="secret-title" tabIndex={-1} ref={title}>
        Your new {mode === 'TEST' ? 'test token' : 'token'} “{name}”
      </h3>
      {mode === 'TEST' && <TestSecretNote />}
      <p class="warning">
        <strong>This is the only time you will see this token.</strong> Save it in a secure location now, such as an
        environment variable. You won't be able to view it again.
      </p>
      <div class="row">
        <code class="secret-value" data-testid="secret">
          {secret}
        </code>
        <button type="button" class="secondary" onClick={() => void copyToClipboard()}>
          Copy
        </button>
      </div>
      <p class={copy === 'failed' ? 'error' : 'success'} role="status" data-testid="copy-status">
        {copy === 'copied' && 'Copied to your clipboard.'}
        {copy === 'failed' && 'Could not copy automatically: select the token and copy it yourself.'}
      </p>
      <h4 class="snippets-title">Use your API token</h4>
      <TokenSnippets token={secret} mode={mode} />
      <button type="button" onClick={saved}>
        I have saved it
      </button>
    </div>
  );
}
