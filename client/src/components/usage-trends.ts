// The rows' trends: one usage request for all the rows on screen, not one per row.
//
// The API's usage query takes one token, so the rows on screen are asked for together, as aliases
// of one document (t0, t1, …), at most TOKENS_PER_REQUEST at a time, within the server's alias
// limit (GRAPHQL_MAX_ALIASES, 15). The document is built here because its size depends on the
// rows; the one field it repeats is the same `usage` the details view asks through codegen.
// Only rows that have come near the viewport are asked for (a long Deleted tab costs what is
// seen), each once per day range (a tab switch or a filter asks nothing again). The answer is
// read from the network, not graphcache, and kept with the live count it was read at: it is the
// baseline that live counts are added to, so an old answer alone would drop what was counted since.
import type { Client } from '@urql/core';
import { useClient } from '@urql/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useConnection } from '../connection-context';
import type { UsagePoint, UsageRange } from './usage-range';

const TOKENS_PER_REQUEST = 10;
const documents = new Map<number, string>();

function trendsDocument(count: number) {
  let document = documents.get(count);
  if (!document) {
    const variables = Array.from({ length: count }, (_, i) => `$t${i}: ID!`).join(', ');
    const fields = Array.from(
      { length: count },
      (_, i) => `t${i}: usage(tokenId: $t${i}, from: $from, to: $to, granularity: $granularity) { at documentCount }`,
    ).join(' ');
    // a string, which urql parses (and codegen, rightly, does not take for one of its documents)
    document = `query TokenTrends($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!, ${variables}) { ${fields} }`;
    documents.set(count, document);
  }
  return document;
}

/** A row's points, and the token's live count when they arrived (the baseline of withLiveCount). */
export interface Trend {
  points: readonly UsagePoint[];
  countAtFetch: number;
}

/**
 * What the rows were given, per dashboard client (one per account and sign-in), so that a table
 * mounted again (a filter that matched nothing, then something) asks nothing again: its rows'
 * answers and their baselines are here. Keys are "<range start>|<token id>".
 */
interface TrendStore {
  trends: Map<string, Trend>;
  /** Asked for, answered or not yet. */
  asked: Set<string>;
  /** The connection recoveries the answers are from. */
  recoveries: number;
}
const stores = new WeakMap<Client, TrendStore>();

/**
 * Each token's points over `range`, fetched for `tokenIds` (the rows seen), a batch at a time.
 * `liveCounts` are the tokens' documentCounts now: the answer is kept with them, so that a row
 * shown again later (another tab, a filter) adds what was counted since, not since it re-appeared.
 */
export function useUsageTrends(
  tokenIds: readonly string[],
  liveCounts: ReadonlyMap<string, number>,
  range: UsageRange,
): ReadonlyMap<string, Trend> {
  const client = useClient();
  let store = stores.get(client);
  // after an outage the rows are read again, as the lists are: live counts missed meanwhile
  // would otherwise all land in today's bucket
  const { recoveries } = useConnection();
  if (!store) stores.set(client, (store = { trends: new Map(), asked: new Set(), recoveries }));
  const [, setAnswers] = useState(0);
  const counts = useRef(liveCounts);
  counts.current = liveCounts;
  const keyOf = (id: string) => `${range.from}|${id}`;

  useEffect(() => {
    const current = store!;
    let mounted = true;
    if (current.recoveries !== recoveries) {
      current.recoveries = recoveries;
      current.asked.clear();
    }
    const missing = tokenIds.filter((id) => !current.asked.has(keyOf(id)));
    for (let start = 0; start < missing.length; start += TOKENS_PER_REQUEST) {
      const batch = missing.slice(start, start + TOKENS_PER_REQUEST);
      batch.forEach((id) => current.asked.add(keyOf(id)));
      const variables: Record<string, string> = { from: range.from, to: range.to, granularity: range.granularity };
      batch.forEach((id, i) => (variables[`t${i}`] = id));
      void client
        .query<Record<string, UsagePoint[] | null>>(trendsDocument(batch.length), variables, { requestPolicy: 'network-only' })
        .toPromise()
        .then(({ data }) => {
          // No answer (an outage): asked again when the connection is back; the page already says
          // why. Answered after the table went away: its live counts are no longer known here,
          // so the answer would have no true baseline; the rows ask again when shown again.
          if (!data || !mounted) return batch.forEach((id) => current.asked.delete(keyOf(id)));
          batch.forEach((id, i) => {
            const points = data[`t${i}`];
            if (points) current.trends.set(keyOf(id), { points, countAtFetch: counts.current.get(id) ?? 0 });
          });
          setAnswers((value) => value + 1);
        });
    }
    return () => {
      mounted = false;
    };
  }, [tokenIds.join(), range.from, recoveries]);

  return new Map(tokenIds.flatMap((id) => (store!.trends.has(keyOf(id)) ? [[id, store!.trends.get(keyOf(id))!] as const] : [])));
}

/** The ids of the rows (tr[data-token-id]) that have come within a screen of the viewport. */
export function useSeenRows(container: { current: HTMLElement | null }, rowIds: readonly string[]): string[] {
  const [seen, setSeen] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    const root = container.current;
    if (!root) return;
    const observer = new IntersectionObserver(
      (entries) => {
        const visible = entries.filter((entry) => entry.isIntersecting).map((entry) => (entry.target as HTMLElement).dataset.tokenId!);
        if (visible.length) setSeen((previous) => (visible.every((id) => previous.has(id)) ? previous : new Set([...previous, ...visible])));
      },
      { rootMargin: '100% 0px' },
    );
    root.querySelectorAll<HTMLElement>('tr[data-token-id]').forEach((row) => observer.observe(row));
    return () => observer.disconnect();
  }, [rowIds.join()]);
  return rowIds.filter((id) => seen.has(id));
}
