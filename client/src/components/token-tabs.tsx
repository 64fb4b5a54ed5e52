import { useRef, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import { graphql } from '../gql';
import type { TokenRowFragment } from '../gql/graphql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { TokensQuery } from '../urql-client';
import { DeleteDialog } from './delete-dialog';
import { TokenDetails } from './token-details';
import { TokenTable } from './token-table';
import { sortAndFilter, type Sort } from './token-sort';

const DeleteTokenMutation = graphql(`
  mutation DeleteToken($id: ID!) {
    deleteToken(id: $id) {
      ...TokenRow
    }
  }
`);

type Tab = 'ACTIVE' | 'DELETED';
const TAB_IDS: Tab[] = ['ACTIVE', 'DELETED'];

/** `paused`: the plan is cancelled, so the active tokens do not work; the first tab says so. */
export function TokenTabs({ paused = false }: { paused?: boolean }) {
  const [tab, setTab] = useState<Tab>('ACTIVE');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort | null>(null);
  const [confirmation, setConfirmation] = useState('');
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ ACTIVE: null, DELETED: null });
  const panel = useRef<HTMLDivElement>(null);
  const [active] = useQuery({ query: TokensQuery, variables: { status: 'ACTIVE' } });
  const [deleted] = useQuery({ query: TokensQuery, variables: { status: 'DELETED' } });
  const lists = { ACTIVE: active, DELETED: deleted };
  const labels = { ACTIVE: paused ? 'Paused' : 'Active', DELETED: 'Deleted' };

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
        {TAB_IDS.map((id) => (
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
            {labels[id]} <span class="tab-count">{lists[id].data ? lists[id].data.tokens.length : ''}</span>
          </button>
        ))}
      </div>
      <label class="filter">
        Filter by name
        <input type="search" value={filter} onInput={(event) => setFilter(event.currentTarget.value)} />
      </label>
      <p class="success delete-confirmation" role="status" data-testid="delete-confirmation">
        {confirmation}
      </p>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} tabIndex={-1} ref={panel}>
        <TokenList
          status={tab}
          list={lists[tab]}
          filter={filter}
          sort={sort}
          onSort={setSort}
          onDeleted={(name) => {
            setConfirmation(`Deleted “${name}”. It stops working now and is listed in the Deleted tab.`);
            return panel.current;
          }}
        />
      </div>
    </section>
  );
}

interface ListProps {
  status: Tab;
  list: ReturnType<typeof useQuery<{ tokens: TokenRowFragment[] }>>[0];
  filter: string;
  sort: Sort | null;
  onSort(sort: Sort): void;
  /** Says the delete worked; returns where focus goes now that the row is gone. */
  onDeleted(name: string): HTMLElement | null;
}

function TokenList({ status, list, filter, sort, onSort, onDeleted }: ListProps) {
  const { data, fetching } = list;
  const error = useCurrentError(list.error);
  const [deleting, setDeleting] = useState<TokenRowFragment | null>(null);
  const [detailsOf, setDetailsOf] = useState<string | null>(null);
  const [deleteState, deleteToken] = useMutation(DeleteTokenMutation);
  const deleteError = useCurrentError(deleteState.error);
  const afterDelete = useRef<HTMLElement | null>(null);

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
  const shown = sortAndFilter(tokens, sort, filter);

  return (
    <>
      {shown.length === 0 ? (
        <p class="empty">No token name contains “{filter.trim()}”.</p>
      ) : (
        <TokenTable status={status} tokens={shown} sort={sort} onSort={onSort}
          onDetails={(token) => setDetailsOf(token.id)}
          onDelete={(token) => {
            afterDelete.current = null;
            setDeleting(token);
          }}
        />
      )}
      {detailsOf && <TokenDetails id={detailsOf} onClose={() => setDetailsOf(null)} />}
      {deleting && (
        <DeleteDialog
          name={deleting.name}
          lastUsedAt={deleting.lastUsedAt}
          busy={deleteState.fetching}
          error={deleteError && describeError(deleteError)}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            const result = await deleteToken({ id: deleting.id });
            if (result.error) return; // the dialog stays open and says why
            afterDelete.current = onDeleted(deleting.name);
            setDeleting(null);
          }}
          focusAfter={() => afterDelete.current}
        />
      )}
    </>
  );
}
