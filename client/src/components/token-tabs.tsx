import { useEffect, useRef, useState } from 'preact/hooks';
import { useMutation, useQuery } from '@urql/preact';
import type { CombinedError } from '@urql/core';
import { graphql } from '../gql';
import type { TokenRowFragment } from '../gql/graphql';
import { describeError } from '../error-messages';
import { useCurrentError } from '../connection-context';
import { DELETED_PAGE_SIZE, DeletedTokensQuery, TokensQuery } from '../urql-client';
import { DeleteDialog } from './delete-dialog';
import { TokenDetails } from './token-details';
import { TokenTable } from './token-table';
import { sortAndFilter, type Sort } from './token-sort';
import { leaveTo, navigate, useViewRoute, type TokenListTab } from '../view-route';

const DeleteTokenMutation = graphql(`
  mutation DeleteToken($id: ID!) {
    deleteToken(id: $id) {
      ...TokenRow
    }
  }
`);

type Tab = TokenListTab;
const TAB_IDS: Tab[] = ['ACTIVE', 'DELETED'];

/**
 * `paused`: the plan is cancelled, so the active tokens do not work; the first tab says so.
 * The tab shown and the token whose Details are open are the address's (#tokens, #tokens/deleted,
 * #token/<id>; view-route.ts): choosing a tab or opening Details is a new history entry, so Back
 * goes back to the other tab or closes Details, and a reload keeps either.
 */
export function TokenTabs({ paused = false }: { paused?: boolean }) {
  const { route, listTab: tab } = useViewRoute();
  const setTab = (next: Tab) => {
    if (next !== tab) navigate({ view: 'tokens', tab: next });
  };
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort | null>(null);
  const [confirmation, setConfirmation] = useState('');
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ ACTIVE: null, DELETED: null });
  const panel = useRef<HTMLDivElement>(null);
  const detailsOf = route.view === 'token' ? route.id : null;
  const detailsOpener = useRef<HTMLElement | null>(null);
  useFocusAfterDetails(detailsOf, tab, detailsOpener);
  const [active] = useQuery({ query: TokensQuery, variables: { status: 'ACTIVE' } });
  // at most 10 active tokens (the product's rule): one list. The Deleted tab grows without
  // bound: a page at a time; `deletedAfter` is the cursor of the last page asked for, and the
  // answer holds every page read so far (relayPagination in urql-client.ts)
  const [deletedAfter, setDeletedAfter] = useState<string | null>(null);
  const [deletedQuery] = useQuery({ query: DeletedTokensQuery, variables: { first: DELETED_PAGE_SIZE, after: deletedAfter } });
  const deletedPages = deletedQuery.data?.tokenConnection;
  const lists: Record<Tab, ListState> = {
    ACTIVE: { tokens: active.data?.tokens, count: active.data?.tokens.length, fetching: active.fetching, error: active.error },
    DELETED: {
      tokens: deletedPages?.edges.map((edge) => edge.node),
      count: deletedPages?.totalCount,
      fetching: deletedQuery.fetching,
      error: deletedQuery.error,
      more: deletedPages?.pageInfo.hasNextPage
        ? { loading: deletedQuery.fetching, showMore: () => setDeletedAfter(deletedPages.pageInfo.endCursor ?? null) }
        : undefined,
    },
  };
  // "Paused" only once there is something paused: a new account before its first plan has no
  // tokens, and "Paused 0" would say something is stopped (the paused notice is hidden then too)
  const labels = { ACTIVE: paused && lists.ACTIVE.count ? 'Paused' : 'Active', DELETED: 'Deleted' };

  // arrow keys move between tabs, as the WAI-ARIA tabs pattern expects
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const next: Tab = tab === 'ACTIVE' ? 'DELETED' : 'ACTIVE';
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <section class="card" aria-labelledby="tokens-title">
      {/* tabindex: the address #tokens leads here */}
      <h2 id="tokens-title" tabIndex={-1}>
        Your Tokens
      </h2>
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
            {labels[id]} <span class="tab-count">{lists[id].count ?? ''}</span>
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
          onDetails={(token, opener) => {
            detailsOpener.current = opener;
            navigate({ view: 'token', id: token.id, tab });
          }}
          onDeleted={(name) => {
            setConfirmation(`Deleted “${name}”. It stops working now and is listed in the Deleted tab.`);
            return panel.current;
          }}
        />
      </div>
      {detailsOf && (
        // keyed: another token's address (Forward, a typed one) is another dialog
        <TokenDetails key={detailsOf} id={detailsOf} onClose={() => leaveTo({ view: 'tokens', tab })} />
      )}
    </section>
  );
}

