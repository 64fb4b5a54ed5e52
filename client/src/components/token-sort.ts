import type { TokenRowFragment } from '../gql/graphql';

export type SortKey = 'name' | 'createdAt' | 'lastUsedAt' | 'documentCount';
export interface Sort {
  key: SortKey;
  descending: boolean;
}

export const SORT_LABELS: Record<SortKey, string> = {
  name: 'Name',
  createdAt: 'Created',
  lastUsedAt: 'Last used',
  documentCount: 'Documents',
};

const byName = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function compare(a: TokenRowFragment, b: TokenRowFragment, key: SortKey): number {
  if (key === 'name') return byName.compare(a.name, b.name);
  if (key === 'documentCount') return a.documentCount - b.documentCount;
  // never used sorts as the oldest
  return Date.parse(a[key] ?? '0') - Date.parse(b[key] ?? '0') || 0;
}

/** The rows whose name contains `filter` (any case), in the chosen order; the server's order by default. */
export function sortAndFilter(tokens: readonly TokenRowFragment[], sort: Sort | null, filter: string): TokenRowFragment[] {
  const needle = filter.trim().toLocaleLowerCase();
  const shown = needle ? tokens.filter((token) => token.name.toLocaleLowerCase().includes(needle)) : [...tokens];
  if (sort) shown.sort((a, b) => (sort.descending ? -1 : 1) * compare(a, b, sort.key));
  return shown;
}
