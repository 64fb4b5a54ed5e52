import { useRef, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import type { TokenRowFragment } from '../gql/graphql';
import { describeError } from '../error-messages';
import { TokensQuery } from '../urql-client';
import { DeleteDialog } from './delete-dialog';
import { TokenDetails } from './token-details';
import { TokenExpiry } from './token-expiry';

const DeleteTokenMutation = graphql(`
  mutation DeleteToken($id: ID!) {
    deleteToken(id: $id) {
      ...TokenRow
    }
  }
`);

type Tab = 'ACTIVE' | 'DELETED';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'ACTIVE', label: 'Active' },
  { id: 'DELETED', label: 'Deleted' },
];

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const formatDate = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : 'Never');

export function TokenTabs() {
  const [tab, setTab] = useState<Tab>('ACTIVE');
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ ACTIVE: null, DELETED: null });

  // arrow keys move between tabs, as the WAI-ARIA tabs pattern expects
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const next: Tab = tab === 'ACTIVE' ? 'DELETED' : 'ACTIVE';
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <section class="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Your Tokens</h2>
      <div role="tablist" aria-label="Token status" class="tabs" onKeyDown={onKeyDown}>
        {TABS.map(({ id, label }) => (
          <button
            key={id}
            ref={(element) => {
              tabRefs.current[id] = element;
            }}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            onClick={() => setTab(id)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        <TokenTable status={tab} />
      </div>
    </section>
  );
}

function TokenTable({ status }: { status: Tab }) {
  const [{ data, fetching, error }] = useQuery({ query: TokensQuery, variables: { status } });
  const [deleting, setDeleting] = useState<TokenRowFragment | null>(null);
  const [detailsOf, setDetailsOf] = useState<string | null>(null);
  const [deleteState, deleteToken] = useMutation(DeleteTokenMutation);

  if (fetching && !data) return <p class="muted" role="status">Loading tokens…</p>;
  if (error && !data) return <p class="error" role="alert">{describeError(error)}</p>;
  const tokens = data?.tokens ?? [];
  if (tokens.length === 0) {
    return (
      <p class="empty" data-testid="empty">
        {status === 'ACTIVE' ? 'No active tokens yet. Generate one above to start using the Pogodoc API.' : 'No deleted tokens.'}
      </p>
    );
  }

  return (
    <>
      {deleteState.error && <p class="error" role="alert">{describeError(deleteState.error)}</p>}
      <table class="tokens" data-testid={`tokens-${status}`}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Token</th>
            <th scope="col">Created</th>
            <th scope="col">Documents</th>
            <th scope="col">Last used</th>
            {status === 'DELETED' ? <th scope="col">Deleted</th> : <th scope="col"><span class="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} data-token-id={token.id}>
              <th scope="row" data-label="Name">
                {token.name} <TokenExpiry expiresAt={token.expiresAt} status={token.status} />
              </th>
              <td data-label="Token"><code>{token.preview}</code></td>
              <td data-label="Created">{formatDate(token.createdAt)}</td>
              <td data-label="Documents" class="count" data-testid="document-count">{token.documentCount.toLocaleString()}</td>
              <td data-label="Last used">{formatDate(token.lastUsedAt)}</td>
              {status === 'DELETED' ? (
                <td data-label="Deleted">{token.deletedAt ? formatDate(token.deletedAt) : 'Expired'}</td>
              ) : (
                <td>
                  <button type="button" class="secondary" onClick={() => setDetailsOf(token.id)} aria-label={`Details of ${token.name}`}>
                    Details
                  </button>{' '}
                  <button type="button" class="danger" onClick={() => setDeleting(token)} aria-label={`Delete ${token.name}`}>
                    Delete
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {detailsOf && <TokenDetails id={detailsOf} onClose={() => setDetailsOf(null)} />}
      {deleting && (
        <DeleteDialog
          name={deleting.name}
          busy={deleteState.fetching}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await deleteToken({ id: deleting.id });
            setDeleting(null);
          }}
        />
      )}
    </>
  );
}