/**
 * Where focus goes once Details closes (its Close button, Escape, or Back): to the Details button
 * that opened it; if the list was drawn again meanwhile, to that token's button now; or to the list
 * when the row is not there (gone, or Details was opened by a reload of its address).
 */
function useFocusAfterDetails(detailsOf: string | null, tab: Tab, opener: { current: HTMLElement | null }) {
  const shown = useRef(detailsOf);
  useEffect(() => {
    const closed = shown.current;
    shown.current = detailsOf;
    if (!closed || detailsOf) return;
    // once the dialog is gone
    requestAnimationFrame(() => {
      const panel = document.getElementById(`panel-${tab}`);
      const row = panel?.querySelector<HTMLElement>(`tr[data-token-id="${CSS.escape(closed)}"] button[aria-label^="Details"]`);
      (opener.current?.isConnected ? opener.current : (row ?? panel))?.focus();
      opener.current = null;
    });
  }, [detailsOf]);
}

interface ListState {
  /** The rows read so far; undefined before the first answer. */
  tokens: TokenRowFragment[] | undefined;
  /** How many the tab holds in all (more than `tokens` while pages remain). */
  count: number | undefined;
  fetching: boolean;
  error: CombinedError | undefined;
  /** Set while more pages remain to be read. */
  more?: { loading: boolean; showMore(): void };
}

interface ListProps {
  status: Tab;
  list: ListState;
  filter: string;
  sort: Sort | null;
  onSort(sort: Sort): void;
  /** Opens a token's Details; `opener`: the button pressed. */
  onDetails(token: TokenRowFragment, opener: HTMLElement): void;
  /** Says the delete worked; returns where focus goes now that the row is gone. */
  onDeleted(name: string): HTMLElement | null;
}

function TokenList({ status, list, filter, sort, onSort, onDetails, onDeleted }: ListProps) {
  const { tokens: loaded, fetching } = list;
  const error = useCurrentError(list.error);
  const [deleting, setDeleting] = useState<TokenRowFragment | null>(null);
  const [deleteState, deleteToken] = useMutation(DeleteTokenMutation);
  const deleteError = useCurrentError(deleteState.error);
  const afterDelete = useRef<HTMLElement | null>(null);

  if (fetching && !loaded) return <p class="muted" role="status">Loading tokens…</p>;
  if (error && !loaded) return <p class="error" role="alert">{describeError(error)}</p>;
  const tokens = loaded ?? [];
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
          onDetails={onDetails}
          onDelete={(token) => {
            afterDelete.current = null;
            setDeleting(token);
          }}
        />
      )}
      {list.count !== undefined && (list.more || tokens.length > DELETED_PAGE_SIZE) && (
        <ShowMore shown={tokens.length} total={list.count} more={list.more} />
      )}
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

/**
 * "Show more" under a paged tab, and a status line that says how many are shown and, once a page
 * arrives, how many it added (a screen reader hears it; the button keeps focus, or the line takes
 * it when the last page is in and the button goes).
 */
function ShowMore({ shown, total, more }: { shown: number; total: number; more: ListState['more'] }) {
  const [asked, setAsked] = useState<{ from: number } | null>(null);
  const status = useRef<HTMLParagraphElement>(null);
  const loading = Boolean(more?.loading && asked);
  const added = asked && !loading && shown > asked.from ? shown - asked.from : 0;
  useEffect(() => {
    if (added > 0 && !more && document.activeElement === document.body) status.current?.focus();
  }, [added, more]);
  if (total === 0) return null;
  return (
    <div class="show-more">
      <p class="muted" role="status" tabIndex={-1} ref={status} data-testid="show-more-status">
        {loading ? 'Loading more…' : `${added > 0 ? `Loaded ${added} more. ` : ''}Showing ${shown} of ${total}.`}
      </p>
      {more && (
        <button
          type="button"
          class="secondary"
          // aria-disabled, not disabled: a disabled button would drop the keyboard focus
          aria-disabled={loading}
          onClick={() => {
            if (loading) return;
            setAsked({ from: shown });
            more.showMore();
          }}
        >
          Show more
        </button>
      )}
    </div>
  );
}
