// A banner for each token a secret scanner reported in public: where it was found and that it was
// revoked. Read from the account's most recent TOKEN_LEAKED events (a bounded page of the audit
// trail, with each event's token), not by scanning the Deleted tab, which grows without bound.
// Live: a leak reported while the page is open (by the scanner, never by the page itself) arrives
// over the auditEvents subscription, and the banner and the token lists are read again at once.
// Each leak can be dismissed; the browser remembers it by the leak's token and audit event, so the
// same leak stays dismissed after a reload and in other tabs, while a new leak of the same token
// (its rolled secret) is a new event and shows again. Nothing is lost: the leaked token's row keeps
// its badge, and the Activity view its event.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';
import type { LeakedTokensQuery } from '../gql/graphql';

/** The newest leaks shown; older ones stay in the Activity view. */
const LEAKS_SHOWN = 10;

const LeakedTokensQuery = graphql(`
  query LeakedTokens($first: Int!) {
    auditEventConnection(types: [TOKEN_LEAKED], first: $first) {
      edges {
        node {
          id
          token {
            id
            name
            leak {
              reportedAt
              url
              source
            }
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const LiveLeaksSubscription = graphql(`
  subscription LiveLeaks {
    auditEvents(types: [TOKEN_LEAKED]) {
      id
    }
  }
`);

interface Props {
  /** A leak was just reported: the revoked token leaves the Active tab for the Deleted one. */
  onLeak(): void;
}

export function LeakBanner({ onLeak }: Props) {
  const [{ data }, readAgain] = useQuery({ query: LeakedTokensQuery, variables: { first: LEAKS_SHOWN }, requestPolicy: 'cache-and-network' });
  const [live] = useSubscription({ query: LiveLeaksSubscription });
  const liveLeak = live.data?.auditEvents.id;
  useEffect(() => {
    if (!liveLeak) return;
    readAgain({ requestPolicy: 'network-only' });
    onLeak();
  }, [liveLeak]);
  const dismissed = useDismissedLeaks();
  const banner = useRef<HTMLDivElement>(null);
  const page = data?.auditEventConnection;
  // a token reported twice (its secret, then a rolled one) is one line, with its latest leak: the
  // events come newest first, so the first event of each token is its latest
  const latest = new Map<string, { eventId: string; token: LeakedToken }>();
  for (const { node: event } of page?.edges ?? []) {
    if (event.token?.leak && !latest.has(event.token.id)) latest.set(event.token.id, { eventId: event.id, token: event.token });
  }
  const leaks = [...latest.values()].filter((leak) => !dismissed.has(leakKey(leak.token.id, leak.eventId)));
  if (leaks.length === 0) return null;

  const dismiss = (key: string, button: HTMLButtonElement) => {
    // focus was on the button that goes: on to the next notice's button, or the top of the page
    const hadFocus = document.activeElement === button;
    const buttons = [...(banner.current?.querySelectorAll<HTMLButtonElement>('button.leak-dismiss') ?? [])];
    const index = buttons.indexOf(button);
    const next = buttons[index + 1] ?? buttons[index - 1];
    dismissed.add(key);
    if (hadFocus) requestAnimationFrame(() => (next?.isConnected ? next : document.getElementById('page-title'))?.focus());
  };

  return (
    <div role="alert" class="notice leak-banner" data-testid="leak-banner" ref={banner}>
      {leaks.map(({ eventId, token }) => (
        <div key={token.id} class="leak" data-testid={`leak-${token.id}`}>
          <p>
            <strong>{token.name}</strong> was found in public{token.leak!.url ? <> at <LeakPlace url={token.leak!.url} /></> : null}
            {token.leak!.source ? ` (${token.leak!.source})` : ''} on {new Date(token.leak!.reportedAt).toLocaleString()} and was revoked. Generate a new token and
            replace it wherever it was used.
          </p>
          <button
            type="button"
            class="secondary leak-dismiss"
            aria-label={`Dismiss the notice about “${token.name}”`}
            onClick={(event) => dismiss(leakKey(token.id, eventId), event.currentTarget)}
          >
            Dismiss
          </button>
        </div>
      ))}
      {page?.pageInfo.hasNextPage && <p>Older leaks are listed in the Activity view below.</p>}
    </div>
  );
}

type LeakedToken = NonNullable<LeakedTokensQuery['auditEventConnection']['edges'][number]['node']['token']>;

/** One leak: a token and the TOKEN_LEAKED event that reported it. */
const leakKey = (tokenId: string, eventId: string) => `pogodoc.leak-dismissed.${tokenId}.${eventId}`;

/**
 * The leaks dismissed in this browser, one localStorage entry each (a handful a year, so they are
 * not pruned). Another tab's dismissal arrives as a storage event. When storage is refused
 * (private mode), a dismissal lasts as long as the page.
 */
function useDismissedLeaks(): { has(key: string): boolean; add(key: string): void } {
  const [inPage, setInPage] = useState<ReadonlySet<string>>(new Set());
  const [, setStorageChanges] = useState(0);
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === null || event.key.startsWith('pogodoc.leak-dismissed.')) setStorageChanges((count) => count + 1);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);
  return {
    has: (key) => inPage.has(key) || readStored(key),
    add: (key) => {
      try {
        window.localStorage.setItem(key, new Date().toISOString());
      } catch {
        // refused: kept in the page only
      }
      setInPage((keys) => new Set(keys).add(key));
    },
  };
}

function readStored(key: string): boolean {
  try {
    return window.localStorage.getItem(key) !== null;
  } catch {
    return false;
  }
}

/** A link only for an https: URL (the server keeps no other); anything else stays plain text. */
function LeakPlace({ url }: { url: string }) {
  let https = false;
  try {
    https = new URL(url).protocol === 'https:';
  } catch {
    // not a URL: plain text
  }
  return https ? (
    <a href={url} rel="noreferrer noopener" target="_blank">
      {url}
    </a>
  ) : (
    <span>{url}</span>
  );
}
