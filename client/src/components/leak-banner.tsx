// A banner for each token a secret scanner reported in public: where it was found and that it was
// revoked. Read from the account's most recent TOKEN_LEAKED events (a bounded page of the audit
// trail, with each event's token), not by scanning the Deleted tab, which grows without bound.
// Live: a leak reported while the page is open (by the scanner, never by the page itself) arrives
// over the auditEvents subscription, and the banner and the token lists are read again at once.
import { useEffect } from 'preact/hooks';
import { useQuery, useSubscription } from '@urql/preact';
import { graphql } from '../gql';

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
  const page = data?.auditEventConnection;
  // a token reported twice (its secret, then a rolled one) is one line, with its latest leak
  const leaked = [...new Map((page?.edges ?? []).flatMap(({ node: event }) => (event.token?.leak ? [[event.token.id, event.token] as const] : []))).values()];
  if (leaked.length === 0) return null;
  return (
    <div role="alert" class="notice leak-banner" data-testid="leak-banner">
      {leaked.map((token) => (
        <p key={token.id} data-testid={`leak-${token.id}`}>
          <strong>{token.name}</strong> was found in public{token.leak!.url ? <> at <LeakPlace url={token.leak!.url} /></> : null}
          {token.leak!.source ? ` (${token.leak!.source})` : ''} on {new Date(token.leak!.reportedAt).toLocaleString()} and was revoked. Generate a new token and
          replace it wherever it was used.
        </p>
      ))}
      {page?.pageInfo.hasNextPage && <p>Older leaks are listed in the Activity view below.</p>}
    </div>
  );
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
