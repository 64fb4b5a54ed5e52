import { useRef } from 'preact/hooks';
import type { TokenRowFragment } from '../gql/graphql';
import { RelativeTime } from './relative-time';
import { TokenExpiry } from './token-expiry';
import { TokenLeakBadge } from './token-leak-badge';
import { TokenModeBadge } from './token-mode-display';
import { TokenDisabledBadge } from './token-disable';
import { TREND_DAYS, UsageSparkline } from './usage-sparkline';
import { useUsageRange, withLiveCount } from './usage-range';
import { useSeenRows, useUsageTrends, type Trend } from './usage-trends';
import { SORT_LABELS, type Sort, type SortKey } from './token-sort';

interface Props {
  status: 'ACTIVE' | 'DELETED';
  tokens: TokenRowFragment[];
  sort: Sort | null;
  onSort(sort: Sort): void;
  /** `opener`: the button pressed, where focus goes back when Details closes. */
  onDetails(token: TokenRowFragment, opener: HTMLElement): void;
  onDelete(token: TokenRowFragment): void;
}

const When = ({ iso }: { iso: string | null | undefined }) => (iso ? <RelativeTime iso={iso} /> : <>Never</>);

/** The token rows; column headers are sort buttons that say their order (aria-sort). */
export function TokenTable({ status, tokens, sort, onSort, onDetails, onDelete }: Props) {
  const body = useRef<HTMLTableSectionElement>(null);
  const trendRange = useUsageRange('DAY', TREND_DAYS);
  const seen = useSeenRows(body, tokens.map((token) => token.id));
  const trends = useUsageTrends(seen, new Map(tokens.map((token) => [token.id, token.documentCount])), trendRange);
  const header = (key: SortKey) => {
    const current = sort?.key === key;
    const next = { key, descending: current ? !sort!.descending : key !== 'name' };
    return (
      <th scope="col" class="sortable" aria-sort={current ? (sort!.descending ? 'descending' : 'ascending') : undefined}>
        <button type="button" class="sort" onClick={() => onSort(next)}>
          {SORT_LABELS[key]}
          <span aria-hidden="true">{current ? (sort!.descending ? ' ↓' : ' ↑') : ''}</span>
        </button>
      </th>
    );
  };

  return (
    <table class="tokens" data-testid={`tokens-${status}`}>
      <thead>
        <tr>
          {header('name')}
          <th scope="col">Token</th>
          {header('createdAt')}
          {header('documentCount')}
          {header('lastUsedAt')}
          <th scope="col">Last 14 days</th>
          {status === 'DELETED' ? (
            <th scope="col">Deleted</th>
          ) : (
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody ref={body}>
        {tokens.map((token) => (
          <tr key={token.id} data-token-id={token.id}>
            <th scope="row" data-label="Name" class="name">
              <span class="row-name">{token.name}</span>
              <TokenModeBadge mode={token.mode} />
              {/* a disabled token keeps its slot in the Active tab; once deleted or expired, that says more */}
              {token.status === 'ACTIVE' && <TokenDisabledBadge disabledAt={token.disabledAt} />}
              <TokenExpiry expiresAt={token.expiresAt} status={token.status} />
              <TokenLeakBadge leak={token.leak} />
            </th>
            <td data-label="Token" class="preview">
              <code>{token.preview}</code>
            </td>
            <td data-label="Created" class="when">
              <When iso={token.createdAt} />
            </td>
            <td data-label="Documents" class="count" data-testid="document-count">
              {token.documentCount.toLocaleString()}
            </td>
            <td data-label="Last used" class="when">
              <When iso={token.lastUsedAt} />
            </td>
            <td data-label="Last 14 days" class="trend">
              <UsageSparkline points={withTrend(trends.get(token.id), token.documentCount)} />
            </td>
            {status === 'DELETED' ? (
              <td data-label="Deleted" class="deleted">
                {/* an expired token was never deleted: its badge beside the name says when it expired */}
                {token.deletedAt ? <When iso={token.deletedAt} /> : 'Expired'}{' '}
                {/* its usage stays readable */}
                <button type="button" class="secondary" onClick={(event) => onDetails(token, event.currentTarget)} aria-label={`Details of ${token.name}`}>
                  Details
                </button>
              </td>
            ) : (
              <td class="actions">
                <button type="button" class="secondary" onClick={(event) => onDetails(token, event.currentTarget)} aria-label={`Details of ${token.name}`}>
                  Details
                </button>{' '}
                <button type="button" class="danger" onClick={() => onDelete(token)} aria-label={`Delete ${token.name}`}>
                  Delete
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The row's 14 days, its last day moving with the live count. */
const withTrend = (trend: Trend | undefined, liveCount: number) => trend && withLiveCount(trend.points, trend.countAtFetch, liveCount);
