// The dashboard's links in e-mails and invitations carry their secret in the URL's fragment
// (#verify=…, #reset=…, #invitation=…): no request carries a fragment, so the secret stays out of
// server and proxy logs and Referer headers. The page keeps it in memory and takes it out of the
// address bar and the history, so a reload, a bookmark or a shared screen does not carry it on.
import { useCallback, useEffect, useState } from 'preact/hooks';

export type LinkKind = 'verify' | 'reset' | 'invitation';
const LINK_KINDS: LinkKind[] = ['verify', 'reset', 'invitation'];

/** Whether a fragment carries a link's secret: it then comes before the view it would name (view-route.ts). */
export function isLinkFragment(hash: string): boolean {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return LINK_KINDS.some((kind) => params.has(kind));
}

function linkSecret(kind: LinkKind): string | null {
  return new URLSearchParams(window.location.hash.slice(1)).get(kind) || null;
}

/** Takes the fragment out of the address bar without a navigation or a new history entry. */
export function forgetFragment() {
  if (!window.location.hash) return;
  const url = new URL(window.location.href);
  url.hash = '';
  window.history.replaceState(window.history.state, '', url);
}

/**
 * The secret a link of this kind brought: read when the page loads, and when only the fragment
 * changes (a link opened in a tab that shows the dashboard already: the browser does not reload).
 * `dismiss` forgets it; the fragment itself is forgotten by whoever uses the secret, when it fits.
 */
export function useLinkSecret(kind: LinkKind): [secret: string | null, dismiss: () => void] {
  const [secret, setSecret] = useState(() => linkSecret(kind));
  useEffect(() => {
    const onHashChange = () => {
      const brought = linkSecret(kind);
      if (brought) setSecret(brought);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [kind]);
  const dismiss = useCallback(() => setSecret(null), []);
  return [secret, dismiss];
}
