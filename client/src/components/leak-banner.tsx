// A banner for each token a secret scanner reported in public: where it was found and that it was
// revoked. Leaked tokens are deleted, so they are read from the Deleted tab's list.
import { useQuery } from '@urql/preact';
import { graphql } from '../gql';

const LeakedTokensQuery = graphql(`
  query LeakedTokens {
    tokens(status: DELETED) {
      id
      name
      leak {
        reportedAt
        url
        source
      }
    }
  }
`);

export function LeakBanner() {
  const [{ data }] = useQuery({ query: LeakedTokensQuery, requestPolicy: 'cache-and-network' });
  const leaked = data?.tokens.filter((token) => token.leak) ?? [];
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
